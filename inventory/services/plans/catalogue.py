"""The reserve catalogue as an approved document (储备目录, reserve-materials-measures §二(二), docs/plans.md).

A version lists the varieties and their scale: target quantity (in the material's unit), storage period in months
and the responsible bureau (the material's, when listed). Drafted by a coordinator or a bureau, co-signed by the
development-and-reform commission, the finance bureau and every responsible bureau, approved by the government
(services/plans/documents.py). The version in force says which materials are reserve varieties
(services/plans/varieties.py); ``review_due_on`` is when it is to be evaluated again ("定期评估，动态调整"), with a
reminder (``catalogue_review_due``). To amend, a new draft is started as a copy of the version in force.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import uuid4

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.scope import plans as plan_scope
from inventory.core.clock import business_today
from inventory.core.vocab import PlanStatus as S
from inventory.models import CatalogueLine, CatalogueVersion, Material, User
from inventory.services.plans.documents import DocumentFlow, check_text, describe_with, line_summaries
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_plan import Problems, positive_amount

#: the longest storage period a line may state: 50 years
LONGEST_MONTHS = 600


@dataclass(frozen=True)
class LineInput:
    material: str
    target_quantity: Decimal | str | int
    storage_months: int | None = 12


def lines_of(session: Session, version_id: int) -> list[CatalogueLine]:
    return list(session.exec(select(CatalogueLine).where(CatalogueLine.version_id == version_id)
                             .order_by(CatalogueLine.id)))


def _bureaus(session: Session, row: CatalogueVersion) -> list[int]:
    return [line.bureau_id for line in lines_of(session, row.id)]


def _predecessors(session: Session, row: CatalogueVersion):
    return select(CatalogueVersion)


CATALOGUE = DocumentFlow(
    name="catalogue", label=_l("catalogue version"), model=CatalogueVersion, missing=_l("catalogue version not found"),
    describe=describe_with(lambda row: f"{row.code} · {row.title}", line_summaries(CatalogueLine, "version_id"),
                           "catalogue_versions.show", "version_id"),
    bureaus=_bureaus, predecessors=_predecessors, lines=lines_of, line_key="version_id")


def check_months(value, name: str, problems: Problems) -> int | None:
    if value is None:
        return 12
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= LONGEST_MONTHS:
        problems.add(name, _l("a whole number of months from %(first)s to %(last)s", first=1, last=LONGEST_MONTHS))
        return None
    return value


def material_of(session: Session, code: str, name: str, problems: Problems) -> Material | None:
    material = session.exec(select(Material).where(Material.code == (code or "").strip())).first() if code else None
    if material is None:
        problems.add(name, _l("no material with the code %(code)s", code=code or "—"))
    return material


def _read_lines(session: Session, given: list[LineInput], problems: Problems) -> list[CatalogueLine]:
    if len(given) > 500:
        problems.add("lines", _l("at most %(count)s lines", count=500))
        return []
    read, seen = [], set()
    for index, line in enumerate(given):
        prefix = f"lines[{index}]"
        material = material_of(session, line.material, f"{prefix}.material", problems)
        target = positive_amount(line.target_quantity, f"{prefix}.target_quantity", problems)
        months = check_months(line.storage_months, f"{prefix}.storage_months", problems)
        if material is not None and material.id in seen:
            problems.add(f"{prefix}.material", _l("%(code)s is listed twice", code=material.code))
            continue
        if material is None or target is None or months is None:
            continue
        seen.add(material.id)
        read.append(CatalogueLine(material_id=material.id, target_quantity=target, storage_months=months,
                                  bureau_id=material.bureau_id))
    return read


def _read_header(title: str, note: str, review_due_on: date | None, problems: Problems) -> None:
    check_text(title, note, problems)
    if review_due_on is not None and review_due_on <= business_today():
        problems.add("review_due_on", _l("the review date must be after today"))


def _snapshot(session: Session, row: CatalogueVersion) -> dict:
    return {"code": row.code, "title": row.title, "review_due_on": row.review_due_on.isoformat()
            if row.review_due_on else None,
            "lines": [{"material_id": line.material_id, "target_quantity": str(line.target_quantity),
                       "storage_months": line.storage_months, "bureau_id": line.bureau_id}
                      for line in lines_of(session, row.id)]}


def new_draft(session: Session, actor: User, *, title: str, note: str, review_due_on: date | None,
         lines: list[CatalogueLine], amends: CatalogueVersion | None = None) -> CatalogueVersion:
    row = CatalogueVersion(code=f"new-{uuid4().hex}", title=title.strip(), note=note.strip(),
                           review_due_on=review_due_on, requested_by=actor.id, drafting_org_id=actor.org_id)
    session.add(row)
    session.flush()
    row.code = f"CAT-{business_today().year}-{row.id:03d}"
    session.add(row)
    CATALOGUE.store(session, actor, row, lines, verb="draft", snapshot=_snapshot)
    engine.opened(session, flow=CATALOGUE.flow, row=row, actor=actor,
                  note=f"amends {amends.code}" if amends else "")
    return row


def draft_version(*, session: Session, actor: User, title: str = "", note: str = "", review_due_on: date | None = None,
                  lines: list[LineInput] = ()) -> CatalogueVersion:
    """A new draft version (a coordinator or bureau staff); 422 naming every bad field, nothing written."""
    scope.require(actor, "draft", "catalogue")
    problems = Problems()
    _read_header(title, note, review_due_on, problems)
    read = _read_lines(session, list(lines), problems)
    problems.raise_any(_l("the catalogue version has errors; nothing was saved"))
    return new_draft(session, actor, title=title, note=note, review_due_on=review_due_on, lines=read)


def edit_version(*, session: Session, actor: User, version_id: int, title: str = "", note: str = "",
                 review_due_on: date | None = None, lines: list[LineInput] = ()) -> CatalogueVersion:
    """Replace a draft's header and lines (its drafting organisation, while it is a draft)."""
    row = CATALOGUE.editable(session, actor, version_id)
    problems = Problems()
    _read_header(title, note, review_due_on, problems)
    read = _read_lines(session, list(lines), problems)
    problems.raise_any(_l("the catalogue version has errors; nothing was saved"))
    before = _snapshot(session, row)
    row.title, row.note, row.review_due_on = title.strip(), note.strip(), review_due_on
    session.add(row)
    CATALOGUE.store(session, actor, row, read, verb="edit", snapshot=_snapshot, before=before)
    return row


def in_force(session: Session) -> CatalogueVersion | None:
    return session.exec(select(CatalogueVersion).where(CatalogueVersion.status == S.in_force)).first()


def copy_of(session: Session, actor: User, source: CatalogueVersion) -> CatalogueVersion:
    """A new draft with the source's lines and review date, for the actor's organisation."""
    lines = [CatalogueLine(material_id=line.material_id, target_quantity=line.target_quantity,
                           storage_months=line.storage_months, bureau_id=line.bureau_id)
             for line in lines_of(session, source.id)]
    review = source.review_due_on if source.review_due_on and source.review_due_on > business_today() else None
    return new_draft(session, actor, title=source.title, note="", review_due_on=review, lines=lines, amends=source)


def amend(*, session: Session, actor: User, version_id: int) -> CatalogueVersion:
    """Start the next version as a draft copied from the one in force (409 when ``version_id`` is not in force)."""
    return copy_of(session, actor, CATALOGUE.amended(session, actor, version_id))


def decide(*, session: Session, actor: User, version_id: int, action: str, note: str = "") -> CatalogueVersion:
    return CATALOGUE.decide(session, actor=actor, row_id=version_id, action=action, note=note)


def visible(session: Session, actor: User, version_id: int) -> CatalogueVersion:
    scope.require(actor, "view", "catalogue")
    return plan_scope.visible_catalogue_version(session, actor, version_id)
