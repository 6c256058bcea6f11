"""Fixtures: a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL), migrated once per
run with Alembic; every test starts from the demo city and its rows are truncated afterwards.

Truncation rather than a rolled-back outer transaction: the concurrency and worker tests need real
commits seen by other connections, and one isolation scheme for all tests keeps them honest.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel, select

from inventory import create_app
from inventory.cli import alembic_config
from inventory.db import engine_for
from inventory.models import Organisation, User
from inventory.services import accounts, demo

TMP = Path(tempfile.mkdtemp(prefix="reserve-tests-"))
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{TMP / 'test.sqlite3'}"
REDIS_URL = os.environ.get("TEST_REDIS_URL")
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


def filesystem_broker(folder: Path) -> dict:
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "filesystem://",
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control"),
            "store_processed": False, "polling_interval": 0.05,
        },
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
    }


def make_config(**overrides) -> dict:
    base = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        "CELERY": filesystem_broker(TMP / "broker"),
        "BROKER_HEALTH_TIMEOUT": 0.5,
        "SERVER_NAME": None,
    }
    base.update(overrides)
    return base


def _reset_schema() -> None:
    engine = engine_for(DATABASE_URL)
    if IS_POSTGRES:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(DATABASE_URL), "head")


def truncate_all(connection) -> None:
    tables = [t.name for t in reversed(SQLModel.metadata.sorted_tables)]
    if IS_POSTGRES:
        connection.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
    else:
        for table in tables:
            connection.execute(text(f'DELETE FROM "{table}"'))


class Snapshot:
    """The demo city seeded once through the services, then restored row for row after each test.

    Re-seeding through the services for every test costs about a second on PostgreSQL; restoring
    the captured rows with one bulk insert per table costs a few milliseconds.
    """

    def __init__(self) -> None:
        engine = engine_for(DATABASE_URL)
        with Session(engine) as session:
            demo.seed(session=session)
            session.commit()
        with engine.connect() as conn:
            self.rows = {t: [dict(r) for r in conn.execute(t.select()).mappings()]
                         for t in SQLModel.metadata.sorted_tables}

    def restore(self) -> None:
        with engine_for(DATABASE_URL).begin() as conn:
            truncate_all(conn)
            for table, rows in self.rows.items():
                if rows:
                    conn.execute(table.insert(), rows)
            if IS_POSTGRES:
                for table in self.rows:
                    if "id" in table.c and table.c.id.autoincrement is not False:
                        conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                                          f"COALESCE((SELECT MAX(id) FROM \"{table.name}\"), 0) + 1, false)"))


@pytest.fixture(scope="session")
def snapshot() -> Snapshot:
    _reset_schema()
    return Snapshot()


@pytest.fixture
def app(snapshot: Snapshot) -> Iterator[Flask]:
    application = create_app(make_config())
    yield application
    snapshot.restore()


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session for arranging and checking rows directly (services take it as ``session``)."""
    with Session(engine_for(DATABASE_URL), expire_on_commit=False) as session:
        yield session


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def user_named(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def org_coded(session: Session, code: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.code == code)).one()


@pytest.fixture
def login_as(client: FlaskClient) -> Callable[[str], FlaskClient]:
    def _login(username: str) -> FlaskClient:
        response = client.post("/login", data={"username": username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, response.data
        return client

    return _login


@pytest.fixture
def token_for(db: Session) -> Callable[[str], dict[str, str]]:
    """Authorization headers for a demo user."""
    cache: dict[str, dict[str, str]] = {}

    def _headers(username: str) -> dict[str, str]:
        if username not in cache:
            token = accounts.issue_token(session=db, user=user_named(db, username), name="test")
            db.commit()
            cache[username] = {"Authorization": f"Bearer {token}"}
        return cache[username]

    return _headers


@pytest.fixture
def api(client: FlaskClient, token_for):
    """``api(user).get(path)`` etc.: the test client with that user's bearer token."""

    class _Api:
        def __init__(self, username: str):
            self.headers = token_for(username)

        def _call(self, method: str, path: str, headers: dict | None = None, **kwargs):
            merged = {**self.headers, **(headers or {})}
            return client.open("/api/v1" + path, method=method, headers=merged, **kwargs)

        def get(self, path: str, **kwargs):
            return self._call("GET", path, **kwargs)

        def post(self, path: str, **kwargs):
            return self._call("POST", path, **kwargs)

        def delete(self, path: str, **kwargs):
            return self._call("DELETE", path, **kwargs)

        def patch(self, path: str, **kwargs):
            return self._call("PATCH", path, **kwargs)

    return _Api


def count_rows(session: Session, model) -> int:
    from sqlalchemy import func

    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()
