"""What the scrap-rule pages, the material page and the scrap request form read of the scrap rules (报废时限,
reserve-materials-measures §三 "明确报废品种、时限、条件"): each scrap-policy material with its rule and whether the
reader may set it, and the enterprise's lots with their age against their material's rule (services/workflows/
scraps.py sets the rules and decides what may be scrapped)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.errors import NotFound
from inventory.core.vocab import InspectionResult, LotStatus, StockPolicy
from inventory.models import Lot, Material, ScrapRule, User
from inventory.services.stock.names import user_names
from inventory.services.workflows import scraps


@dataclass(frozen=True)
class RuleRow:
    material: Material
    rule: ScrapRule | None
    set_by: str
    may_set: bool


def may_set(actor: User, material: Material) -> bool:
    """Only the staff of the material's bureau set its rule, and only for a scrap-policy material."""
    return (scope.can(actor, "set", "scrap_rule") and actor.org_id == material.bureau_id
            and material.policy == StockPolicy.scrap)


def rule_rows(session: Session, actor: User) -> list[RuleRow]:
    """Every scrap-policy material the reader sees, with its rule (None: not set yet)."""
    scope.require(actor, "view", "scrap")
    materials = list(session.exec(scope.materials_query(session, actor).where(
        Material.policy == StockPolicy.scrap).order_by(Material.code)))
    rules = {rule.material_id: rule for rule in session.exec(select(ScrapRule).where(
        ScrapRule.material_id.in_([m.id for m in materials])))} if materials else {}
    people = user_names(session, [rule.set_by for rule in rules.values()])
    return [RuleRow(m, rules.get(m.id), people.get(rules[m.id].set_by, "—") if m.id in rules else "",
                    may_set(actor, m)) for m in materials]


def material_rule(session: Session, actor: User, code: str) -> tuple[Material, ScrapRule | None]:
    """A scrap-policy material the reader sees, with its rule; 404 for any other code."""
    scope.require(actor, "view", "scrap")
    material = session.exec(scope.materials_query(session, actor).where(Material.code == code)).first()
    if material is None or material.policy != StockPolicy.scrap:
        raise NotFound(_l("no scrap-policy material %(code)s", code=code))
    return material, scraps.rule_of(session, material.id)


@dataclass(frozen=True)
class ScrappableLot:
    """A lot of the enterprise with stock, with what makes it scrappable today: the age its material's rule counts
    (None when the material has no rule or is rotated), the rule's threshold, and a failed inspection."""

    lot: Lot
    material: Material
    age_days: int | None
    rule_days: int | None
    failed: bool

    @property
    def old_enough(self) -> bool:
        return self.age_days is not None and self.rule_days is not None and self.age_days >= self.rule_days


def scrappable_lots(session: Session, actor: User, today: date | None = None) -> list[ScrappableLot]:
    """The caller's enterprise's lots with stock, for the request form, each with its age against its rule."""
    today = today or business_today()
    rows = list(session.exec(select(Lot, Material).join(Material, Material.id == Lot.material_id).where(
        Lot.enterprise_id == actor.org_id, Lot.on_hand > 0).order_by(Material.code, Lot.expiry_date, Lot.id)))
    rules = {rule.material_id: rule for rule in session.exec(select(ScrapRule).where(
        ScrapRule.material_id.in_({material.id for _, material in rows})))} if rows else {}
    listed = []
    for lot, material in rows:
        rule = rules.get(material.id) if material.policy == StockPolicy.scrap else None
        listed.append(ScrappableLot(
            lot=lot, material=material, age_days=scraps.age_in_days(lot, rule.counted_from, today) if rule else None,
            rule_days=rule.age_days if rule else None,
            failed=lot.inspection_result == InspectionResult.failed or lot.status == LotStatus.quarantined))
    return listed
