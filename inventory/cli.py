"""``flask`` commands: schema (Alembic), organisations, users, tokens, the demo city and the alert scans (and the
cold-chain and donor-register groups of cli_coldchain.py and cli_blood.py)."""
from __future__ import annotations

from pathlib import Path

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from inventory import db
from inventory.services.accounts import directory
from inventory.core.errors import DomainError

MIGRATIONS_DIR = str(Path(__file__).resolve().parent.parent / "migrations")


def alembic_config(url: str | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", MIGRATIONS_DIR)
    cfg.set_main_option("sqlalchemy.url", (url or current_app.config["SQLALCHEMY_DATABASE_URI"]).replace("%", "%%"))
    return cfg


@click.group("db", cls=AppGroup, help="Create or upgrade the schema (Alembic).")
def db_group() -> None:
    pass


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    command.upgrade(alembic_config(), revision)


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    command.downgrade(alembic_config(), revision)


@db_group.command("revision")
@click.option("-m", "--message", required=True)
@click.option("--autogenerate", is_flag=True)
def db_revision(message: str, autogenerate: bool) -> None:
    command.revision(alembic_config(), message=message, autogenerate=autogenerate)


@db_group.command("current")
def db_current() -> None:
    command.current(alembic_config())


@click.group("orgs", cls=AppGroup, help="Organisations.")
def orgs_group() -> None:
    pass


@orgs_group.command("create")
@click.argument("code")
@click.option("--kind", required=True, type=click.Choice(["enterprise", "bureau", "coordinator", "government", "blood_station"]))
@click.option("--name", required=True)
@click.option("--district", default=None, help="district code")
@click.option("--domain", default=None, help="a bureau's remit, e.g. grain")
def orgs_create(code: str, kind: str, name: str, district: str | None, domain: str | None) -> None:
    with db.session_scope() as session:
        try:
            org = directory.create_org(session=session, code=code, kind=kind, name=name, district_code=district, domain=domain)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
        click.echo(f"created organisation {org.code} ({org.kind})")


@click.group("users", cls=AppGroup, help="Users and API tokens.")
def users_group() -> None:
    pass


@users_group.command("create")
@click.argument("username")
@click.option("--org", "org_code", required=True)
@click.option("--role", required=True)
@click.option("--password", default=None, help="prompted for when omitted")
def users_create(username: str, org_code: str, role: str, password: str | None) -> None:
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with db.session_scope() as session:
        try:
            user = directory.create_user(session=session, username=username, org_code=org_code, role=role, password=password)
        except DomainError as exc:
            raise click.ClickException(exc.message) from None
        session.commit()
        click.echo(f"created user {user.username} ({user.role})")


@users_group.command("token")
@click.argument("username")
@click.option("--name", default="cli")
def users_token(username: str, name: str) -> None:
    """Print a new API token as the last line."""
    from sqlmodel import select

    from inventory.models import User

    with db.session_scope() as session:
        user = session.exec(select(User).where(User.username == username)).first()
        if user is None:
            raise click.ClickException(f"no user {username}")
        token = directory.issue_token(session=session, user=user, name=name)
        session.commit()
    click.echo(token)


@click.command("seed-demo", help="Load the demo city and print the demo logins.")
@with_appcontext
def seed_demo() -> None:
    from inventory.services.system import demo

    with db.session_scope() as session:
        logins = demo.seed(session=session)
        session.commit()
    if not logins:
        click.echo("demo data already loaded")
        return
    click.echo("Demo logins (password for all: %s):" % demo.DEMO_PASSWORD)
    for username, role, org in logins:
        click.echo(f"  {username:<22} {role:<20} {org}")


@click.group("ledger", cls=AppGroup, help="The stock ledger.")
def ledger_group() -> None:
    pass


@ledger_group.command("verify")
def ledger_verify() -> None:
    """Recompute every lot's on-hand and hash chain from its movements; exit 1 on any difference."""
    from inventory.services.stock import ledger

    with db.session_scope() as session:
        problems = ledger.verify(session=session)
    for problem in problems:
        click.echo(f"lot {problem.lot_id}: {problem.problem}")
    if problems:
        raise click.ClickException(f"{len(problems)} discrepancies")
    click.echo("ledger verified: every lot's on-hand, hash chain and audit trail agree with its movements")


@ledger_group.command("rotate-key")
def ledger_rotate_key() -> None:
    """Sign new movements with a new key; older movements keep verifying with theirs."""
    from inventory.services.stock import ledger_keys

    try:
        key_id = ledger_keys.rotate()
    except RuntimeError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"new movements are signed with ledger key {key_id}")


def _prepared(outcome) -> str:
    """What the scan's preparation changed: each count apart when it names them (excursions, lots held)."""
    if outcome.prepared_parts:
        return "".join(f", {name} {count}" for name, count in outcome.prepared_parts)
    return f", lots marked {outcome.prepared}" if outcome.prepared else ""


@click.command("scan", help="Run alert scans now, in process: a kind (lot_expiring, …), a group (expiry, counts, "
                             "workflows) or all; prints what each opened, refreshed, escalated, reopened and resolved.")
@click.argument("name")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="the business day to scan for (YYYY-MM-DD); default today in Asia/Shanghai")
@with_appcontext
def scan(name: str, as_of) -> None:
    from inventory.services.alerts import runs

    with db.session_scope() as session:
        try:
            done = runs.run_scans(session=session, name=name, as_of=as_of.date() if as_of else None)
        except DomainError as error:
            raise click.BadParameter("; ".join(m for ms in error.fields.values() for m in ms) or error.message,
                                     param_hint="NAME") from None
        session.commit()
    for o in done.outcomes:
        click.echo(f"{o.kind}: opened {o.opened}, refreshed {o.refreshed}, escalated {o.escalated}, "
                   f"reopened {o.reopened}, resolved {o.resolved}" + _prepared(o))
    click.echo(f"deliveries queued: {done.queued} (flask deliver sends what is due)")


@click.command("deliver", help="Take the escalation and reminder steps due now and send every due delivery, "
                                "in process; prints what was sent, retried, dead, inhibited, skipped and held.")
@with_appcontext
def deliver() -> None:
    from inventory.services.alerts import delivery, runs

    with db.session_scope() as session:
        steps, queued = runs.run_escalation(session=session)
        session.commit()
    report = delivery.deliver_due()
    click.echo(f"escalated {steps.escalated}, reminded {steps.reminded}, queued {queued}; sent {report.sent}, "
               f"retrying {report.retrying}, dead {report.dead}, inhibited {report.inhibited}, "
               f"skipped {report.skipped}, held by silences {report.held}")


def init_app(app: Flask) -> None:
    from inventory.cli_blood import donors_group
    from inventory.cli_coldchain import readings_group

    for group in (db_group, orgs_group, users_group, ledger_group, seed_demo, scan, deliver, readings_group,
                  donors_group):
        app.cli.add_command(group)
