"""Alert subscriptions over the API: the caller's and their organisation's, created, changed, removed, tested.

The rules (who may subscribe for an organisation, which targets are allowed, which alerts are ever sent)
are the service's (services/alerts/subscriptions.py); a subscription the caller may not see answers 404.
"""
from __future__ import annotations

from typing import Annotated, Any

from flask import request
from flask.views import MethodView
from pydantic import BaseModel, Field, StrictBool, StrictInt, model_validator

from inventory.api.alerts.alerts import AlertKind
from inventory.api.auth import current_user
from inventory.api.blueprint import bp
from inventory.api.idempotency import idempotent
from inventory.api.pagination import page
from inventory.api.schemas import BODY, Out, PageQuery, StrictBody, Timestamp, errors, page_of
from inventory.api.spec import spec
from inventory.core.vocab import AlertSeverity, Category, Channel
from inventory.db import get_session
from inventory.models import Subscription, User
from inventory.services.alerts import subscriptions

Name = Annotated[str, Field(min_length=1, max_length=120)]
Code = Annotated[str, Field(min_length=1, max_length=32)]
Kinds = Annotated[list[AlertKind], Field(max_length=50, description="alert kinds; empty: every kind")]
Enterprises = Annotated[list[Code], Field(max_length=200, description="organisation codes; empty: no filter")]
Categories = Annotated[list[Category], Field(max_length=len(Category), description="empty: no filter")]
Districts = Annotated[list[Code], Field(max_length=100, description="district codes; empty: no filter")]
Target = Annotated[str, Field(max_length=500, description="e-mail address (email), http(s) URL (webhook, wecom, "
                                                          "dingtalk), empty for the in-app inbox")]
Secret = Annotated[str, Field(max_length=200, description="webhook HMAC key, 8–200 characters (generated when left "
                                                         "out), or DingTalk signing secret")]
DigestHour = Annotated[StrictInt, Field(ge=0, le=23, description="daily digest at this hour (Asia/Shanghai); "
                                                                 "null: each alert as it happens")]


class SubscriptionCreate(StrictBody):
    name: Name
    kinds: Kinds = []
    min_severity: AlertSeverity = AlertSeverity.info
    enterprises: Enterprises = []
    categories: Categories = []
    districts: Districts = []
    channel: Channel
    target: Target = ""
    secret: Secret | None = None
    digest_hour: DigestHour | None = None
    send_resolved: StrictBool = False
    active: StrictBool = True
    for_organisation: StrictBool = Field(default=False, description="the caller's organisation's subscription "
                                                                     "(its manager or approver, administrators)")


#: the field where null is a value (immediate delivery), not "leave as it is"
_NULLABLE = frozenset({"digest_hour"})


class SubscriptionUpdate(StrictBody):
    """Only the fields given change; at least one must be. `digest_hour: null` switches to immediate delivery;
    any other null leaves its field as it is (the stored secret stays unless a new one is given)."""

    name: Name | None = None
    kinds: Kinds | None = None
    min_severity: AlertSeverity | None = None
    enterprises: Enterprises | None = None
    categories: Categories | None = None
    districts: Districts | None = None
    channel: Channel | None = None
    target: Target | None = None
    secret: Secret | None = None
    digest_hour: DigestHour | None = None
    send_resolved: StrictBool | None = None
    active: StrictBool | None = None

    @model_validator(mode="after")
    def _something_to_change(self) -> SubscriptionUpdate:
        if not self.changes():
            raise ValueError("nothing to change: give at least one field")
        return self

    def changes(self) -> dict[str, Any]:
        given = self.model_dump(mode="json", exclude_unset=True)
        return {name: value for name, value in given.items() if value is not None or name in _NULLABLE}


class SubscriptionOut(Out):
    id: int
    name: str
    user_id: int | None = Field(description="the owning user; null for an organisation's subscription")
    org_id: int | None = Field(description="the owning organisation; null for a user's own")
    kinds: list[str]
    min_severity: AlertSeverity
    enterprises: list[str] = Field(description="organisation codes")
    categories: list[Category]
    districts: list[str] = Field(description="district codes")
    channel: Channel
    target: str
    secret: str | None = Field(description="shown only to those who may manage the subscription")
    digest_hour: int | None
    send_resolved: bool
    active: bool
    created_by: int
    created_at: Timestamp


class SendOutcome(BaseModel):
    ok: bool
    status: int | None = Field(description="the receiver's HTTP status or SMTP reply code")
    error: str
    permanent: bool = Field(description="true when retrying would not help (a 4xx, a refused address)")


SubscriptionPage = page_of(SubscriptionOut)


def _out_all(rows: list[Subscription], actor: User) -> list[SubscriptionOut]:
    codes = subscriptions.codes_of(session=get_session(), subscriptions=rows)
    return [SubscriptionOut.model_validate({
        **{name: getattr(row, name) for name in SubscriptionOut.model_fields if hasattr(row, name)},
        "enterprises": [codes.enterprises[i] for i in row.enterprises if i in codes.enterprises],
        "districts": [codes.districts[i] for i in row.districts if i in codes.districts],
        "target": subscriptions.shown_target(actor, row),
        "secret": row.secret if subscriptions.may_manage(actor, row) else None}) for row in rows]


def _out(row: Subscription, actor: User) -> SubscriptionOut:
    return _out_all([row], actor)[0]


def _as_stored(row: Subscription, actor: User) -> dict[str, Any]:
    """The stored subscription as the service's input, for a partial update to merge into; the service keeps
    the stored secret when none is given."""
    stored = _out(row, actor).model_dump(mode="json", include=set(SubscriptionUpdate.model_fields) - {"secret"})
    return {**stored, "for_organisation": row.org_id is not None}


@bp.get("/subscriptions")
@spec.validate(query=PageQuery, resp=errors(403, 422, HTTP_200=SubscriptionPage), tags=["subscriptions"])
def list_subscriptions():
    """The caller's own subscriptions and their organisation's (administrators: all), oldest first."""
    params, user = request.context.query, current_user()
    query = subscriptions.visible(session=get_session(), actor=user).order_by(None)  # keyset: oldest first
    rows, cursor = page(query, [Subscription.id], params)
    return SubscriptionPage(items=_out_all(rows, user), next_cursor=cursor)


@bp.post("/subscriptions")
@spec.validate(json=SubscriptionCreate, resp=errors(*BODY, 403, HTTP_201=SubscriptionOut), tags=["subscriptions"])
@idempotent
def create_subscription():
    """Subscribe to alerts; only alerts the owner may see are ever delivered, whatever the filters say."""
    body, session, user = request.context.json, get_session(), current_user()
    created = subscriptions.create(session=session, actor=user,
                                   data=subscriptions.SubscriptionInput(**body.model_dump(mode="json")))
    session.commit()
    return _out(created, user), 201


class SubscriptionResource(MethodView):
    """One subscription, read, changed and removed through one rule: werkzeug answers a number past the id
    converter's range with 405 instead of 404 when several rules share the path (issue 8's fuzz run)."""

    @spec.validate(resp=errors(403, 404, HTTP_200=SubscriptionOut), tags=["subscriptions"])
    def get(self, subscription_id: int):
        """One subscription (404 when it does not exist, was deleted or is not visible to the caller)."""
        user = current_user()
        return _out(subscriptions.get(session=get_session(), actor=user, subscription_id=subscription_id), user)

    @spec.validate(json=SubscriptionUpdate, resp=errors(*BODY, 403, 404, HTTP_200=SubscriptionOut),
                   tags=["subscriptions"])
    def patch(self, subscription_id: int):
        """Change a subscription: the fields given replace the stored ones, and the whole is checked again."""
        body, session, user = request.context.json, get_session(), current_user()
        stored = subscriptions.get(session=session, actor=user, subscription_id=subscription_id)
        data = subscriptions.SubscriptionInput(**{**_as_stored(stored, user), **body.changes()})
        updated = subscriptions.update(session=session, actor=user, subscription_id=subscription_id, data=data)
        session.commit()
        return _out(updated, user)

    @spec.validate(resp=errors(403, 404, HTTP_204=None), tags=["subscriptions"])
    def delete(self, subscription_id: int):
        """Remove a subscription; its past deliveries stay on record."""
        session = get_session()
        subscriptions.delete(session=session, actor=current_user(), subscription_id=subscription_id)
        session.commit()
        return "", 204


bp.add_url_rule("/subscriptions/<int:subscription_id>", view_func=SubscriptionResource.as_view("subscription"))


@bp.post("/subscriptions/<int:subscription_id>/test")
@spec.validate(resp=errors(*BODY, 403, 404, 409, HTTP_200=SendOutcome), tags=["subscriptions"])
def test_subscription(subscription_id: int):
    """Send a test message through the subscription's channel now and answer how the receiver answered (status
    and a short reason). Audited; at most five a minute per person (409); an in-app subscription needs none (422)."""
    session = get_session()
    outcome = subscriptions.send_test(session=session, actor=current_user(), subscription_id=subscription_id)
    return SendOutcome(ok=outcome.ok, status=outcome.status, error=outcome.error, permanent=outcome.permanent)
