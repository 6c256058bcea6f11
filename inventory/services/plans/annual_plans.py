"""Annual reserve plans (年度储备计划, reserve-materials-measures §二(三), docs/plans.md).

A plan of a year lists materials with their target quantity and storage period, split by enterprise where known
(lines without one are city-wide). Drafted by a coordinator or a bureau, co-signed by the development-and-reform
commission, the finance bureau and the responsible bureaus of its materials, approved by the government
(services/plans/documents.py); approval puts it in force and supersedes the version in force of the same year only.
An amendment is the year's next version (``amends_id`` the one it changes) through the same chain; every version is
kept.

**Reserve varieties only**: a line's material must be a reserve variety (services/plans/varieties.py) on the day
the plan is checked — when it is drafted or edited, submitted and approved — as the catalogue in force then lists
it or a temporary addition in force covers that day. The government approves against the catalogue it has
approved; a plan for next year drafted before the catalogue is amended names today's varieties.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from inventory import scope
from inventory.scope import plans as plan_scope
from inventory.core.clock import business_today
from inventory.core.errors import Conflict
from inventory.core.vocab import OrgKind
from inventory.core.vocab import PlanStatus as S
from inventory.models import AnnualPlan, AnnualPlanLine, Material, Organisation, User
from inventory.services.plans import varieties
from inventory.services.plans.catalogue import check_months, material_of
from inventory.services.plans.documents import DocumentFlow, check_text, describe_with, line_summaries
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems, positive_amount

FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class PlanLineInput:
    material: str
    target_quantity: Decimal | str | int
    enterprise: str | None = None
    storage_months: int | None = 12


def lines_of(session: Session, plan_id: int) -> list[AnnualPlanLine]:
    return list(session.exec(select(AnnualPlanLine).where(AnnualPlanLine.plan_id == plan_id)
                             .order_by(AnnualPlanLine.id)))


def _bureaus(session: Session, row: AnnualPlan) -> list[int]:
    return list(session.exec(select(Material.bureau_id).join(AnnualPlanLine, AnnualPlanLine.material_id == Material.id)
                             .where(AnnualPlanLine.plan_id == row.id)))


def _same_year(session: Session, row: AnnualPlan):
    return select(AnnualPlan).where(AnnualPlan.year == row.year)


def _check_varieties(session: Session, row: AnnualPlan) -> None:
    """Every line's material is a reserve variety today (422 naming the line); run on submission and approval."""
    problems = Problems()
    allowed = varieties.varieties(session)
    materials = {m.id: m for m in session.exec(select(Material).where(
        Material.id.in_([line.material_id for line in lines_of(session, row.id)])))}
    for index, line in enumerate(lines_of(session, row.id)):
        if line.material_id not in allowed:
            problems.add(f"lines[{index}].material", _not_a_variety(materials[line.material_id]))
    problems.raise_any(_l("the plan lists materials that are not reserve varieties; nothing was changed"))


def _not_a_variety(material: Material):
    return _l("%(code)s is not a reserve variety: the catalogue in force does not list it and no temporary addition "
              "in force covers today", code=material.code)


ANNUAL_PLAN = DocumentFlow(
    name="annual_plan", label=_l("annual plan"), model=AnnualPlan, missing=_l("annual plan not found"),
    describe=describe_with(lambda row: f"{row.code} · {row.year} v{row.version}",
                           line_summaries(AnnualPlanLine, "plan_id"), "annual_plans.show", "plan_id"),
    bureaus=_bureaus, predecessors=_same_year, lines=lines_of, line_key="plan_id")
ANNUAL_PLAN.flow.on_enter(S.cosigning)(lambda session, actor, row, note: _check_varieties(session, row))
_entered_force = ANNUAL_PLAN.flow.effects[S.in_force]


@ANNUAL_PLAN.flow.on_enter(S.in_force)
def _approved(session: Session, actor: User, row: AnnualPlan, note: str) -> None:
    """The lines are checked against the catalogue in force at approval, then the year's old version goes."""
    _check_varieties(session, row)
    _entered_force(session, actor, row, note)


def _read_lines(session: Session, given: list[PlanLineInput], problems: Problems) -> list[AnnualPlanLine]:
    if len(given) > 500:
        problems.add("lines", _l("at most %(count)s lines", count=500))
        return []
    allowed = varieties.varieties(session)
    read, seen = [], set()
    for index, line in enumerate(given):
        prefix = f"lines[{index}]"
        material = material_of(session, line.material, f"{prefix}.material", problems)
        if material is not None and material.id not in allowed:
            problems.add(f"{prefix}.material", _not_a_variety(material))
            material = None
        enterprise = None
        if line.enterprise:
            enterprise = session.exec(select(Organisation).where(Organisation.code == line.enterprise.strip(),
                                                                 Organisation.kind == OrgKind.enterprise)).first()
            if enterprise is None:
                problems.add(f"{prefix}.enterprise", _l("no storage enterprise with the code %(code)s",
                                                        code=line.enterprise))
                continue
        target = positive_amount(line.target_quantity, f"{prefix}.target_quantity", problems)
        months = check_months(line.storage_months, f"{prefix}.storage_months", problems)
        if material is None or target is None or months is None:
            continue
        key = (material.id, enterprise.id if enterprise else None)
        if key in seen:
            problems.add(f"{prefix}.material", _l("%(code)s is listed twice for the same enterprise",
                                                  code=material.code))
            continue
        seen.add(key)
        read.append(AnnualPlanLine(material_id=material.id, enterprise_id=enterprise.id if enterprise else None,
                                   target_quantity=target, storage_months=months))
    return read


def _read_header(year, title: str, note: str, problems: Problems) -> None:
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)
                             or not FIRST_YEAR <= year <= LAST_YEAR):
        problems.add("year", _l("a year from %(first)s to %(last)s", first=FIRST_YEAR, last=LAST_YEAR))
    check_text(title, note, problems)


def _snapshot(session: Session, row: AnnualPlan) -> dict:
    return {"code": row.code, "year": row.year, "version": row.version, "amends_id": row.amends_id,
            "title": row.title,
            "lines": [{"material_id": line.material_id, "enterprise_id": line.enterprise_id,
                       "target_quantity": str(line.target_quantity), "storage_months": line.storage_months}
                      for line in lines_of(session, row.id)]}


def in_force(session: Session, year: int) -> AnnualPlan | None:
    return session.exec(select(AnnualPlan).where(AnnualPlan.year == year, AnnualPlan.status == S.in_force)).first()


def _new(session: Session, actor: User, *, year: int, title: str, note: str,
         lines: list[AnnualPlanLine]) -> AnnualPlan:
    """The year's next version; it amends the version in force, if any. Two drafts numbered at once: one 409."""
    version = (session.exec(select(func.max(AnnualPlan.version)).where(AnnualPlan.year == year)).one() or 0) + 1
    current = in_force(session, year)
    row = AnnualPlan(code=f"AP-{year}-v{version}", year=year, version=version, amends_id=current.id if current else None,
                     title=title.strip(), note=note.strip(), requested_by=actor.id, drafting_org_id=actor.org_id)
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        raise Conflict(_l("another version of %(year)s was started at the same time; try again", year=year),
                       code="illegal_transition") from None
    ANNUAL_PLAN.store(session, actor, row, lines, verb="draft", snapshot=_snapshot)
    engine.opened(session, flow=ANNUAL_PLAN.flow, row=row, actor=actor,
                  note=f"amends {current.code}" if current else "")
    return row


def draft_plan(*, session: Session, actor: User, year: int, title: str = "", note: str = "",
               lines: list[PlanLineInput] = ()) -> AnnualPlan:
    """The year's next version as a draft; 422 naming every bad field (a material outside the varieties among
    them), nothing written."""
    scope.require(actor, "draft", "annual_plan")
    problems = Problems()
    _read_header(year, title, note, problems)
    read = _read_lines(session, list(lines), problems)
    problems.raise_any(_l("the annual plan has errors; nothing was saved"))
    return _new(session, actor, year=year, title=title, note=note, lines=read)


def edit_plan(*, session: Session, actor: User, plan_id: int, title: str = "", note: str = "",
              lines: list[PlanLineInput] = ()) -> AnnualPlan:
    """Replace a draft's title, note and lines (its drafting organisation, while it is a draft)."""
    row = ANNUAL_PLAN.editable(session, actor, plan_id)
    problems = Problems()
    _read_header(None, title, note, problems)
    read = _read_lines(session, list(lines), problems)
    problems.raise_any(_l("the annual plan has errors; nothing was saved"))
    before = _snapshot(session, row)
    row.title, row.note = title.strip(), note.strip()
    session.add(row)
    ANNUAL_PLAN.store(session, actor, row, read, verb="edit", snapshot=_snapshot, before=before)
    return row


def amend(*, session: Session, actor: User, plan_id: int) -> AnnualPlan:
    """The year's next version as a draft copied from the version in force (409 when ``plan_id`` is not)."""
    source = ANNUAL_PLAN.amended(session, actor, plan_id)
    lines = [AnnualPlanLine(material_id=line.material_id, enterprise_id=line.enterprise_id,
                            target_quantity=line.target_quantity, storage_months=line.storage_months)
             for line in lines_of(session, source.id)]
    return _new(session, actor, year=source.year, title=source.title, note="", lines=lines)


def decide(*, session: Session, actor: User, plan_id: int, action: str, note: str = "") -> AnnualPlan:
    return ANNUAL_PLAN.decide(session, actor=actor, row_id=plan_id, action=action, note=note)


def visible(session: Session, actor: User, plan_id: int) -> AnnualPlan:
    scope.require(actor, "view", "annual_plan")
    return plan_scope.visible_annual_plan(session, actor, plan_id)


def current_year() -> int:
    return business_today().year
