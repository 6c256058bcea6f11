"""The demo city's plans (docs/plans.md): a catalogue version in force listing every demo material at a scale a bit
above the demo stock for some and below it for others (so coverage shows both), this year's annual plan in force
(wheat and rice split between ENT-GRAIN and ENT-BAZHOU, the rest city-wide), a draft amendment of the catalogue
waiting for its co-signatures, and a temporary addition of maize in force that ends soon.

Everything goes through the services and the full chain, so the timelines and signatures are real: every
responsible bureau co-signs (the demo's users include an approver of each, services/system/demo.py).
"""
from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.core.vocab import WorkflowAction as A
from inventory.models import User
from inventory.services.plans import additions, annual_plans, catalogue

#: material, target, storage months: wheat, maize, pork, quilts, life jackets and suits above the demo stock
SCALE = [
    ("WHEAT", "8000", 36), ("RICE", "2000", 36), ("MAIZE", "2000", 24), ("SOY-OIL", "800", 24),
    ("PORK-FZ", "1000", 12), ("SALT", "500", 60), ("CABBAGE", "150", 3), ("EGGS", "60", 1),
    ("TENT", "1000", 120), ("QUILT", "6000", 120), ("SANDBAG", "60000", 60), ("LIFEJACKET", "4000", 60),
    ("MASK-N95", "150000", 36), ("SUIT", "20000", 36), ("RICE-PACK", "2000", 12),
]
#: the annual plan's split of wheat and rice between the two grain enterprises
SPLIT = {"WHEAT": [("ENT-GRAIN", "6000"), ("ENT-BAZHOU", "2000")],
         "RICE": [("ENT-GRAIN", "1500"), ("ENT-BAZHOU", "500")]}
SIGNERS = ["coordinator", "finance", "approver", "emapprover", "bizapprover", "indapprover", "waterapprover",
           "healthapprover", "coopapprover"]


def _user(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def _through_the_chain(session: Session, decide, row_id: int, signers: list[str]) -> None:
    decide(actor=_user(session, "officer"), action=A.submit)
    parties = set()
    for username in signers:
        signer = _user(session, username)
        if signer.org_id not in parties:
            parties.add(signer.org_id)
            decide(actor=signer, action=A.sign)
    decide(actor=_user(session, "gov"), action=A.approve, note="同意")


def seed(session: Session) -> None:
    today = business_today()
    officer = _user(session, "officer")
    version = catalogue.draft_version(
        session=session, actor=officer, title=f"廊坊市市级重要储备物资目录（{today.year}年版）",
        review_due_on=today + timedelta(days=365),
        lines=[catalogue.LineInput(code, target, months) for code, target, months in SCALE])
    _through_the_chain(session, lambda **kw: catalogue.decide(session=session, version_id=version.id, **kw),
                       version.id, SIGNERS)
    lines = []
    for code, target, months in SCALE:
        split = SPLIT.get(code)
        lines += [annual_plans.PlanLineInput(code, quantity, enterprise, months) for enterprise, quantity in split] \
            if split else [annual_plans.PlanLineInput(code, target, None, months)]
    plan = annual_plans.draft_plan(session=session, actor=officer, year=today.year,
                                   title=f"{today.year}年度市级重要储备计划", lines=lines)
    _through_the_chain(session, lambda **kw: annual_plans.decide(session=session, plan_id=plan.id, **kw),
                       plan.id, SIGNERS)
    amendment = catalogue.amend(session=session, actor=officer, version_id=version.id)
    amended = [catalogue.LineInput(code, "200000" if code == "MASK-N95" else target, months)
               for code, target, months in SCALE]
    catalogue.edit_version(session=session, actor=officer, version_id=amendment.id, title=amendment.title,
                           note="根据疫情防控形势调增医用防护口罩储备规模", review_due_on=version.review_due_on,
                           lines=amended)
    catalogue.decide(session=session, actor=officer, version_id=amendment.id, action=A.submit)
    catalogue.decide(session=session, actor=_user(session, "coordinator"), version_id=amendment.id, action=A.sign)
    addition = additions.draft_addition(session=session, actor=officer, given=additions.AdditionInput(
        material="MAIZE", quantity="500", reason="秋粮收购期间临时增加玉米储备", enterprise="ENT-BAZHOU",
        starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=10)))
    additions.decide(session=session, actor=officer, addition_id=addition.id, action=A.submit)
    additions.decide(session=session, actor=_user(session, "gov"), addition_id=addition.id, action=A.approve,
                     note="同意")
    session.flush()

