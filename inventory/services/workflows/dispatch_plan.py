"""What a dispatch plan holds and when it is complete.

The plan states the variety, quantity, price, use and transport of what is dispatched (动用方案应当包括拟动用物资的
品种、数量、价格、使用安排和运输保障, reserve-materials-measures §四(一)). A draft may lack any of them; submitting
needs them all, and each problem is reported against its field so a form or the API can show every one at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory.core.errors import Invalid, Text
from inventory.core.vocab import DispatchTrigger, OrgKind
from inventory.models import Dispatch, DispatchLine, District, Material, User
from inventory import scope
from inventory.services.stock import ledger
from inventory.services.workflows import emergency

CENT = Decimal("0.01")
#: column -> the longest text it holds
LENGTHS = {"trigger_description": 2000, "recipients": 500, "address": 255, "transport": 2000}


@dataclass(frozen=True)
class LineInput:
    material: str
    quantity: Decimal | str | int
    #: yuan per unit; None while the price is still to be stated
    unit_price: Decimal | str | int | None = None
    price_note: str = ""


@dataclass(frozen=True)
class PlanInput:
    """The plan as drafted; empty fields are allowed until it is submitted."""

    trigger: str = ""
    trigger_description: str = ""
    recipients: str = ""
    district: str = ""
    address: str = ""
    transport: str = ""
    requested_on: date | None = None
    lines: tuple[LineInput, ...] = ()
    #: 紧急调用: executed at once by an authorised department, filed afterwards (§四(一))
    emergency: bool = False


@dataclass
class ReadPlan:
    values: dict[str, Any]
    lines: list[DispatchLine]
    bureau_id: int | None


@dataclass
class Problems:
    fields: dict[str, list[Text]] = field(default_factory=dict)

    def add(self, name: str, message: Text) -> None:
        self.fields.setdefault(name, []).append(message)

    def raise_any(self, message: Text) -> None:
        if self.fields:
            raise Invalid(message, fields=self.fields)


def positive_amount(value: Decimal | str | int, name: str, problems: Problems) -> Decimal | None:
    """A quantity above zero, or None with the problem noted against ``name``."""
    try:
        amount = ledger.quantity(value, field=name)
    except Invalid as error:
        problems.add(name, error.message)
        return None
    if amount <= 0:
        problems.add(name, _l("must be positive"))
        return None
    return amount


def fefo_take(lots: list, free: dict[int, Decimal], quantity: Decimal) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """First expiry, first out over ``lots`` (already in that order) within what each can give: the picks, and
    what they leave uncovered."""
    picks, remaining = [], quantity
    for lot in lots:
        take = min(free[lot.id], remaining)
        if take <= 0:
            continue
        picks.append((lot.id, take))
        remaining -= take
        if remaining == 0:
            break
    return picks, remaining


def read_plan(session: Session, actor: User, plan: PlanInput) -> ReadPlan:
    """The plan's columns and lines, checked: 422 naming every bad field, nothing written."""
    problems = Problems()
    values: dict[str, Any] = {"trigger": plan.trigger.strip(), "requested_on": plan.requested_on,
                              "emergency": bool(plan.emergency)}
    if plan.emergency and emergency.authorisation_of(session, actor.org_id) is None:
        problems.add("emergency", _l("your organisation holds no emergency authorisation in force"))
    if values["trigger"] and values["trigger"] not in DispatchTrigger.values():
        problems.add("trigger", _l("unknown trigger %(value)r", value=values["trigger"]))
    for name, longest in LENGTHS.items():
        values[name] = getattr(plan, name).strip()
        if len(values[name]) > longest:
            problems.add(name, _l("at most %(count)s characters", count=longest))
    values["district_id"] = None
    if plan.district.strip():
        district = session.exec(select(District).where(District.code == plan.district.strip())).first()
        if district is None:
            problems.add("district", _l("unknown district %(code)s", code=plan.district.strip()))
        else:
            values["district_id"] = district.id
    lines, material_ids = _read_lines(session, plan.lines, problems)
    bureau_id = _responsible_bureau(session, actor, material_ids, problems)
    problems.raise_any(_l("the dispatch plan has errors; nothing was saved"))
    return ReadPlan(values, lines, bureau_id)


def _read_lines(session: Session, given: tuple[LineInput, ...],
                problems: Problems) -> tuple[list[DispatchLine], set[int]]:
    codes = {line.material.strip() for line in given}
    materials = {m.code: m for m in session.exec(select(Material).where(Material.code.in_(codes)))}
    lines: list[DispatchLine] = []
    material_ids: set[int] = set()
    seen: set[str] = set()
    for index, line in enumerate(given):
        key = f"lines[{index}]"
        material = materials.get(line.material.strip())
        if material is None or not material.active:
            problems.add(f"{key}.material", _l("unknown or withdrawn material %(code)s", code=line.material))
        elif material.code in seen:
            problems.add(f"{key}.material", _l("%(code)s is listed twice", code=material.code))
        else:
            seen.add(material.code)
        quantity = _amount(line.quantity, f"{key}.quantity", problems)
        if quantity is not None and quantity <= 0:
            problems.add(f"{key}.quantity", _l("must be positive"))
        price = None if line.unit_price in (None, "") else _amount(line.unit_price, f"{key}.unit_price", problems)
        if price is not None and (price < 0 or price != price.quantize(CENT)):
            problems.add(f"{key}.unit_price", _l("a price is 0 or more, in yuan with at most 2 decimals"))
        note = line.price_note.strip()
        if price == 0 and not note:
            problems.add(f"{key}.price_note", _l("a price of 0 (a free allocation) needs a note saying why"))
        if len(note) > 255:
            problems.add(f"{key}.price_note", _l("at most %(count)s characters", count=255))
        if material is not None:
            material_ids.add(material.id)
            if quantity is not None:
                lines.append(DispatchLine(dispatch_id=0, material_id=material.id, quantity=quantity,
                                          unit_price=price, price_note=note))
    return lines, material_ids


def _amount(value: Decimal | str | int, name: str, problems: Problems) -> Decimal | None:
    try:
        return ledger.quantity(value, field=name)
    except Invalid as error:
        for message in error.fields.get(name, [error.message]):
            problems.add(name, message)
        return None


def _responsible_bureau(session: Session, actor: User, ids: set[int], problems: Problems) -> int | None:
    """One reserve bureau answers for a plan's materials: a bureau drafts only its own, a coordinator any one's."""
    own = actor.org_id if scope.org_kind(session, actor) == OrgKind.bureau else None
    bureaus = set(session.exec(select(Material.bureau_id).where(Material.id.in_(ids)))) if ids else set()
    if len(bureaus) > 1:
        problems.add("lines", _l("the materials of one plan must belong to one reserve bureau"))
    elif own is not None and bureaus - {own}:
        problems.add("lines", _l("a bureau drafts plans for the materials in its own remit only"))
    return own or next(iter(bureaus), None)


def missing_fields(session: Session, dispatch: Dispatch) -> dict[str, list[Text]]:
    """What a plan still lacks to be submitted, by field."""
    problems = Problems()
    required = _l("required before the plan is submitted")
    for name in ("trigger", "trigger_description", "recipients", "address", "transport"):
        if not getattr(dispatch, name):
            problems.add(name, required)
    if dispatch.district_id is None:
        problems.add("district", required)
    if dispatch.requested_on is None:
        problems.add("requested_on", required)
    lines = plan_lines(session, dispatch.id)
    if not lines:
        problems.add("lines", _l("a plan dispatches at least one material"))
    for index, line in enumerate(lines):
        if line.unit_price is None:
            problems.add(f"lines[{index}].unit_price", _l("the plan must state a price"))
    return problems.fields


def require_complete(session: Session, dispatch: Dispatch) -> None:
    missing = missing_fields(session, dispatch)
    if missing:
        raise Invalid(_l("the plan is incomplete: %(fields)s", fields=", ".join(missing)), fields=missing)


def plan_lines(session: Session, dispatch_id: int) -> list[DispatchLine]:
    return list(session.exec(select(DispatchLine).where(DispatchLine.dispatch_id == dispatch_id)
                             .order_by(DispatchLine.id)))
