"""The lot list and the lot page: roles, tenancy, ordering and paging, expiry colours, and the lot's forms."""
from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory import create_app
from inventory.models import Adjustment, Lot, Movement, Transfer
from inventory.services.system import demo
from inventory.core.clock import business_today
from tests.helpers import count_rows, make_config


def lot_coded(db, code: str) -> Lot:
    db.expire_all()
    return db.exec(select(Lot).where(Lot.lot_code == code)).one()


def listed_codes(html: str) -> list[str]:
    return re.findall(r'data-lot-id="\d+"[^>]*>\s*<td><a href="/stock/lots/\d+">([^<]+)</a>', html)


@pytest.fixture
def english(client):
    client.get("/lang/en")
    return client


@pytest.mark.parametrize("username", ["clerk", "manager", "officer", "approver", "coordinator", "admin", "inspector",
                                      "viewer", "coldclerk"])
def test_lot_list_and_lot_page_render_for_every_role_that_sees_stock(login_as, db, username):
    client = login_as(username)
    response = client.get("/stock/lots")
    assert response.status_code == 200
    codes = listed_codes(response.get_data(as_text=True))
    assert codes
    first = db.exec(select(Lot).where(Lot.lot_code == codes[0])).one()
    assert client.get(f"/stock/lots/{first.id}").status_code == 200


def test_blood_station_may_not_see_stock(login_as):
    client = login_as("blood")
    assert client.get("/stock/lots").status_code == 403
    assert "/stock/lots" not in client.get("/").get_data(as_text=True)


def test_an_enterprise_sees_only_its_own_lots(login_as):
    grain = listed_codes(login_as("clerk").get("/stock/lots").get_data(as_text=True))
    assert "WH-2024-001" in grain
    assert not [code for code in grain if code.startswith(("PK-", "EG-", "CB-", "TENT-"))]


def test_another_enterprises_lot_is_not_found_and_cannot_be_issued(login_as, db):
    pork = lot_coded(db, "PK-2026-031")
    on_hand = pork.on_hand
    client = login_as("clerk")
    assert client.get(f"/stock/lots/{pork.id}").status_code == 404
    before = count_rows(db, Movement)
    response = client.post(f"/stock/lots/{pork.id}/issue", data={"issue-quantity": "1"})
    assert response.status_code == 404
    assert count_rows(db, Movement) == before
    assert lot_coded(db, "PK-2026-031").on_hand == on_hand


def test_enterprise_filter_cannot_reach_another_enterprise(login_as):
    response = login_as("clerk").get("/stock/lots?enterprise=ENT-COLD")
    assert response.status_code == 200
    assert listed_codes(response.get_data(as_text=True)) == []


def test_lots_come_earliest_expiry_first_and_page_by_keyset(login_as, db):
    client = login_as("admin")
    seen: list[str] = []
    url = "/stock/lots?limit=4"
    while url:
        html = client.get(url).get_data(as_text=True)
        page = listed_codes(html)
        assert 0 < len(page) <= 4
        seen += page
        link = re.search(r'id="next-page" href="([^"]+)"', html)
        url = link.group(1).replace("&amp;", "&") if link else None
    expected = [lot.lot_code for lot in db.exec(select(Lot).order_by(Lot.expiry_date, Lot.id))]
    assert seen == expected
    assert len(expected) == 15


def test_filters_narrow_the_list(login_as, db):
    client = login_as("admin")
    wheat = listed_codes(client.get("/stock/lots?material=WHEAT").get_data(as_text=True))
    assert sorted(wheat) == ["WH-2024-001", "WH-2025-014"]
    vegetables = listed_codes(client.get("/stock/lots?category=vegetables").get_data(as_text=True))
    assert vegetables == ["CB-2026-110"]
    in_grain_01 = listed_codes(client.get("/stock/lots?facility=GR-01").get_data(as_text=True))
    assert sorted(in_grain_01) == ["RI-2024-007", "WH-2024-001", "WH-2025-014"]
    horizon = business_today() + timedelta(days=30)
    soon = listed_codes(client.get("/stock/lots?expiring_within_days=30").get_data(as_text=True))
    expected = {lot.lot_code for lot in db.exec(select(Lot).where(Lot.expiry_date <= horizon, Lot.on_hand > 0))}
    assert set(soon) == expected and expected


def test_bad_filters_show_an_error_instead_of_lots(login_as):
    client = login_as("admin")
    negative = client.get("/stock/lots?expiring_within_days=-3")
    assert "is-invalid" in negative.get_data(as_text=True)
    assert listed_codes(negative.get_data(as_text=True)) == []
    unknown = client.get("/stock/lots?status=lost")
    assert "is-invalid" in unknown.get_data(as_text=True)
    assert listed_codes(unknown.get_data(as_text=True)) == []


def test_expiry_colours(login_as, db):
    lapsed = lot_coded(db, "WH-2025-014")
    lapsed.expiry_date = business_today() - timedelta(days=1)
    db.add(lapsed)
    db.commit()
    html = login_as("admin").get("/stock/lots?limit=200").get_data(as_text=True)
    by_code = {code: state for state, code in re.findall(
        r'data-expiry="(\w+)">\s*<td><a href="/stock/lots/\d+">([^<]+)</a>', html)}
    assert by_code["WH-2025-014"] == "expired"
    assert by_code["EG-2026-301"] == "soon"        # 25 days left
    assert by_code["RI-2024-007"] == "rotation"    # 35 days left, rotation lead 90 days
    assert by_code["TENT-2020-01"] == "ok"


def test_lot_page_shows_the_ledger_oldest_first(login_as, db):
    lot = lot_coded(db, "WH-2024-001")
    movements = list(db.exec(select(Movement).where(Movement.lot_id == lot.id).order_by(Movement.seq)))
    html = login_as("clerk").get(f"/stock/lots/{lot.id}").get_data(as_text=True)
    assert re.findall(r'<tr data-kind="(\w+)">', html) == ["receipt", "issue"]
    assert "+3,200" in html and "-200" in html
    for movement in movements:
        assert movement.hash[:12] in html
    assert 'id="issue-form"' in html and 'id="hold-form"' not in html


def test_issue_from_the_lot_page(login_as, db):
    lot = lot_coded(db, "WH-2024-001")
    on_hand = lot.on_hand
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/issue",
                                      data={"issue-quantity": "12.5", "issue-note": "market release"})
    assert response.status_code == 302
    assert lot_coded(db, "WH-2024-001").on_hand == on_hand - Decimal("12.5")
    last = db.exec(select(Movement).where(Movement.lot_id == lot.id).order_by(Movement.seq.desc())).first()
    assert (last.kind, last.quantity, last.note) == ("issue", Decimal("-12.500"), "market release")


@pytest.mark.parametrize(("quantity", "message"), [
    ("0", "must be positive"),
    ("-5", "must be positive"),
    ("1.2345", "at most 3 decimal places"),
    ("abc", "Not a valid decimal value"),
    ("999999", "on hand"),
])
def test_bad_issue_input_is_refused_and_writes_nothing(login_as, db, english, quantity, message):
    lot = lot_coded(db, "WH-2024-001")
    on_hand = lot.on_hand
    before = count_rows(db, Movement)
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/issue", data={"issue-quantity": quantity})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count_rows(db, Movement) == before
    assert lot_coded(db, "WH-2024-001").on_hand == on_hand


def test_a_service_refusal_reads_in_chinese_by_default_and_in_english_when_chosen(login_as, db):
    """The service raises one lazy message; each page renders it in the reader's language."""
    lot = lot_coded(db, "WH-2024-001")
    client = login_as("clerk")
    chinese = client.post(f"/stock/lots/{lot.id}/issue", data={"issue-quantity": "999999"})
    assert chinese.status_code == 422
    assert "库存仅有 3,000 t，申请数量为 999,999 t" in chinese.get_data(as_text=True)
    client.get("/lang/en")
    english = client.post(f"/stock/lots/{lot.id}/issue", data={"issue-quantity": "999999"})
    assert english.status_code == 422
    assert "only 3,000 t on hand; 999,999 t requested" in english.get_data(as_text=True)
    assert "库存仅有" not in english.get_data(as_text=True)


def test_small_adjustment_posts_and_a_large_write_down_awaits_the_bureau(login_as, db, english):
    lot = lot_coded(db, "WH-2024-001")
    on_hand = lot.on_hand
    client = login_as("clerk")
    small = client.post(f"/stock/lots/{lot.id}/adjust", data={"adjust-quantity": "-1", "adjust-note": "spillage"},
                        follow_redirects=True)
    assert "The adjustment is posted." in small.get_data(as_text=True)
    assert lot_coded(db, "WH-2024-001").on_hand == on_hand - 1
    large = client.post(f"/stock/lots/{lot.id}/adjust", data={"adjust-quantity": "-500", "adjust-note": "damp"},
                        follow_redirects=True)
    assert "awaits bureau approval" in large.get_data(as_text=True)
    assert lot_coded(db, "WH-2024-001").on_hand == on_hand - 1
    pending = db.exec(select(Adjustment).where(Adjustment.lot_id == lot.id)).one()
    assert (pending.status, pending.quantity) == ("pending", Decimal("-500.000"))


def test_adjustment_without_a_reason_is_refused(login_as, db, english):
    lot = lot_coded(db, "WH-2024-001")
    before = count_rows(db, Movement)
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/adjust", data={"adjust-quantity": "2"})
    assert response.status_code == 422
    assert "say why the quantity is adjusted" in response.get_data(as_text=True)
    assert count_rows(db, Movement) == before


def test_manager_puts_a_lot_on_hold_and_releases_it(login_as, db):
    lot = lot_coded(db, "WH-2024-001")
    client = login_as("manager")
    assert 'id="hold-form"' in client.get(f"/stock/lots/{lot.id}").get_data(as_text=True)
    held = client.post(f"/stock/lots/{lot.id}/hold", data={"hold-status": "quality_hold", "hold-reason": "mould"})
    assert held.status_code == 302
    assert lot_coded(db, "WH-2024-001").status == "quality_hold"
    client.post(f"/stock/lots/{lot.id}/hold", data={"hold-status": "available", "hold-reason": "tested fine"})
    assert lot_coded(db, "WH-2024-001").status == "available"


def test_held_lot_cannot_be_issued(login_as, db, english):
    lot = lot_coded(db, "WH-2024-001")
    login_as("manager").post(f"/stock/lots/{lot.id}/hold", data={"hold-status": "quarantined", "hold-reason": "pests"})
    before = count_rows(db, Movement)
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/issue", data={"issue-quantity": "1"})
    assert response.status_code == 422
    assert "quarantined" in response.get_data(as_text=True)
    assert count_rows(db, Movement) == before


def test_hold_needs_a_reason_and_a_clerk_may_not_hold(login_as, db):
    lot = lot_coded(db, "WH-2024-001")
    missing = login_as("manager").post(f"/stock/lots/{lot.id}/hold", data={"hold-status": "quality_hold"})
    assert missing.status_code == 422
    assert lot_coded(db, "WH-2024-001").status == "available"
    forbidden = login_as("clerk").post(f"/stock/lots/{lot.id}/hold",
                                       data={"hold-status": "quality_hold", "hold-reason": "x"})
    assert forbidden.status_code == 403
    assert lot_coded(db, "WH-2024-001").status == "available"


def test_a_transfer_within_the_district_waits_for_the_bureau(login_as, db):
    lot = lot_coded(db, "WH-2024-001")
    on_hand = lot.on_hand
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/transfer", data={
        "transfer-to_facility": "GR-03", "transfer-quantity": "100", "transfer-reason": "仓容调整"})
    assert response.status_code == 302
    assert db.exec(select(Transfer)).one().status == "pending"
    assert lot_coded(db, "WH-2024-001").on_hand == on_hand


@pytest.mark.parametrize(("data", "message"), [
    ({"transfer-to_facility": "GR-99", "transfer-quantity": "10"}, "unknown facility"),
    ({"transfer-to_facility": "GR-03", "transfer-quantity": "10"}, "needs a reason"),
    ({"transfer-to_facility": "GR-03", "transfer-quantity": "-10", "transfer-reason": "r"}, "must be positive"),
    ({"transfer-to_facility": "GR-02", "transfer-quantity": "10", "transfer-reason": "r"}, "not declared to store"),
])
def test_bad_transfers_are_refused_and_write_nothing(login_as, db, english, data, message):
    lot = lot_coded(db, "WH-2024-001")
    before = (count_rows(db, Transfer), count_rows(db, Movement), count_rows(db, Lot))
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/transfer", data=data)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert (count_rows(db, Transfer), count_rows(db, Movement), count_rows(db, Lot)) == before


def hidden_token(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]+)"', html).group(1)


def test_lot_page_forms_carry_their_own_csrf_token(app, db):
    client = create_app(make_config(WTF_CSRF_ENABLED=True)).test_client()
    token = hidden_token(client.get("/login").get_data(as_text=True), "csrf_token")
    client.post("/login", data={"username": "clerk", "password": demo.DEMO_PASSWORD, "csrf_token": token})
    lot = lot_coded(db, "WH-2024-001")
    issue_token = hidden_token(client.get(f"/stock/lots/{lot.id}").get_data(as_text=True), "issue-csrf_token")
    before = count_rows(db, Movement)
    assert client.post(f"/stock/lots/{lot.id}/issue", data={"issue-quantity": "1"}).status_code == 400
    assert count_rows(db, Movement) == before
    accepted = client.post(f"/stock/lots/{lot.id}/issue", data={"issue-quantity": "1", "issue-csrf_token": issue_token})
    assert accepted.status_code == 302
    assert count_rows(db, Movement) == before + 1


def test_lot_page_lists_requests_waiting_for_the_bureau(api, login_as, db):
    lot_id = db.exec(select(Lot.id).where(Lot.lot_code == "WH-2025-014")).one()
    api("clerk").post("/transfers", json={"lot": lot_id, "to_facility": "GR-03", "quantity": "7", "reason": "仓容调整"})
    api("clerk").post(f"/lots/{lot_id}/movements", json={"kind": "adjustment", "quantity": "-50", "note": "鼠害"})
    page = login_as("clerk").get(f"/stock/lots/{lot_id}").get_data(as_text=True)
    assert 'id="pending-requests"' in page and "GR-03" in page and "鼠害" in page
    other = db.exec(select(Lot.id).where(Lot.lot_code == "WH-2024-001")).one()
    assert 'id="pending-requests"' not in login_as("clerk").get(f"/stock/lots/{other}").get_data(as_text=True)


def test_a_refusal_names_the_lot_status_in_the_readers_language(api, login_as, db):
    lot_id = db.exec(select(Lot.id).where(Lot.lot_code == "WH-2024-001")).one()
    api("inspector").post(f"/lots/{lot_id}/hold", json={"status": "quality_hold", "reason": "水分超标"})
    client = login_as("clerk")
    page = client.post(f"/stock/lots/{lot_id}/issue", data={"issue-quantity": "1", "issue-note": ""}).get_data(as_text=True)
    assert "该批次状态为“质量冻结”" in page
    client.get("/lang/en")
    page = client.post(f"/stock/lots/{lot_id}/issue", data={"issue-quantity": "1", "issue-note": ""}).get_data(as_text=True)
    assert "the lot is Quality hold and cannot be taken out by Issue" in page


def test_a_lot_is_relocated_within_its_facility_without_a_transfer(login_as, db):
    """Issue 7 item 6 (专仓专垛): a new store room or stack is an audited relocation, not a movement."""
    lot = lot_coded(db, "WH-2024-001")
    movements = count_rows(db, Movement)
    response = login_as("clerk").post(f"/stock/lots/{lot.id}/relocate",
                                      data={"relocate-position": "3号仓 B垛", "relocate-reason": "倒仓"})
    assert response.status_code == 302
    assert lot_coded(db, "WH-2024-001").position == "3号仓 B垛"
    assert count_rows(db, Movement) == movements
    page = login_as("clerk").get(f"/stock/lots/{lot.id}").get_data(as_text=True)
    assert "3号仓 B垛" in page
    assert login_as("officer").post(f"/stock/lots/{lot.id}/relocate",
                                    data={"relocate-position": "X"}).status_code == 403



@pytest.mark.parametrize(("query", "message"), [("limit=5000", "每页行数"), ("cursor=WyJub3QtYS1kYXRlIiwgMV0=", "翻页链接"),
                                                ("limit=%C2%B2", "每页行数")])
def test_a_bad_page_size_or_cursor_is_said_not_shown_as_an_empty_list(login_as, query, message):
    """Issue 7: ``?limit=5000`` showed "no lots" instead of saying the limit."""
    html = login_as("admin").get(f"/stock/lots?{query}").get_data(as_text=True)
    assert 'id="list-errors"' in html and message in html


@pytest.mark.parametrize(("path", "data"), [
    ("issue", {"issue-quantity": "1e30"}),
    ("adjust", {"adjust-quantity": "1e30", "adjust-note": "n"}),
    ("transfer", {"transfer-to_facility": "GR-03", "transfer-quantity": "1e30", "transfer-reason": "r"}),
])
def test_an_absurd_quantity_in_a_lot_form_is_refused_not_a_500(login_as, db, path, data):
    """Issue 7: quantity ``1e30`` crashed the forms (rounding before bounding)."""
    lot = lot_coded(db, "WH-2024-001")
    before = (count_rows(db, Movement), count_rows(db, Transfer), count_rows(db, Adjustment))
    assert login_as("clerk").post(f"/stock/lots/{lot.id}/{path}", data=data).status_code == 422
    assert (count_rows(db, Movement), count_rows(db, Transfer), count_rows(db, Adjustment)) == before


def test_a_page_answering_405_says_which_methods_it_allows(login_as):
    response = login_as("clerk").put("/stock/lots")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) >= {"GET"}
