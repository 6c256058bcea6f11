"""The rules readings are judged by (docs/coldchain.md, rules): defaults per storage class with their sources,
the ``COLDCHAIN_RULES`` setting over them, and a facility's own overrides over both.

A rule: a metric (°C or relative humidity), a comparison with a threshold, a duration and a mode.
``consecutive``: an unbroken run of a sensor's readings out of range spanning at least the duration (first to
last out-of-range reading). ``cumulative``: out-of-range readings less than ``window_minutes`` apart add up, each
counting its sensor's expected interval; the total reaching the duration is an excursion. A duration of 0 makes
a single reading out of range an excursion.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.errors import Invalid
from inventory.core.vocab import FacilityKind, ReadingMetric, RuleComparison, RuleMode, StorageClass
from inventory.models import ColdchainFacility, ColdchainRule, Facility, User
from inventory.services.audit import trail
from inventory.core.clock import utcnow


@dataclass(frozen=True)
class Rule:
    code: str
    metric: str
    comparison: str
    threshold: Decimal
    minutes: int
    mode: str
    window_minutes: int = 0
    source: str = "policy"
    #: where the rule as applied comes from: default, setting or facility
    origin: str = "default"


def _r(code: str, metric: str, comparison: str, threshold: str, minutes: int, mode: str = RuleMode.consecutive,
       window: int = 0, source: str = "policy") -> Rule:
    return Rule(code, metric, comparison, Decimal(threshold), minutes, str(mode), window, source)


C, RH = ReadingMetric.celsius.value, ReadingMetric.humidity.value
ABOVE, AT_OR_BELOW, BELOW = RuleComparison.above.value, RuleComparison.at_or_below.value, RuleComparison.below.value
GSP = "GSP 2016 (药品经营质量管理规范)"
GSP_RH = "GSP 2016: relative humidity 35–75 %"
WHO = "WHO 30-day temperature recorder alarms (PQS E006): heat +8 °C for 10 h, freeze −0.5 °C for 60 min"
GB31605 = "GB 31605-2020 食品冷链物流卫生规范"
BLOOD = "血站技术操作规程 (2019); GB 18469-2012"

#: storage class -> its default rules; every duration not named by a source is **policy** (docs/coldchain.md)
DEFAULT_RULES: dict[str, tuple[Rule, ...]] = {
    StorageClass.ambient: (_r("ambient_high", C, ABOVE, "30", 120, source=GSP),
                           _r("ambient_humid", RH, ABOVE, "75", 240, source=GSP_RH),
                           _r("ambient_dry", RH, BELOW, "35", 240, source=GSP_RH)),
    StorageClass.cool: (_r("cool_high", C, ABOVE, "20", 120, source=GSP),
                        _r("cool_humid", RH, ABOVE, "75", 240, source=GSP_RH),
                        _r("cool_dry", RH, BELOW, "35", 240, source=GSP_RH)),
    StorageClass.chilled: (_r("chilled_high", C, ABOVE, "4", 60, RuleMode.cumulative, 240, source=GB31605),
                           _r("chilled_freeze", C, BELOW, "0", 60, source=GB31605)),
    StorageClass.medical: (_r("medical_high", C, ABOVE, "8", 600, source=WHO),
                           _r("medical_freeze", C, AT_OR_BELOW, "-0.5", 60, source=WHO),
                           _r("medical_humid", RH, ABOVE, "75", 240, source=GSP_RH)),
    StorageClass.red_cells: (_r("red_cells_high", C, ABOVE, "6", 30, source=BLOOD),
                             _r("red_cells_low", C, BELOW, "2", 30, source=BLOOD)),
    StorageClass.platelets: (_r("platelets_high", C, ABOVE, "24", 30, source=BLOOD),
                             _r("platelets_low", C, BELOW, "20", 30, source=BLOOD)),
    StorageClass.frozen: (_r("frozen_high", C, ABOVE, "-18", 60, source=GB31605),
                          _r("frozen_rise", C, ABOVE, "-15", 0, source=GB31605)),
    StorageClass.plasma: (_r("plasma_high", C, ABOVE, "-18", 60, source=BLOOD),),
    StorageClass.ultra_low: (_r("ultra_low_high", C, ABOVE, "-60", 60),),
}

#: the default rules' codes as people read them, written once (the pages show these; the API keeps the code); a
#: rule a facility defines itself reads as its code. ``frozen_rise``: GB 31605-2020 tolerates rises of at most 3 °C
RULE_LABELS = {
    "ambient_high": _l("Ambient: too warm"), "ambient_humid": _l("Ambient: too humid"),
    "ambient_dry": _l("Ambient: too dry"), "cool_high": _l("Cool: too warm"), "cool_humid": _l("Cool: too humid"),
    "cool_dry": _l("Cool: too dry"), "chilled_high": _l("Chilled: too warm"),
    "chilled_freeze": _l("Chilled: freezing"), "medical_high": _l("Medical: too warm"),
    "medical_freeze": _l("Medical: freezing"), "medical_humid": _l("Medical: too humid"),
    "red_cells_high": _l("Red cells: too warm"), "red_cells_low": _l("Red cells: too cold"),
    "platelets_high": _l("Platelets: too warm"), "platelets_low": _l("Platelets: too cold"),
    "frozen_high": _l("Frozen: above −18 °C"),
    "frozen_rise": _l("Frozen: a rise past −15 °C (rises of at most 3 °C)"),
    "plasma_high": _l("Plasma: above −18 °C"), "ultra_low_high": _l("Ultra-low: above −60 °C"),
}


def rule_label(code: str) -> str:
    """How a rule code reads on a page: its label, else the code a facility gave its own rule."""
    return str(RULE_LABELS[code]) if code in RULE_LABELS else code


#: the storage class a facility kind is watched for when nobody chose one (docs/domain-rules.md, facilities)
KIND_CLASS: dict[str, str] = {
    FacilityKind.warehouse: StorageClass.ambient, FacilityKind.cold_store: StorageClass.frozen,
    FacilityKind.pre_cooling: StorageClass.chilled, FacilityKind.distribution_centre: StorageClass.chilled,
    FacilityKind.reefer_vehicle: StorageClass.frozen, FacilityKind.medical_cold_store: StorageClass.medical,
    FacilityKind.ultra_low_freezer: StorageClass.ultra_low,
}

RULE_FIELDS = ("metric", "comparison", "threshold", "minutes", "mode", "window_minutes")


def storage_class_of(session: Session, facility: Facility) -> str:
    chosen = session.exec(select(ColdchainFacility.storage_class)
                          .where(ColdchainFacility.facility_id == facility.id)).first()
    return chosen or KIND_CLASS.get(facility.kind, StorageClass.ambient)


def class_rules(storage_class: str) -> list[Rule]:
    """The class's defaults with the ``COLDCHAIN_RULES`` setting applied (by rule code)."""
    overrides = settings.coldchain_rule_overrides()
    rules = []
    for rule in DEFAULT_RULES[StorageClass(storage_class)]:
        change = overrides.get(rule.code)
        if change:
            rule = replace(rule, origin="setting", **{k: Decimal(str(v)) if k == "threshold" else v
                                                      for k, v in change.items() if k in RULE_FIELDS})
        rules.append(rule)
    return rules


def effective_rules(session: Session, facility: Facility) -> tuple[str, list[Rule]]:
    """The facility's storage class and the rules that apply to it, facility overrides last."""
    storage_class = storage_class_of(session, facility)
    rules = {rule.code: rule for rule in class_rules(storage_class)}
    for row in session.exec(select(ColdchainRule).where(ColdchainRule.facility_id == facility.id)):
        if not row.active:
            rules.pop(row.code, None)
            continue
        rules[row.code] = Rule(row.code, row.metric, row.comparison, Decimal(row.threshold), row.minutes, row.mode,
                               row.window_minutes, source=row.note or "facility override", origin="facility")
    return storage_class, list(rules.values())


def validate_rule(rule: Rule) -> None:
    problems: dict[str, list] = {}
    if rule.metric not in ReadingMetric.values():
        problems["metric"] = [_l("one of %(choices)s", choices=", ".join(ReadingMetric.values()))]
    if rule.comparison not in RuleComparison.values():
        problems["comparison"] = [_l("one of %(choices)s", choices=", ".join(RuleComparison.values()))]
    if rule.mode not in RuleMode.values():
        problems["mode"] = [_l("one of %(choices)s", choices=", ".join(RuleMode.values()))]
    bound = Decimal(100)
    if not -bound <= rule.threshold <= bound:
        problems["threshold"] = [_l("between -100 and 100")]
    if not 0 <= rule.minutes <= 60 * 24 * 31:
        problems["minutes"] = [_l("between 0 and 44640 (31 days)")]
    if rule.mode == RuleMode.cumulative and not 1 <= rule.window_minutes <= 60 * 24 * 31:
        problems["window_minutes"] = [_l("a cumulative rule needs a window of 1 to 44640 minutes")]
    if problems:
        raise Invalid(_l("the rule is not valid"), fields=problems)


def set_storage_class(*, session: Session, actor: User, facility: Facility, storage_class: str) -> str:
    """Choose the storage class the facility is watched for (its rules and the lots an excursion holds)."""
    scope.require(actor, "set", "coldchain_rule")
    scope.coldchain.require_responsible_bureau(session, actor, facility)
    if storage_class not in StorageClass.values():
        raise Invalid.field("storage_class", _l("one of %(choices)s", choices=", ".join(StorageClass.values())))
    before = storage_class_of(session, facility)
    row = session.exec(select(ColdchainFacility).where(ColdchainFacility.facility_id == facility.id)).first()
    row = row or ColdchainFacility(facility_id=facility.id, storage_class=storage_class)
    row.storage_class, row.set_by, row.set_at = storage_class, actor.id, utcnow()
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="coldchain.storage_class", entity="facility", entity_id=facility.id,
                 org_id=facility.enterprise_id, before={"storage_class": before},
                 after={"storage_class": storage_class})
    return storage_class


def set_rule(*, session: Session, actor: User, facility: Facility, rule: Rule, active: bool = True) -> ColdchainRule:
    """Override (or add, or switch off with ``active=False``) one rule for one facility, audited."""
    scope.require(actor, "set", "coldchain_rule")
    scope.coldchain.require_responsible_bureau(session, actor, facility)
    validate_rule(rule)
    row = session.exec(select(ColdchainRule).where(ColdchainRule.facility_id == facility.id,
                                                   ColdchainRule.code == rule.code)).first()
    before = {k: str(getattr(row, k)) for k in (*RULE_FIELDS, "active")} if row else None
    row = row or ColdchainRule(facility_id=facility.id, code=rule.code, metric=rule.metric,
                               comparison=rule.comparison, threshold=rule.threshold, minutes=rule.minutes,
                               mode=rule.mode)
    for key in RULE_FIELDS:
        setattr(row, key, getattr(rule, key))
    row.active, row.note, row.set_by, row.set_at = active, rule.source if rule.source != "policy" else "", \
        actor.id, utcnow()
    session.add(row)
    session.flush()
    trail.record(session, actor=actor, action="coldchain.rule", entity="facility", entity_id=facility.id,
                 org_id=facility.enterprise_id, before=before,
                 after={**{k: str(v) for k, v in asdict(rule).items()}, "active": active})
    return row
