"""The annual evaluation of storage enterprises (年度综合考评, reserve-materials-measures §二(五)3; docs/plans.md,
"Annual evaluation").

A draft is computed from the registered facts (``evaluation_facts``): 100 less the deductions, never below 0, with
every fact's value kept. The evaluator (bureau staff or a coordinator) adds an adjustment of −20…+20, with a comment
when it is not zero; recomputing keeps it, and both are allowed only while the evaluation is a draft (a conditional
UPDATE). A bureau approver or a coordinator who is not its evaluator finalises it, once (the workflow engine).
A final score below the configured threshold recommends a review of the enterprise's storage qualification.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import business_today, utcnow
from inventory.core.errors import Conflict, Invalid, NotFound
from inventory.core.quantities import quantity_text
from inventory.core.vocab import EvaluationStatus as S
from inventory.core.vocab import WorkflowAction as A
from inventory.models import Evaluation, Organisation, User
from inventory.scope.plans import PERMISSIONS, evaluated_enterprises_query, visible_evaluation
from inventory.services.audit import trail
from inventory.services.plans.evaluation_facts import FACTS
from inventory.services.stock.names import user_names
from inventory.services.workflows import engine
from inventory.services.workflows.dispatch_views import StepView, rows_by_id
from inventory.services.workflows.registry import Flow, InboxEntry, Transition, register

FULL = Decimal(100)
ADJUSTMENT_LIMIT = Decimal(20)
#: the first year an evaluation may be made for (the system's records begin later)
FIRST_YEAR = 2000


def final_score(evaluation: Evaluation) -> Decimal:
    """The computed score plus the adjustment, kept within 0…100."""
    return max(Decimal(0), min(FULL, evaluation.computed_score + evaluation.adjustment))


def review_recommended(evaluation: Evaluation) -> bool:
    """"Qualification review recommended": a final score below the threshold (setting, default 60)."""
    return final_score(evaluation) < settings.evaluation_review_threshold()


def _describe(session: Session, user: User, rows: list[Evaluation]) -> dict[int, InboxEntry]:
    names = dict(session.exec(select(Organisation.id, Organisation.name).where(
        Organisation.id.in_({row.enterprise_id for row in rows}))).all())
    return {row.id: InboxEntry(
        title=str(_l("Annual evaluation %(year)s · %(enterprise)s", year=row.year, enterprise=names[row.enterprise_id])),
        detail=str(_l("score %(score)s", score=quantity_text(final_score(row)))), endpoint="evaluations.show",
        args={"evaluation_id": row.id}, requested_by=row.evaluated_by, requested_at=row.evaluated_at or row.created_at,
        reason=row.comment) for row in rows}


EVALUATION = register(Flow(
    name="evaluation", label=_l("annual evaluation"), model=Evaluation, initial=S.draft, statuses=S,
    missing=_l("evaluation not found"), requester="evaluated_by",
    transitions=(
        Transition(S.draft, A.finalise, S.final, PERMISSIONS[("evaluation", "finalise")], four_eyes=True,
                   by="finalised_by", at="finalised_at"),
    ),
    describe=_describe,
))


@dataclass(frozen=True)
class FactLine:
    """One fact of an evaluation as stored, labelled by the registry (a fact no longer registered by its key)."""

    key: str
    label: str
    unit: str
    value: Decimal
    points: Decimal
    cap: Decimal
    deducted: Decimal


def fact_lines(evaluation: Evaluation) -> list[FactLine]:
    lines = []
    for key, stored in evaluation.facts.items():
        fact = FACTS.get(key)
        lines.append(FactLine(key, str(fact.label) if fact else key, str(fact.unit) if fact else "",
                              Decimal(stored["value"]), Decimal(stored["points"]), Decimal(stored["cap"]),
                              Decimal(stored["deducted"])))
    return lines


def measure(session: Session, enterprise_id: int, year: int) -> tuple[dict[str, dict[str, str]], Decimal]:
    """Every registered fact for the enterprise and year (value, points, cap, deducted) and the computed score."""
    facts: dict[str, dict[str, str]] = {}
    deducted = Decimal(0)
    for fact in FACTS.values():
        value = fact.measure(session, enterprise_id, year)
        deduction = fact.deduction(value)
        deducted += deduction
        facts[fact.key] = {"value": str(value), "points": str(fact.points), "cap": str(fact.cap),
                           "deducted": str(deduction)}
    return facts, max(Decimal(0), FULL - deducted)


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= business_today().year:
        raise Invalid.field("year", _l("a year from %(first)s to this year", first=FIRST_YEAR))


def _enterprise(session: Session, actor: User, enterprise_id: int) -> Organisation:
    org = session.exec(evaluated_enterprises_query(session, actor).where(Organisation.id == enterprise_id)).first()
    if org is None:
        raise NotFound(_l("enterprise not found"))
    return org


def _final() -> Conflict:
    return Conflict(_l("the evaluation is final: it can no longer be changed"), code="illegal_transition")


def compute(session: Session, *, actor: User, enterprise_id: int, year: int) -> Evaluation:
    """Computes the draft evaluation of an enterprise for a year, or recomputes it while it is a draft (409 once
    final). The first to compute it is its evaluator until someone sets an adjustment."""
    scope.require(actor, "evaluate", "evaluation")
    _check_year(year)
    _enterprise(session, actor, enterprise_id)
    facts, computed = measure(session, enterprise_id, year)
    existing = session.exec(select(Evaluation).where(Evaluation.enterprise_id == enterprise_id,
                                                     Evaluation.year == year)).first()
    if existing is None:
        row = Evaluation(enterprise_id=enterprise_id, year=year, computed_score=computed, facts=facts,
                         evaluated_by=actor.id, evaluated_at=utcnow())
        try:
            with session.begin_nested():
                session.add(row)
        except IntegrityError:  # computed by someone else at the same moment: recompute theirs
            existing = session.exec(select(Evaluation).where(Evaluation.enterprise_id == enterprise_id,
                                                             Evaluation.year == year)).one()
        else:
            engine.opened(session, flow=EVALUATION, row=row, actor=actor)
            trail.record(session, actor=actor, action="evaluation.compute", entity="evaluation", entity_id=row.id,
                         org_id=enterprise_id, after={"year": year, "computed_score": str(computed)})
            return row
    done = session.execute(update(Evaluation).where(Evaluation.id == existing.id, Evaluation.status == S.draft.value)
                           .values(computed_score=computed, facts=facts)
                           .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise _final()
    before = str(existing.computed_score)
    set_committed_value(existing, "computed_score", computed)
    set_committed_value(existing, "facts", facts)
    trail.record(session, actor=actor, action="evaluation.recompute", entity="evaluation", entity_id=existing.id,
                 org_id=enterprise_id, before={"computed_score": before}, after={"computed_score": str(computed)})
    return existing


def _adjustment(value: Decimal | str | int) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or not -ADJUSTMENT_LIMIT <= number <= ADJUSTMENT_LIMIT \
            or number != number.quantize(Decimal("0.001")):
        raise Invalid.field("adjustment", _l("a number from -20 to 20, at most three decimal places"))
    return number


def adjust(session: Session, *, actor: User, evaluation_id: int, adjustment: Decimal | str | int,
           comment: str) -> Evaluation:
    """The evaluator's adjustment (−20…+20) and comment, required unless the adjustment is 0; the one who sets it
    becomes the evaluator, whom four eyes keep from finalising it. 409 once final."""
    scope.require(actor, "evaluate", "evaluation")
    row = visible_evaluation(session, actor, evaluation_id)
    value = _adjustment(adjustment)
    comment = (comment or "").strip()
    if value != 0 and not comment:
        raise Invalid.field("comment", _l("say why the score is adjusted"))
    if len(comment) > 2000:
        raise Invalid.field("comment", _l("at most 2000 characters"))
    now = utcnow()
    done = session.execute(update(Evaluation).where(Evaluation.id == row.id, Evaluation.status == S.draft.value)
                           .values(adjustment=value, comment=comment, evaluated_by=actor.id, evaluated_at=now)
                           .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise _final()
    before = {"adjustment": str(row.adjustment), "comment": row.comment}
    for name, new in {"adjustment": value, "comment": comment, "evaluated_by": actor.id, "evaluated_at": now}.items():
        set_committed_value(row, name, new)
    trail.record(session, actor=actor, action="evaluation.adjust", entity="evaluation", entity_id=row.id,
                 org_id=row.enterprise_id, before=before, after={"adjustment": str(value), "comment": comment})
    return row


def finalise(session: Session, *, actor: User, evaluation_id: int, note: str = "") -> Evaluation:
    """Finalises the evaluation: a bureau approver or a coordinator other than its evaluator, decided once."""
    return engine.take(session, flow=EVALUATION, row_id=evaluation_id, action=A.finalise.value, actor=actor,
                       note=note)


def actions_for(session: Session, actor: User, row: Evaluation) -> list[str]:
    """What the reader may do to this evaluation now: recompute and adjust while a draft, finalise."""
    actions = []
    if row.status == S.draft and scope.can(actor, "evaluate", "evaluation"):
        actions += ["recompute", "adjust"]
    if engine.may_take(session, actor, EVALUATION, row, A.finalise.value):
        actions.append(A.finalise.value)
    return actions


def timeline(session: Session, row: Evaluation) -> tuple[list[StepView], dict[int, str]]:
    """The evaluation's steps as the pages show them, and the names of the people on it."""
    steps = engine.timeline(session, flow=EVALUATION, row_id=row.id)
    people = user_names(session, [row.evaluated_by, row.finalised_by, *(step.actor_id for step in steps)])
    orgs = rows_by_id(session, Organisation, (step.org_id for step in steps))
    return [StepView(step, people.get(step.actor_id, "—"), orgs.get(step.org_id)) for step in steps], people


@dataclass(frozen=True)
class Ranked:
    evaluation: Evaluation
    enterprise: Organisation
    score: Decimal
    review: bool


def ranking(session: Session, *, actor: User, year: int) -> list[Ranked]:
    """The year's evaluations the reader may see, best final score first."""
    scope.require(actor, "view", "evaluation")
    rows = session.exec(scope.enterprise_rows_query(session, actor, Evaluation).where(Evaluation.year == year)).all()
    orgs = {o.id: o for o in session.exec(select(Organisation).where(
        Organisation.id.in_({r.enterprise_id for r in rows})))}
    ranked = [Ranked(row, orgs[row.enterprise_id], final_score(row), review_recommended(row)) for row in rows]
    return sorted(ranked, key=lambda r: (-r.score, r.enterprise.code))


def not_evaluated(session: Session, *, actor: User, year: int) -> list[Organisation]:
    """The enterprises the reader may evaluate that have no evaluation for the year yet (empty for a reader who
    may not evaluate)."""
    if not scope.can(actor, "evaluate", "evaluation"):
        return []
    done = select(Evaluation.enterprise_id).where(Evaluation.year == year)
    return list(session.exec(evaluated_enterprises_query(session, actor).where(Organisation.id.not_in(done))
                             .order_by(Organisation.code)))


def latest_evaluation(session: Session, enterprise_id: int) -> Evaluation | None:
    """The enterprise's latest final evaluation, for the qualification decision (§二(五)3: "根据考评结果 … 动态调整");
    a draft is not a result yet. The caller has checked the reader may see the enterprise."""
    return session.exec(select(Evaluation).where(Evaluation.enterprise_id == enterprise_id,
                                                  Evaluation.status == S.final.value)
                        .order_by(Evaluation.year.desc())).first()
