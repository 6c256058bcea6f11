"""Who reads the donor teams' records is decided in scope/blood.py alone (docs/blood.md, "Who sees and does what"):
the register and its yearly filings by the blood station's officer and health officers; collection points and
drills, which hold no personal data, by every reader of the blood pages. The handlers and views build no queries."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from inventory import scope
from inventory.core.errors import Forbidden
from inventory.services.blood import collection_points, drills
from tests.helpers import user_named

ROOT = Path(__file__).resolve().parents[2] / "inventory"


@pytest.mark.parametrize("path", [ROOT / "api" / "blood" / "donors.py",
                                  *sorted((ROOT / "web" / "blood").glob("*.py"))], ids=lambda p: p.name)
def test_blood_handlers_and_views_build_no_queries(path):
    source = path.read_text()
    assert not re.search(r"\bselect\(|import select|session\.(exec|get|execute)\(", source)


def _count(db, query) -> int:
    return len(db.exec(query).all())


@pytest.mark.parametrize("username, register, preparedness", [
    ("blood", True, True), ("health", True, True), ("admin", False, True), ("coordinator", False, True),
    ("viewer", False, True), ("clerk", False, False), ("approver", False, False), ("inspector", False, False),
])
def test_the_scope_queries_decide_who_reads_what(db, username, register, preparedness):
    user = user_named(db, username)
    assert (_count(db, scope.blood.donors_query(db, user)) > 0) is register
    assert (_count(db, scope.blood.filings_query(db, user)) > 0) is register
    assert (_count(db, scope.blood.collection_points_query(db, user)) > 0) is preparedness
    assert (_count(db, scope.blood.drills_query(db, user)) > 0) is preparedness


@pytest.mark.usefixtures("ctx")
def test_points_and_drills_are_refused_to_non_readers(db):
    clerk = user_named(db, "clerk")
    with pytest.raises(Forbidden):
        collection_points.points(session=db, actor=clerk)
    with pytest.raises(Forbidden):
        collection_points.points_page(session=db, actor=clerk)
    with pytest.raises(Forbidden):
        drills.drills(session=db, actor=clerk)


def test_the_filings_are_listed_on_the_compliance_page_to_the_register_keepers_only(login_as):
    coordinator = login_as("coordinator").get("/blood/donor-compliance").get_data(as_text=True)
    assert 'data-rule="yearly_filing"' in coordinator and 'id="filing-table"' not in coordinator
    keeper = login_as("health").get("/blood/donor-compliance").get_data(as_text=True)
    assert 'id="filing-table"' in keeper and "廊血应急办备" in keeper
