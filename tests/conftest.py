"""Fixtures: a real database (SQLite by default, PostgreSQL with TEST_DATABASE_URL), migrated once per
run with Alembic; every test starts from the demo city and its rows are truncated afterwards.

Truncation rather than a rolled-back outer transaction: the concurrency and worker tests need real
commits seen by other connections, and one isolation scheme for all tests keeps them honest.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from sqlmodel import Session, SQLModel

from inventory import create_app
from inventory.cli import alembic_config
from inventory.db import engine_for
from inventory.services.accounts import directory
from inventory.services.system import demo
from tests.helpers import DATABASE_URL, IS_POSTGRES, make_config, user_named

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
    """The demo city seeded once through the services, then restored after each test.

    Re-seeding through the services for every test costs seconds on PostgreSQL; restoring the captured rows
    costs milliseconds. On PostgreSQL only the tables a test changed are restored: a table's signature (its row
    count and the newest ``xmin``, which every insert and update moves) is read for all tables in one query, and
    foreign keys are not checked while the restore puts back exactly the rows they were checked against.
    ``TRUNCATE`` of every table was most of each test's time there.
    """

    def __init__(self) -> None:
        engine = engine_for(DATABASE_URL)
        with create_app(make_config()).app_context(), Session(engine) as session:
            demo.seed(session=session)
            session.commit()
        with engine.connect() as conn:
            self.rows = {t: [dict(r) for r in conn.execute(t.select()).mappings()]
                         for t in SQLModel.metadata.sorted_tables}
            self.signatures = self._signatures(conn) if IS_POSTGRES else {}

    @staticmethod
    def _signatures(conn) -> dict[str, tuple[int, int]]:
        parts = [f"SELECT '{t.name}', count(*), coalesce(max(xmin::text::bigint), 0) FROM \"{t.name}\""
                 for t in SQLModel.metadata.sorted_tables]
        return {name: (count, newest) for name, count, newest in conn.execute(text(" UNION ALL ".join(parts)))}

    def restore(self) -> None:
        with engine_for(DATABASE_URL).begin() as conn:
            if not IS_POSTGRES:
                truncate_all(conn)
                for table, rows in self.rows.items():
                    if rows:
                        conn.execute(table.insert(), rows)
                return
            now = self._signatures(conn)
            changed = [t for t in SQLModel.metadata.sorted_tables if now[t.name] != self.signatures[t.name]]
            if changed:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                for table in reversed(changed):
                    conn.execute(text(f'DELETE FROM "{table.name}"'))
                for table in changed:
                    if self.rows[table]:
                        conn.execute(table.insert(), self.rows[table])
            # sequences move even in a transaction rolled back, so every one is set back, in one statement
            conn.execute(text("SELECT " + ", ".join(
                f"setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM \"{t.name}\"), 0) + 1, false)"
                for t in self.rows if "id" in t.c and t.c.id.autoincrement is not False)))
        if changed:
            with engine_for(DATABASE_URL).connect() as conn:
                self.signatures = self._signatures(conn)


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
            token = directory.issue_token(session=db, user=user_named(db, username), name="test")
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
