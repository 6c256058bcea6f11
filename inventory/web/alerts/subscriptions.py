"""My subscriptions: the reader's own and their organisation's, created, edited, deleted and tested here."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from inventory import scope
from inventory.core.errors import Conflict, DomainError, Invalid
from inventory.core.vocab import AlertSeverity, Category, Channel
from inventory.db import get_session
from inventory.models import Subscription
from inventory.services.accounts import queries as accounts_queries
from inventory.services.alerts import queries, subscriptions
from inventory.services.stock.names import user_names
from inventory.web.alerts.forms import ConfirmForm, SubscriptionForm
from inventory.web.service_errors import show_refusal
from inventory.web.stock.lookups import category_choices, enterprise_choices

bp = Blueprint("subscriptions", __name__, url_prefix="/subscriptions")


@bp.before_request
@login_required
def _readers_only():
    if not scope.can(current_user, "create", "subscription"):
        abort(403)


def _may_share() -> bool:
    return scope.can(current_user, "manage_organisation", "subscription")


def _form(**kwargs) -> SubscriptionForm:
    form = SubscriptionForm(**kwargs)
    session = get_session()
    form.channel.choices = [SelectChoice(k, v) for k, v in Channel.labels().items()]
    form.kinds.choices = [SelectChoice(k, v) for k, v in queries.kinds().items()]
    form.min_severity.choices = [SelectChoice(k, v) for k, v in AlertSeverity.labels().items()]
    form.enterprises.choices = enterprise_choices(session, current_user)
    form.categories.choices = category_choices()
    form.districts.choices = [SelectChoice(d.code, d.name_zh) for d in accounts_queries.districts(session=session)]
    if not _may_share():
        del form.for_organisation
    return form


def _input(form: SubscriptionForm) -> subscriptions.SubscriptionInput:
    return subscriptions.SubscriptionInput(
        name=form.name.data or "", channel=form.channel.data or "", target=form.target.data or "",
        kinds=form.kinds.data or [], min_severity=form.min_severity.data or "", enterprises=form.enterprises.data or [],
        categories=form.categories.data or [], districts=form.districts.data or [],
        secret=form.secret.data or None, digest_hour=form.digest_hour.data, send_resolved=form.send_resolved.data,
        active=form.active.data, for_organisation="for_organisation" in form and form.for_organisation.data)


def _stored(subscription: Subscription) -> dict:
    """The form's values of a stored subscription (the secret is never echoed into the form)."""
    codes = subscriptions.codes_of(session=get_session(), subscriptions=[subscription])
    return dict(name=subscription.name, channel=subscription.channel, target=subscription.target,
                kinds=subscription.kinds, min_severity=subscription.min_severity,
                enterprises=[codes.enterprises[i] for i in subscription.enterprises if i in codes.enterprises],
                categories=subscription.categories,
                districts=[codes.districts[i] for i in subscription.districts if i in codes.districts],
                digest_hour=subscription.digest_hour, send_resolved=subscription.send_resolved,
                active=subscription.active)


@bp.get("/")
def index():
    session = get_session()
    rows = list(session.exec(subscriptions.visible(session=session, actor=current_user)))
    return render_template("alerts/subscriptions/list.html", subscriptions=rows,
                           codes=subscriptions.codes_of(session=session, subscriptions=rows),
                           may_manage=lambda s: subscriptions.may_manage(current_user, s),
                           shown_target=lambda s: subscriptions.shown_target(current_user, s),
                           orgs=accounts_queries.organisations_by_id(session=session, user=current_user),
                           people=user_names(session, [s.user_id for s in rows]),
                           kinds=queries.kinds(), Channel=Channel, AlertSeverity=AlertSeverity, Category=Category,
                           confirm=ConfirmForm(formdata=None))


@bp.route("/new", methods=["GET", "POST"])
def create():
    form = _form()
    if form.validate_on_submit():
        session = get_session()
        try:
            subscription = subscriptions.create(session=session, actor=current_user, data=_input(form))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The subscription “%(name)s” is saved.", name=subscription.name), "success")
            if subscription.channel == Channel.webhook and not form.secret.data:
                flash(_("Its webhook signing secret: %(secret)s", secret=subscription.secret), "info")
            return redirect(url_for(".index"))
    return render_template("alerts/subscriptions/form.html", form=form, subscription=None), \
        422 if form.is_submitted() else 200


@bp.route("/<int:subscription_id>/edit", methods=["GET", "POST"])
def edit(subscription_id: int):
    session = get_session()
    subscription = subscriptions.get(session=session, actor=current_user, subscription_id=subscription_id)
    if not subscriptions.may_manage(current_user, subscription):
        abort(403)
    form = _form(data=_stored(subscription))
    if "for_organisation" in form:
        del form.for_organisation  # ownership does not move
    if form.validate_on_submit():
        try:
            subscriptions.update(session=session, actor=current_user, subscription_id=subscription_id,
                                 data=_input(form))
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The subscription “%(name)s” is saved.", name=form.name.data.strip()), "success")
            return redirect(url_for(".index"))
    return render_template("alerts/subscriptions/form.html", form=form, subscription=subscription), \
        422 if form.is_submitted() else 200


@bp.route("/<int:subscription_id>/delete", methods=["GET", "POST"])
def delete(subscription_id: int):
    """GET asks to confirm; POST deletes."""
    session = get_session()
    subscription = subscriptions.get(session=session, actor=current_user, subscription_id=subscription_id)
    if not subscriptions.may_manage(current_user, subscription):
        abort(403)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            subscriptions.delete(session=session, actor=current_user, subscription_id=subscription_id)
        except DomainError as error:
            show_refusal(form, error)
        else:
            session.commit()
            flash(_("The subscription “%(name)s” is deleted.", name=subscription.name), "success")
            return redirect(url_for(".index"))
    return render_template("alerts/subscriptions/delete.html", form=form, subscription=subscription)


@bp.post("/<int:subscription_id>/test")
def send_test(subscription_id: int):
    """Send one test message now and say how the receiver answered; nothing is stored."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        flash(_("Nothing was saved: %(reason)s", reason=_("the form expired")), "danger")
        return redirect(url_for(".index"))
    try:
        outcome = subscriptions.send_test(session=get_session(), actor=current_user, subscription_id=subscription_id)
    except (Invalid, Conflict) as refused:
        reasons = [m for messages in refused.fields.values() for m in messages] or [refused.message]
        flash(_("Nothing was sent: %(reason)s", reason="; ".join(reasons)), "danger")
        return redirect(url_for(".index"))
    if outcome.ok:
        flash(_("The test message was delivered."), "success")
    else:
        flash(_("The test message failed: %(error)s", error=outcome.error or outcome.status), "danger")
    return redirect(url_for(".index"))
