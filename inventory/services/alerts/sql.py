"""The few SQL expressions the scans need that SQLite and PostgreSQL spell differently."""
from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class days_before(FunctionElement):
    """``day - days`` as a date, ``days`` an integer column."""

    type = Date()
    inherit_cache = True


@compiles(days_before, "postgresql")
def _days_before_pg(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"({compiler.process(day, **kw)} - {compiler.process(days, **kw)})"


@compiles(days_before, "sqlite")
def _days_before_sqlite(element, compiler, **kw):
    day, days = list(element.clauses)
    return f"date({compiler.process(day, **kw)}, '-' || {compiler.process(days, **kw)} || ' days')"


class days_between(FunctionElement):
    """Whole days from ``start`` to ``end`` (negative when ``end`` is earlier)."""

    type = Integer()
    inherit_cache = True


@compiles(days_between, "postgresql")
def _days_between_pg(element, compiler, **kw):
    start, end = list(element.clauses)
    return f"({compiler.process(end, **kw)} - {compiler.process(start, **kw)})"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw):
    start, end = list(element.clauses)
    return (f"CAST(julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)}) "
            f"AS INTEGER)")


class json_object(FunctionElement):
    """A JSON object built in SQL from alternating keys and values: an alert's payload."""

    type = JSON()
    inherit_cache = True


@compiles(json_object, "postgresql")
def _json_object_pg(element, compiler, **kw):
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


@compiles(json_object, "sqlite")
def _json_object_sqlite(element, compiler, **kw):
    return f"json_object({compiler.process(element.clauses, **kw)})"


def payload(**fields: Any) -> json_object:
    """``payload(lot_code=Lot.lot_code, …)``: keys are plain literals, values any column expression."""
    args: list[Any] = []
    for key, value in fields.items():
        args += [literal_column(f"'{key}'"), value]
    return json_object(*args)


class json_has(FunctionElement):
    """True when the JSON array ``array`` holds ``value`` (a subscription's filter list holds the alert's)."""

    type = Boolean()
    inherit_cache = True


@compiles(json_has, "postgresql")
def _json_has_pg(element, compiler, **kw):
    array, value = list(element.clauses)
    return f"(CAST({compiler.process(array, **kw)} AS jsonb) @> to_jsonb({compiler.process(value, **kw)}))"


@compiles(json_has, "sqlite")
def _json_has_sqlite(element, compiler, **kw):
    array, value = list(element.clauses)
    return (f"EXISTS (SELECT 1 FROM json_each({compiler.process(array, **kw)}) "
            f"WHERE json_each.value = {compiler.process(value, **kw)})")
