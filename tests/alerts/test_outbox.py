"""Fan-out into the outbox (docs/domain-rules.md, alerts): one row per (alert change, subscription), only
what the owner may see, narrowed by the filters, written again by nothing."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func
from sqlmodel import select
from sqlmodel import Session

from inventory import scope
from inventory.core.clock import business_today, utcnow
from inventory.models import Alert, Delivery, Organisation, User
from inventory.services.alerts import outbox
from inventory.services.stock import lots
from inventory.services.system.demo import USERS
from tests.alerts.delivery_support import deliveries_of, subscribe_with
from tests.alerts.helpers import alert_for, expire, scan
from tests.helpers import count_rows, org_coded, receive, user_named

pytestmark = pytest.mark.usefixtures("ctx")
SOON = business_today() + timedelta(days=10)


def _alerts_everywhere(db: Session) -> None:
    """Alerts of two enterprises and two bureaus: grain lots of ENT-GRAIN, relief goods of ENT-RELIEF."""
    receive(db, expiry=SOON)
    receive(db, clerk="reliefclerk", material="TENT", facility="RL-01", expiry=SOON)
    scan(db, "all")


@pytest.mark.parametrize("username", [name for name, *_ in USERS])
def test_the_outbox_scope_agrees_with_the_pages_for_every_demo_user(db, username):
    """``subscriber_sees`` (SQL over every subscription) and ``alert_filter`` (the pages) give the same alerts."""
    _alerts_everywhere(db)
    user = user_named(db, username)
    org = Organisation.__table__
    pages = set(db.exec(select(Alert.id).where(scope.alert_filter(db, user)))) if scope.can(user, "view", "alert") \
        else set()
    outbox_sees = set(db.exec(select(Alert.id).select_from(Alert.__table__.join(org, org.c.id == user.org_id))
                              .where(scope.subscriber_sees(Alert.__table__, org, func.cast(user.role, User.role.type)))))
    assert pages == outbox_sees
    assert count_rows(db, Alert) > len(pages) or username in {"admin", "coordinator", "finance", "gov", "viewer"}


def test_an_enterprise_subscription_never_receives_another_enterprises_alert_whatever_its_filters(db):
    relief = org_coded(db, "ENT-RELIEF")
    mine = subscribe_with(db, "clerk")
    asking = subscribe_with(db, "clerk", enterprises=["ENT-RELIEF"])
    _alerts_everywhere(db)
    assert deliveries_of(db, mine) and all(
        db.get(Alert, d.alert_id).enterprise_id == user_named(db, "clerk").org_id for d in deliveries_of(db, mine))
    assert deliveries_of(db, asking) == []
    assert db.exec(select(func.count()).select_from(Alert).where(Alert.enterprise_id == relief.id)).one() > 0


def test_a_bureau_subscription_never_receives_an_alert_about_another_bureaus_material(db):
    grain, emergency = subscribe_with(db, "approver"), subscribe_with(db, "emapprover")
    _alerts_everywhere(db)
    bureau_of = {d.alert_id: db.get(Alert, d.alert_id).bureau_id for d in deliveries_of(db, grain)}
    assert bureau_of and set(bureau_of.values()) == {org_coded(db, "BUR-GRAIN").id}
    assert {db.get(Alert, d.alert_id).bureau_id for d in deliveries_of(db, emergency)} == {
        org_coded(db, "BUR-EMERGENCY").id}


def test_an_organisations_subscription_reaches_as_far_as_the_organisation(db):
    shared = subscribe_with(db, "manager", for_organisation=True)
    _alerts_everywhere(db)
    grain = org_coded(db, "ENT-GRAIN").id
    assert deliveries_of(db, shared) and {db.get(Alert, d.alert_id).enterprise_id for d in deliveries_of(db, shared)} \
        == {grain}


def test_filters_narrow_by_kind_severity_enterprise_category_and_district(db):
    by_kind = subscribe_with(db, "coordinator", kinds=["lot_expired"])
    critical = subscribe_with(db, "coordinator", min_severity="critical")
    by_enterprise = subscribe_with(db, "coordinator", enterprises=["ENT-RELIEF"])
    by_category = subscribe_with(db, "coordinator", categories=["grain"])
    lot = receive(db, expiry=SOON)
    expire(db, lot.id)
    _alerts_everywhere(db)
    alerts = {d.alert_id: db.get(Alert, d.alert_id) for s in (by_kind, critical, by_enterprise, by_category)
              for d in deliveries_of(db, s)}
    assert {alerts[d.alert_id].kind for d in deliveries_of(db, by_kind)} == {"lot_expired"}
    assert {alerts[d.alert_id].severity for d in deliveries_of(db, critical)} == {"critical"}
    assert {alerts[d.alert_id].enterprise_id for d in deliveries_of(db, by_enterprise)} == {
        org_coded(db, "ENT-RELIEF").id}
    assert deliveries_of(db, by_category) and {alerts[d.alert_id].category for d in deliveries_of(db, by_category)} \
        == {"grain"}
    everything = subscribe_with(db, "coordinator")
    district = subscribe_with(db, "coordinator", districts=["sanhe"])
    scan(db, "all")
    assert deliveries_of(db, everything) == deliveries_of(db, district) == [], "a refresh is no change to deliver"


def test_a_scan_run_again_writes_no_delivery_and_a_resolution_goes_only_to_who_asked(db):
    told = subscribe_with(db, "clerk", send_resolved=True, kinds=["lot_expiring"])
    quiet = subscribe_with(db, "clerk", kinds=["lot_expiring"])
    lot = receive(db, expiry=SOON)
    scan(db, "lot_expiring")
    first = len(deliveries_of(db, told))
    assert first == len(deliveries_of(db, quiet)) >= 1
    scan(db, "lot_expiring")
    assert len(deliveries_of(db, told)) == first
    lots.issue(session=db, actor=user_named(db, "clerk"), lot_id=lot.id, amount=lot.on_hand)
    db.commit()
    scan(db, "lot_expiring")
    assert alert_for(db, "lot_expiring", lot.id).state == "resolved"
    assert len(deliveries_of(db, told)) == first + 1
    assert len(deliveries_of(db, quiet)) == first


def test_fan_out_twice_over_the_same_history_writes_nothing_more(db):
    subscribe_with(db, "coordinator")
    mark = outbox.last_event_id(db)
    _alerts_everywhere(db)
    rows = count_rows(db, Delivery)
    assert rows > 0
    assert outbox.fan_out(db, after=mark, now=utcnow()) == 0
    db.commit()
    assert count_rows(db, Delivery) == rows


def test_a_deactivated_owner_or_subscription_gets_nothing(db):
    gone = subscribe_with(db, "clerk")
    off = subscribe_with(db, "manager", active=False)
    db.execute(User.__table__.update().where(User.__table__.c.username == "clerk").values(active=False))
    db.commit()
    _alerts_everywhere(db)
    assert deliveries_of(db, gone) == deliveries_of(db, off) == []
