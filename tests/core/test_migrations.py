"""The models and the Alembic revisions agree, and every revision upgrades and downgrades cleanly."""
from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text
from sqlmodel import SQLModel

from inventory.cli import alembic_config
from tests.helpers import DATABASE_URL, IS_POSTGRES, TMP


@pytest.fixture
def scratch_url() -> Iterator[str]:
    """An empty database of the same kind as the suite's."""
    if not IS_POSTGRES:
        yield f"sqlite:///{TMP / f'migrate-{uuid.uuid4().hex}.sqlite3'}"
        return
    name = f"reserve_migrate_{uuid.uuid4().hex[:8]}"
    admin = create_engine(DATABASE_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base = DATABASE_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def pending_diff(url: str) -> list:
    engine = create_engine(url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "render_as_batch": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    return diff


def test_models_match_migrations(scratch_url):
    command.upgrade(alembic_config(scratch_url), "head")
    assert pending_diff(scratch_url) == []


def test_upgrade_downgrade_upgrade(scratch_url):
    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, "head")
    command.downgrade(cfg, "base")
    engine = create_engine(scratch_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    command.upgrade(cfg, "head")
    engine = create_engine(scratch_url)
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()
