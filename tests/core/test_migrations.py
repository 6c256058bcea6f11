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
from inventory.models.coldchain import READING_PARTITION
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
        # the monthly partitions of ``reading`` (PostgreSQL) are made at run time, not declared as models
        context = MigrationContext.configure(conn, opts={
            "compare_type": True, "render_as_batch": True,
            "include_name": lambda name, type_, _parents: not (type_ == "table" and READING_PARTITION.match(name))})
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


def test_0005_carries_existing_stock_over(scratch_url, app):
    """Existing facilities get the categories of their stock, free-text inspections become pass/fail/pending, and
    existing movements are signed with the ledger key and audited, so ``ledger verify`` passes afterwards."""
    from sqlmodel import Session

    from inventory.services.stock import ledger

    cfg = alembic_config(scratch_url)
    command.upgrade(cfg, "0004_session_epoch")
    engine = create_engine(scratch_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO organisation (id, code, name, kind, active, created_at) "
                          "VALUES (1, 'E', 'e', 'enterprise', true, CURRENT_TIMESTAMP), "
                          "(2, 'B', 'b', 'bureau', true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO material (id, code, name_zh, name_en, category, unit, shelf_life_days, "
                          "storage_class, policy, rotation_lead_days, bureau_id, active, created_at) VALUES "
                          "(1, 'W', '小麦', 'w', 'grain', 't', 100, 'ambient', 'rotate', 10, 2, true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO facility (id, code, name, enterprise_id, kind, address, capacity_unit, "
                          "fire_safety, theft_safety, flood_safety, active, created_at) VALUES "
                          "(1, 'F', 'f', 1, 'warehouse', '', 't', false, false, false, true, CURRENT_TIMESTAMP)"))
        conn.execute(text("INSERT INTO lot (id, lot_code, material_id, facility_id, enterprise_id, expiry_date, "
                          "received_on, quality_grade, inspection_result, status, quantity_received, on_hand, "
                          "movement_count, last_hash, created_at) VALUES (1, 'L', 1, 1, 1, '2030-01-01', '2026-01-01', "
                          "'', '不合格', 'available', :q, :q, 1, 'old', CURRENT_TIMESTAMP)"),
                     {"q": 5000 if not IS_POSTGRES else 5})
        conn.execute(text("INSERT INTO movement (id, lot_id, seq, kind, quantity, on_hand_after, at, note, prev_hash, "
                          "hash) VALUES (1, 1, 1, 'receipt', :q, :q, CURRENT_TIMESTAMP, '', '', 'old')"),
                     {"q": 5000 if not IS_POSTGRES else 5})
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        assert conn.execute(text("SELECT categories FROM facility")).scalar_one() == "grain"
        assert conn.execute(text("SELECT inspection_result FROM lot")).scalar_one() == "failed"
        assert conn.execute(text("SELECT count(*) FROM district")).scalar_one() == 11
    with Session(engine) as session:
        assert ledger.verify(session=session) == []
    engine.dispose()
