"""Scrap rules on the web (reserve-materials-measures §三 "明确报废品种、时限、条件"): every scrap-policy material with its
rule, set or changed only by the staff of the material's bureau, bad input refused with nothing written; the rule
shown on the material page and, against each lot's age, on the scrap request form."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import AuditEvent, ScrapRule
from tests.helpers import count_rows


def text(response) -> str:
    return response.get_data(as_text=True)


def _row(page: str, code: str) -> str:
    return page.split(f'data-material="{code}"', 1)[1].split("</tr>", 1)[0]


def test_the_list_shows_each_scrap_material_and_offers_setting_only_to_its_bureau(login_as):
    page = text(login_as("emofficer").get("/scrap-rules/"))
    assert 'data-material="TENT"' in page and 'data-material="WHEAT"' not in page, "rotated materials are not listed"
    assert 'href="/scrap-rules/TENT"' in _row(page, "TENT")
    for username in ("officer", "reliefclerk", "gov", "inspector"):
        page = text(login_as(username).get("/scrap-rules/"))
        assert 'data-material="TENT"' in page and 'href="/scrap-rules/TENT"' not in page, username
    assert login_as("blood").get("/scrap-rules/").status_code == 403


@pytest.mark.parametrize(("username", "code", "status"), [
    ("emofficer", "TENT", 200), ("emapprover", "TENT", 200), ("officer", "TENT", 403), ("reliefclerk", "TENT", 403),
    ("emofficer", "WHEAT", 404), ("emofficer", "NOPE", 404),
])
def test_who_may_open_the_form(login_as, username, code, status):
    assert login_as(username).get(f"/scrap-rules/{code}").status_code == status


@pytest.mark.parametrize("data", [
    {"age_days": "0", "counted_from": "production"}, {"age_days": "36501", "counted_from": "production"},
    {"age_days": "abc", "counted_from": "production"}, {"age_days": "100", "counted_from": "tomorrow"},
    {"age_days": "100", "counted_from": "receipt", "conditions": "x" * 501},
])
def test_bad_input_is_shown_and_writes_nothing(login_as, db, data):
    client = login_as("emofficer")
    audits = count_rows(db, AuditEvent)
    response = client.post("/scrap-rules/TENT", data=data)
    assert response.status_code == 422 and 'class="invalid-feedback"' in text(response)
    assert (count_rows(db, ScrapRule), count_rows(db, AuditEvent)) == (0, audits)


def test_another_bureau_cannot_post_a_rule(login_as, db):
    assert login_as("officer").post("/scrap-rules/TENT", data={"age_days": "10"}).status_code == 403
    assert count_rows(db, ScrapRule) == 0


def test_the_bureau_sets_then_changes_the_rule(login_as, db):
    """§三: the bureau names the scrap age (时限) and conditions (条件) of its scrap-policy materials."""
    client = login_as("emofficer")
    saved = client.post("/scrap-rules/TENT", data={"age_days": "1825", "counted_from": "production",
                                                   "conditions": "经质检机构鉴定"})
    assert saved.status_code == 302
    assert 'rule-age">1825<' in _row(text(client.get("/scrap-rules/")), "TENT")
    assert 'value="1825"' in text(client.get("/scrap-rules/TENT")), "the form shows the rule in force"
    assert login_as("emapprover").post("/scrap-rules/TENT", data={"age_days": "2000",
                                                                  "counted_from": "receipt"}).status_code == 302
    db.expire_all()
    rule = db.exec(select(ScrapRule)).one()
    assert (rule.age_days, rule.counted_from, rule.conditions) == (2000, "receipt", "")
    assert len(db.exec(select(AuditEvent).where(AuditEvent.action == "scrap_rule.set")).all()) == 2


def test_the_material_page_shows_the_rule(login_as, api):
    assert "set-scrap-rule" in text(login_as("emofficer").get("/catalogue/TENT"))
    page = text(login_as("reliefclerk").get("/catalogue/TENT"))
    assert 'id="material-scrap-rule"' in page and "set-scrap-rule" not in page
    assert api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825,
                                                       "conditions": "经质检机构鉴定"}).status_code == 200
    section = text(login_as("reliefclerk").get("/catalogue/TENT")).split('id="material-scrap-rule"', 1)[1]
    assert "1825" in section.split("</section>", 1)[0] and "经质检机构鉴定" in section
    assert 'id="material-scrap-rule"' not in text(login_as("clerk").get("/catalogue/WHEAT"))


def test_the_request_form_shows_which_lots_are_old_enough(login_as, api):
    """TENT-2020-01 is 2,000 days old: old enough under a 1,825-day rule, not under a 3,000-day one."""
    client = login_as("reliefclerk")
    assert 'data-lot-code="TENT-2020-01" data-old-enough="no"' in text(client.get("/scraps/new"))
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 1825})
    page = text(client.get("/scraps/new"))
    row = page.split('data-lot-code="TENT-2020-01" data-old-enough="yes"', 1)[1].split("</tr>", 1)[0]
    assert ">1825<" in row
    api("emofficer").post("/scrap-rules", json={"material": "TENT", "age_days": 3000})
    assert 'data-lot-code="TENT-2020-01" data-old-enough="no"' in text(client.get("/scraps/new"))
