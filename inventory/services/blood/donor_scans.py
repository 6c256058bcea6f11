"""The donor-team alert kinds (docs/blood.md, "Alerts"), in the ``blood`` scan group:

- ``donor_compliance``: a rule of §六(一) (head counts, 0.4 ‰ floors, group donors, group mix, five days of demand,
  yearly confirmation and filing) or §六(七)2 (the year's drill) failing on the day, one alert per rule and area;
- ``collection_points``: fewer active collection points than §六(二) asks, in the main city or a county.

Both are warnings and resolve when the rule passes again. The subject is the city's blood station (it keeps the
teams with the health commission, whose bureau the alerts name); the payload holds the rule, the area and the
required and actual figures — never a donor's name or phone.
"""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Integer, Select, String, cast, literal, select, union_all
from sqlmodel import Session

from inventory.core.vocab import AlertSeverity, OrgKind
from inventory.models import Organisation
from inventory.services.alerts.registry import Scan, register
from inventory.services.blood import donor_compliance
from inventory.services.blood.donors import team_districts
from inventory.services.blood.scans import SUBJECT, health_commission_id


def _conditions(session: Session, as_of: date, kind: str) -> Select | None:
    station = session.execute(select(Organisation).where(Organisation.kind == OrgKind.blood_station,
                                                         Organisation.active.is_(True)).order_by(Organisation.id)
                              ).scalars().first()
    if station is None:
        return None
    failed = [rule for rule in donor_compliance.evaluate(session=session, as_of=as_of).failed if rule.kind == kind]
    districts, bureau = team_districts(session), health_commission_id(session)
    rows = [select(cast(literal(f"{kind}:{rule.key}:{rule.area}"), String).label("dedup_key"),
                   cast(literal(AlertSeverity.warning.value), String).label("severity"),
                   cast(literal(SUBJECT), String).label("subject_type"),
                   cast(literal(station.id), Integer).label("subject_id"),
                   cast(literal(bureau), Integer).label("bureau_id"),
                   cast(literal(districts[rule.area].id if rule.area in districts else None), Integer)
                   .label("district_id"),
                   literal({"rule": rule.key, "area": rule.area, "section": rule.section, "required": rule.required,
                            "actual": rule.actual}, JSON).label("payload"))
            for rule in failed]
    if not rows:
        return None
    return rows[0] if len(rows) == 1 else select(union_all(*rows).subquery())


def donor_compliance_conditions(session: Session, as_of: date) -> Select | None:
    return _conditions(session, as_of, "donor_compliance")


def collection_points_conditions(session: Session, as_of: date) -> Select | None:
    return _conditions(session, as_of, "collection_points")


register(Scan("donor_compliance", _l("Donor teams short of the plan"), donor_compliance_conditions, group="blood"))
register(Scan("collection_points", _l("Too few emergency collection points"), collection_points_conditions,
              group="blood"))
