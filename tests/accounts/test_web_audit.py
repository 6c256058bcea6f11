"""The audit page: Beijing time, readable before/after, labelled actions, links, a date range; bad filters
answer with the form, never a 500. The filter itself lives in services/audit/queries.py."""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
from sqlmodel import select

from inventory.core.errors import Invalid
from inventory.models import AuditEvent, Organisation
from inventory.services.audit import queries, trail
from tests.helpers import receive, user_named


def event(db, *, at: datetime, action: str = "probe.thing", entity: str = "organisation", entity_id: str = "1",
          after: dict | None = None) -> AuditEvent:
    row = AuditEvent(at=at, actor_id=user_named(db, "admin").id, action=action, entity=entity, entity_id=entity_id,
                     after=after)
    db.add(row)
    db.commit()
    return row


def rows_of(page: str) -> str:
    return page[page.index('id="audit-table"'):]


def test_times_are_shown_in_beijing_time(login_as, db):
    event(db, at=datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc), action="probe.time")
    page = login_as("admin").get("/admin/audit?action=probe.time").get_data(as_text=True)
    assert "2026-03-02 00:30:00" in rows_of(page)


def test_chinese_in_before_and_after_is_shown_as_chinese(login_as, db):
    event(db, at=datetime(2026, 3, 1, tzinfo=timezone.utc), action="probe.text", after={"name": "小麦 <b>"})
    page = rows_of(login_as("admin").get("/admin/audit?action=probe.text").get_data(as_text=True))
    assert "小麦" in page and "\\u5c0f" not in page
    assert "&lt;b&gt;" in page and "<b>" not in page


def test_action_codes_are_shown_by_their_label_and_entities_link_to_their_page(login_as, db):
    lot = receive(db)
    page = rows_of(login_as("admin").get("/admin/audit?action=lot").get_data(as_text=True))
    assert "接收了批次" in page and 'title="lot.receive"' in page
    assert f'href="/stock/lots/{lot.id}"' in page


def test_a_workflow_decision_reads_flow_and_action(app):
    from inventory.services.audit.labels import action_label

    with app.test_request_context("/", headers={"Cookie": ""}):
        assert action_label("transfer.approve") not in ("transfer.approve", "")
        assert action_label("no.such-action") == "no.such-action"


def test_the_date_range_keeps_only_the_days_asked_for(login_as, db):
    # Beijing days: 2026-03-01 16:30 UTC is already 2 March in Beijing
    event(db, at=datetime(2026, 3, 1, 15, 59, tzinfo=timezone.utc), action="probe.range", entity_id="first")
    event(db, at=datetime(2026, 3, 1, 16, 30, tzinfo=timezone.utc), action="probe.range", entity_id="second")
    event(db, at=datetime(2026, 3, 3, 16, 0, tzinfo=timezone.utc), action="probe.range", entity_id="third")
    client = login_as("admin")
    page = rows_of(client.get("/admin/audit?action=probe.range&since=2026-03-02&until=2026-03-03").text)
    assert "#second" in page and "#first" not in page and "#third" not in page
    page = rows_of(client.get("/admin/audit?action=probe.range&until=2026-03-01").get_data(as_text=True))
    assert "#first" in page and "#second" not in page


@pytest.mark.parametrize("query", [
    "before=%C2%B2", "before=99999999999999999999", "before=-3", "since=2026-13-01", "since=1900-01-01",
    "since=2026-03-05&until=2026-03-01", "actor=abc", "actor=99999999999", "entity=" + "x" * 65,
])
def test_a_bad_filter_is_answered_with_the_form_not_a_500(login_as, query):
    response = login_as("admin").get(f"/admin/audit?{query}")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="audit-filter"' in page and ("invalid-feedback" in page or "text-danger" in page)
    assert 'id="audit-table"' not in page


def test_paging_goes_to_older_events_with_the_same_filter(login_as, db):
    for i in range(55):
        event(db, at=datetime(2026, 3, 1, tzinfo=timezone.utc), action="probe.page", entity_id=f"n{i}")
    client = login_as("admin")
    page = client.get("/admin/audit?action=probe.page").get_data(as_text=True)
    assert page.count('data-action="probe.page"') == 50
    older = page[page.index('id="audit-older" href="') + len('id="audit-older" href="'):].split('"')[0]
    second = client.get(older.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('data-action="probe.page"') == 5


def test_the_filter_narrows_the_readers_scope_and_never_widens_it(db):
    grain = db.exec(select(Organisation).where(Organisation.code == "ENT-GRAIN")).one()
    cold = db.exec(select(Organisation).where(Organisation.code == "ENT-COLD")).one()
    for org in (grain, cold):
        trail.record(db, actor=None, action="probe.scope", entity="organisation", entity_id=org.id, org_id=org.id)
    db.commit()
    manager = user_named(db, "manager")
    wanted = queries.AuditFilter(action="probe", entity="organisation")
    seen = db.exec(queries.events_query(session=db, user=manager, wanted=wanted)).all()
    assert {e.org_id for e in seen} == {grain.id}
    assert db.exec(queries.events_query(session=db, user=manager,
                                        wanted=queries.AuditFilter(action="probe", entity_id=str(cold.id)))).all() == []


def test_the_filter_refuses_an_impossible_range(db):
    with pytest.raises(Invalid) as refused:
        queries.events_query(session=db, user=user_named(db, "admin"),
                             wanted=queries.AuditFilter(since=date(2026, 3, 5), until=date(2026, 3, 1)))
    assert set(refused.value.fields) == {"until"}
