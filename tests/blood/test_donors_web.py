"""The donor-team pages (blood-supply plan §六(一), §六(二), §六(七)2): the register masked and the record in full for
the blood station and health officers only (404 for anyone else), forms refusing bad input with nothing written,
the compliance page for every blood reader, and the board's card."""
from __future__ import annotations

import io

import pytest
from flask import render_template
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import BloodDonor, CollectionPoint, DonationDrill
from inventory.services.blood import donor_compliance, donors
from tests.helpers import count_rows

PHONE, NAME = "13712345678", "司马光"


def _register(client) -> int:
    response = client.post("/blood/donors/new", data={
        "name": NAME, "unit": "市人民医院", "phone": PHONE, "district": "guangyang", "group": "A", "rh": "pos",
        "group_donor": "y", "confirmed_on": ""})
    assert response.status_code == 302, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def test_the_list_is_masked_and_the_record_is_full(login_as):
    client = login_as("blood")
    donor_id = _register(client)
    listed = client.get("/blood/donors/?district=guangyang&group=A&limit=200").get_data(as_text=True)
    assert "司**" in listed and "137****5678" in listed and PHONE not in listed and NAME not in listed
    record = client.get(f"/blood/donors/{donor_id}").get_data(as_text=True)
    assert NAME in record and PHONE in record
    assert client.post(f"/blood/donors/{donor_id}/confirm").status_code == 302


@pytest.mark.parametrize("username", ["clerk", "approver", "coordinator", "admin", "viewer"])
def test_anyone_else_gets_404_on_the_register_pages(login_as, db, username):
    some = db.exec(select(BloodDonor.id)).first()
    client = login_as(username)
    for path in ("/blood/donors/", f"/blood/donors/{some}", "/blood/donors/new", "/blood/donors/import"):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/blood/donors/{some}/confirm").status_code == 404


def test_a_bad_phone_is_refused_on_the_form_and_nothing_is_written(login_as, db):
    before = count_rows(db, BloodDonor)
    client = login_as("health")
    client.get("/lang/en")
    response = client.post("/blood/donors/new", data={
        "name": NAME, "unit": "u", "phone": "12345", "district": "guangyang", "group": "A", "rh": "pos"})
    assert response.status_code == 422
    assert "a mobile number (11 digits)" in response.get_data(as_text=True)
    assert count_rows(db, BloodDonor) == before


def test_a_csv_upload_lists_row_errors_and_writes_nothing(login_as, db):
    before = count_rows(db, BloodDonor)
    text = ("name,unit,phone,district,group,rh,group_donor,confirmed_on\n"
            "王伟,供电公司,13900000001,sanhe,A,pos,yes,\n"
            "李娜,供电公司,13900000002,sanhe,X,pos,yes,\n").encode()
    client = login_as("blood")
    response = client.post("/blood/donors/import", data={"file": (io.BytesIO(text), "donors.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "row 3" in response.get_data(as_text=True)
    assert count_rows(db, BloodDonor) == before
    response = client.post("/blood/donors/import", data={"file": (io.BytesIO(text.replace(b",X,", b",B,")),
                                                                   "donors.csv")}, content_type="multipart/form-data")
    assert response.status_code == 302 and count_rows(db, BloodDonor) == before + 2


def test_the_compliance_page_shows_rules_and_the_binding_floor(login_as):
    client = login_as("coordinator")
    client.get("/lang/en")
    page = client.get("/blood/donor-compliance").get_data(as_text=True)
    assert 'id="rule-table"' in page and 'data-rule="district_floor" data-area="sanhe"' in page
    assert "Not met" in page and "Met" in page and "the districts’ 0.4 ‰ floors" in page
    assert 'id="filing-form"' not in page and "/blood/donors/" not in page
    keeper = login_as("health").get("/blood/donor-compliance").get_data(as_text=True)
    assert 'id="filing-form"' in keeper
    assert login_as("clerk").get("/blood/donor-compliance").status_code == 403


def test_points_and_drills_pages(login_as, db):
    client = login_as("blood")
    points = count_rows(db, CollectionPoint)
    assert client.post("/blood/collection-points", data={"name": "大城献血点", "address": "大城县", "district": "dacheng",
                                                         "capacity": "20", "active": "y"}).status_code == 302
    assert client.post("/blood/collection-points", data={"name": "x", "address": "y", "district": "dacheng",
                                                         "capacity": "0"}).status_code == 422
    assert count_rows(db, CollectionPoint) == points + 1
    drills = count_rows(db, DonationDrill)
    assert client.post("/blood/drills", data={"held_on": business_today().isoformat(),
                                              "participants": "40"}).status_code == 302
    assert count_rows(db, DonationDrill) == drills + 1
    viewer = login_as("viewer")
    page = viewer.get("/blood/collection-points").get_data(as_text=True)
    assert "大城献血点" in page and 'id="point-form"' not in page
    assert viewer.post("/blood/drills", data={"held_on": "2026-01-01", "participants": "1"}).status_code == 403
    assert login_as("clerk").get("/blood/drills").status_code == 403


def test_the_board_card_shows_compliance_at_a_glance(app, db):
    with app.test_request_context("/"):
        found = donor_compliance.evaluate(session=db, as_of=business_today())
        html = render_template("blood/_donor_card.html", donor_compliance=found,
                               donor_districts=donors.team_districts(db))
    assert 'id="donor-card"' in html and 'data-echelon="2"' in html
    assert f'data-failed="{len(found.failed)}"' in html and found.failed and "/blood/donor-compliance" in html
