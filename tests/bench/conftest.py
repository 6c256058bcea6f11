"""Benchmark fixtures: the PostgreSQL database ``reserve_bench``, rebuilt with Alembic for every module.

The benchmarks never touch the test suite's database: ``_schema`` of tests/conftest.py is overridden.
"""
from __future__ import annotations

import os

import pytest
from alembic import command
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, select

from inventory import create_app
from inventory.cli import alembic_config
from inventory.db import engine_for
from inventory.models import User
from inventory.services.accounts import directory
from inventory.services.system import demo

#: one ledger key for the benchmark process and the servers it starts, set before anything signs a movement,
#: so ``ledger verify`` checks what both signed
os.environ.setdefault("LEDGER_KEYS", "bench:" + "00" * 32)
BENCH_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/reserve_bench")


@pytest.fixture(scope="session", autouse=True)
def _schema() -> None:
    """Overrides the suite's schema reset: the benchmarks use their own database (``bench_db``)."""


def ensure_database(url: str) -> None:
    """CREATE DATABASE cannot run in a transaction, so it goes through the maintenance database."""
    target = make_url(url)
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": target.database}) is None:
            conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    admin.dispose()


def rebuild(url: str) -> Engine:
    """Empty schema, Alembic migrations and the demo city: every module starts from the same state."""
    ensure_database(url)
    engine = engine_for(url)
    engine.dispose()  # connections from a previous module would hold the dropped tables
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    command.upgrade(alembic_config(url), "head")
    with create_app({"SQLALCHEMY_DATABASE_URI": url}).app_context(), Session(engine) as session:
        demo.seed(session=session)
        session.commit()
    return engine


@pytest.fixture(scope="module")
def bench_db() -> Engine:
    return rebuild(BENCH_URL)


def bearer(engine: Engine, username: str) -> dict[str, str]:
    """Authorization header with a fresh API token for a demo user."""
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == username)).one()
        token = directory.issue_token(session=session, user=user, name="bench")
        session.commit()
    return {"Authorization": f"Bearer {token}"}
