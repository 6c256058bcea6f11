"""The few SQL expressions the scans need that SQLite and PostgreSQL spell differently, each declared once with
both spellings (``spelled``)."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import JSON, Boolean, Date, Integer, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeEngine


def _compiled(template: str) -> Callable[..., str]:
    def compile_(element, compiler, **kw) -> str:
        args = [compiler.process(clause, **kw) for clause in element.clauses]
        return template.format(*args, args=", ".join(args))
    return compile_


def spelled(name: str, result: TypeEngine, *, postgresql: str, sqlite: str, doc: str = "") -> type[FunctionElement]:
    """A SQL function of ``result`` type written per database: in each template ``{0}``, ``{1}``… stand for the
    compiled arguments and ``{args}`` for all of them, comma-separated."""
    function = type(name, (FunctionElement,), {"type": result, "inherit_cache": True, "__doc__": doc})
    compiles(function, "postgresql")(_compiled(postgresql))
    compiles(function, "sqlite")(_compiled(sqlite))
    return function


days_before = spelled("days_before", Date(), doc="``day - days`` as a date, ``days`` an integer column.",
                      postgresql="({0} - {1})", sqlite="date({0}, '-' || {1} || ' days')")

days_between = spelled("days_between", Integer(),
                       doc="Whole days from ``start`` to ``end`` (negative when ``end`` is earlier).",
                       postgresql="({1} - {0})", sqlite="CAST(julianday({1}) - julianday({0}) AS INTEGER)")

json_object = spelled("json_object", JSON(), doc="A JSON object built in SQL from alternating keys and values.",
                      postgresql="json_build_object({args})", sqlite="json_object({args})")

json_has = spelled("json_has", Boolean(),
                   doc="True when the JSON array holds the value (a subscription's filter list holds the alert's).",
                   postgresql="(CAST({0} AS jsonb) @> to_jsonb({1}))",
                   sqlite="EXISTS (SELECT 1 FROM json_each({0}) WHERE json_each.value = {1})")


def payload(**fields: Any) -> FunctionElement:
    """``payload(lot_code=Lot.lot_code, …)``: an alert's payload as a JSON object; keys are plain literals, values
    any column expression."""
    args: list[Any] = []
    for key, value in fields.items():
        args += [literal_column(f"'{key}'"), value]
    return json_object(*args)
