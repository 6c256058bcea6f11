"""Server-rendered HTML: thin views and WTForms forms, one blueprint per area, grouped by domain."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from inventory.web import errors, main
    from inventory.web.accounts import admin, auth, profile
    from inventory.web.alerts import pages as alerts
    from inventory.web.audit import events
    from inventory.web.blood import donors as blood_donors
    from inventory.web.blood import board as blood_board
    from inventory.web.blood import calendar as blood_calendar
    from inventory.web.blood import emergencies as blood_emergencies
    from inventory.web.blood import reports as blood_reports
    from inventory.web.coldchain import pages as coldchain
    from inventory.web.coldchain import uploads as coldchain_uploads
    from inventory.web.inspections import pages as inspections
    from inventory.web.plans import evaluations as plan_evaluations, statistics as plan_statistics
    from inventory.web.plans import coverage as plan_coverage
    from inventory.web.plans import additions, annual_plans
    from inventory.web.plans import catalogue as catalogue_versions
    from inventory.web.plans import contracts as contract_pages, qualifications
    from inventory.web.stock import catalogue, counts, display, entry, exports, facilities, imports, lots, summary
    from inventory.web.system import health
    from inventory.web.workflows import (
        authorisations, dispatches, inbox, instructions, replenishments, rotations, scrap_rules, scraps,
    )

    for module in (auth, main, profile, admin, catalogue, imports, exports, lots, entry, summary,
                   facilities, counts, inbox, dispatches, instructions, replenishments, authorisations, rotations, scraps,
                   scrap_rules, inspections, events, health, alerts, coldchain, coldchain_uploads, plan_evaluations,
                   plan_statistics, plan_coverage, catalogue_versions, annual_plans, additions, contract_pages,
                   qualifications, blood_board, blood_reports, blood_emergencies, blood_calendar, blood_donors):
        app.register_blueprint(module.bp)
    errors.register(app)
    main.register_template_helpers(app)
    display.register(app)
