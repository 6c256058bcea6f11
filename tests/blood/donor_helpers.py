"""Donor registers for the donor-team tests, written straight into the table (the compliance rules read counts
only, so the tokens need not decrypt), and an empty register, points, filings and drills to start from."""
from __future__ import annotations

from datetime import date
from itertools import count

from sqlalchemy import delete, insert
from sqlmodel import Session, select

from inventory.core.clock import utcnow
from inventory.models import BloodDonor, CollectionPoint, DonationDrill, District, DonorFiling, User

#: 25 donors in a row in the plan's mix: A 6, B 7, O 8, AB 4
MIX = ["A"] * 6 + ["B"] * 7 + ["O"] * 8 + ["AB"] * 4
#: a distinct stand-in phone hash per row written here (the register allows one donor per phone)
_HASHES = count(1)


def clear_register(db: Session) -> None:
    for model in (BloodDonor, CollectionPoint, DonationDrill, DonorFiling):
        db.execute(delete(model))
    db.commit()


def district(db: Session, code: str) -> District:
    return db.exec(select(District).where(District.code == code)).one()


def add_donors(db: Session, code: str, count: int, *, confirmed: date, group_donor_every: int = 1,
               groups: list[str] | None = None) -> None:
    """``count`` donors of district ``code``; every ``group_donor_every``-th one is a group donor (1: all)."""
    officer = db.exec(select(User).where(User.username == "blood")).one()
    groups = groups or MIX
    place = district(db, code).id
    db.execute(insert(BloodDonor), [
        {"name_token": "x", "phone_token": "x", "phone_hash": f"test-{next(_HASHES)}", "unit": "u", "district_id": place, "abo_group": groups[n % len(groups)],
         "rh": "pos", "group_donor": n % group_donor_every == 0, "last_confirmed_on": confirmed,
         "created_by": officer.id, "created_at": utcnow()} for n in range(count)])
    db.commit()


def add_point(db: Session, code: str, *, active: bool = True) -> None:
    officer = db.exec(select(User).where(User.username == "blood")).one()
    db.add(CollectionPoint(name="p", address="a", district_id=district(db, code).id, capacity=10, active=active,
                           created_by=officer.id))
    db.commit()
