"""Engine and session handling: one engine per database URL, one session per request or task."""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, current_app, g
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, create_engine

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def engine_for(url: str) -> Engine:
    """Engines are shared per URL so tests and the worker reuse connection pools."""
    if url not in _engines:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        _engines[url] = engine
    return _engines[url]


def get_engine(app: Flask | None = None) -> Engine:
    app = app or current_app
    return engine_for(app.config["SQLALCHEMY_DATABASE_URI"])


def get_session() -> Session:
    """The request's session; closed at teardown. Services commit where a unit of work ends."""
    if "db_session" not in g:
        g.db_session = Session(get_engine(), expire_on_commit=False)
    return g.db_session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def session_scope(app: Flask | None = None) -> Iterator[Session]:
    """A session outside a request (CLI, Celery tasks); the caller commits."""
    with Session(get_engine(app), expire_on_commit=False) as session:
        yield session


def init_app(app: Flask) -> None:
    get_engine(app)
    app.teardown_appcontext(_close_session)


def lock_row(session: Session, table, row_id: int) -> None:
    """Take the row's write lock for the rest of the transaction, so a check and the write it guards cannot
    interleave with another request doing the same (a count opened twice, a tolerance read twice).

    PostgreSQL: ``SELECT … FOR NO KEY UPDATE``, the lock an ``UPDATE`` of the row takes: it does not wait for
    transactions that only insert rows referring to this one (their foreign-key check holds ``KEY SHARE``), so two
    approvals that each wrote allocations of a lot and then lock it do not deadlock. SQLite has no row locks and
    runs plain reads outside any transaction; a no-op ``UPDATE`` there takes the database's write lock, which every
    other writer waits for.
    """
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(table).where(table.c.id == row_id).values(id=table.c.id))
    else:
        session.execute(select(table.c.id).where(table.c.id == row_id).with_for_update(key_share=True))
