"""The home page per role: open alerts by severity and kind, what waits, lots near expiry; each number a link
to a list that shows exactly that many rows."""
from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import Alert, Organisation
from tests.alerts.helpers import scan
from tests.helpers import org_coded


def section(page: str, name: str) -> str:
    start = page.index(f'id="{name}"')
    return page[start:page.index("</section>", start)]


def linked_numbers(fragment: str) -> dict[str, int]:
    """href -> the number the link shows."""
    return {href.replace("&amp;", "&"): int(number)
            for href, number in re.findall(r'<a [^>]*href="([^"]+)"[^>]*>(\d+)</a>', fragment)}


def listed(client, href: str) -> int:
    page = client.get(href + "&limit=200").get_data(as_text=True)
    assert 'id="next-page"' not in page
    return len(re.findall(r'data-alert-id="\d+"', page)) or len(re.findall(r'data-lot-id="\d+"', page))


@pytest.fixture
def alerts(db, ctx) -> list[Alert]:
    """Every lot expiring (the scan a long time ahead); some lots past it."""
    scan(db, "expiry", business_today() + timedelta(days=400))
    return list(db.exec(select(Alert).where(Alert.state == "open")))


def test_an_enterprise_manager_counts_its_own_open_alerts_and_each_number_opens_that_list(login_as, db, alerts):
    grain = org_coded(db, "ENT-GRAIN").id
    own = [a for a in alerts if a.enterprise_id == grain]
    client = login_as("manager")
    page = client.get("/").get_data(as_text=True)
    block = section(page, "home-alerts")
    numbers = linked_numbers(block)
    expected = Counter(a.severity for a in own)
    for severity in ("critical", "warning", "info"):
        assert numbers[f"/alerts/?state=open&severity={severity}"] == expected[severity]
    for kind, count in Counter(a.kind for a in own).items():
        href = f"/alerts/?state=open&kind={kind}"
        assert numbers[href] == count and listed(client, href) == count
    assert 'id="home-open-total">%d<' % len(own) in block and "您的企业" in block
    assert 'id="home-enterprises"' not in page  # one enterprise: no breakdown


def test_acknowledging_takes_an_alert_off_the_home_page(login_as, db, alerts):
    grain = org_coded(db, "ENT-GRAIN").id
    own = [a for a in alerts if a.enterprise_id == grain]
    client = login_as("manager")
    client.post("/alerts/acknowledge", data={"alerts": [own[0].id]})
    block = section(client.get("/").get_data(as_text=True), "home-alerts")
    assert 'id="home-open-total">%d<' % (len(own) - 1) in block


def test_lots_near_expiry_link_to_the_filtered_lot_list(login_as, db, ctx):
    client = login_as("clerk")
    numbers = linked_numbers(section(client.get("/").get_data(as_text=True), "home-expiring"))
    assert set(numbers) == {"/stock/lots?expiring_within_days=30", "/stock/lots?expiring_within_days=90"}
    for href, count in numbers.items():
        assert listed(client, href) == count
    assert numbers["/stock/lots?expiring_within_days=30"] <= numbers["/stock/lots?expiring_within_days=90"]
    assert numbers["/stock/lots?expiring_within_days=90"] > 0


def test_a_bureau_counts_its_remit_and_sees_the_enterprises_in_it(login_as, db, alerts):
    bureau = org_coded(db, "BUR-GRAIN").id
    remit = [a for a in alerts if a.bureau_id == bureau]
    assert remit and len(remit) < len(alerts)
    client = login_as("approver")
    page = client.get("/").get_data(as_text=True)
    assert 'id="home-open-total">%d<' % len(remit) in section(page, "home-alerts")
    lines = section(page, "home-enterprises")
    by_enterprise = Counter(a.enterprise_id for a in remit)
    shown = set(re.findall(r'data-enterprise="([^"]+)"', lines))
    assert shown == {db.get(Organisation, i).code for i in by_enterprise}
    numbers = linked_numbers(lines)
    for enterprise_id, count in by_enterprise.items():
        href = f"/alerts/?state=open&enterprise={db.get(Organisation, enterprise_id).code}"
        assert numbers[href] == count and listed(client, href) == count


def test_a_coordinator_counts_the_whole_city(login_as, alerts):
    page = login_as("coordinator").get("/").get_data(as_text=True)
    assert 'id="home-open-total">%d<' % len(alerts) in section(page, "home-alerts")
    assert "全市" in section(page, "home-alerts") and 'id="home-enterprises"' in page


def test_what_waits_lists_the_role_inbox(login_as, db, ctx):
    from tests.alerts.test_approval_waiting import _waiting_transfer

    before = section(login_as("approver").get("/").get_data(as_text=True), "home-waiting")
    transfer = _waiting_transfer(db)
    waiting = section(login_as("approver").get("/").get_data(as_text=True), "home-waiting")
    # the demo's plans already wait for this approver (a catalogue amendment to co-sign): one more, the transfer
    assert waiting.count('data-flow="') == before.count('data-flow="') + 1
    assert 'data-flow="transfer"' in waiting and 'data-flow="transfer"' not in before
    assert f"/stock/lots/{transfer.lot_id}" in waiting
    assert 'id="home-nothing-waiting"' in section(login_as("clerk").get("/").get_data(as_text=True), "home-waiting")


def test_the_blood_officer_sees_the_inbox_and_links_but_no_stock(login_as, alerts):
    page = login_as("blood").get("/").get_data(as_text=True)
    assert 'id="home-waiting"' in page and 'id="home-cards"' in page
    assert 'id="home-expiring"' not in page and "/stock/lots" not in page
