"""The CLI contract of API.md: orgs create, users create, users token."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import Organisation, User


def test_orgs_create_then_users_create_then_token(app, client, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgs", "create", "ENT-CLI", "--kind", "enterprise", "--name", "命令行企业", "--district", "wenan"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "create", "cliuser", "--org", "ENT-CLI", "--role", "enterprise_clerk", "--password", "secret-pass-1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["users", "token", "cliuser"])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).get_json()["username"] == "cliuser"


def test_cli_rejects_bad_input_and_writes_nothing(app, db):
    runner = app.test_cli_runner()
    orgs_before = len(db.exec(select(Organisation)).all())
    assert runner.invoke(args=["orgs", "create", "GOV", "--kind", "government", "--name", "dup"]).exit_code != 0
    assert runner.invoke(args=["orgs", "create", "X", "--kind", "shop", "--name", "x"]).exit_code != 0
    assert runner.invoke(args=["users", "create", "u1", "--org", "NOPE", "--role", "viewer", "--password", "long-enough"]).exit_code != 0
    assert runner.invoke(args=["users", "create", "u2", "--org", "ENT-GRAIN", "--role", "coordinator", "--password", "long-enough"]).exit_code != 0
    assert runner.invoke(args=["users", "create", "u3", "--org", "ENT-GRAIN", "--role", "viewer", "--password", "short"]).exit_code != 0
    assert runner.invoke(args=["users", "token", "ghost"]).exit_code != 0
    db.expire_all()
    assert len(db.exec(select(Organisation)).all()) == orgs_before
    assert not db.exec(select(User).where(User.username.in_(["u1", "u2", "u3"]))).all()


def test_seed_demo_is_idempotent(app):
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    assert "already loaded" in result.output
