"""Keyset pagination for every list, pages and API alike: the cursor is the sort key of the last row shown,
so a deep page costs what the first one does."""
from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import tuple_
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from inventory.core.errors import Invalid

#: the largest value an id column holds; a cursor naming a larger one was not issued here
_MAX_ID = 2_147_483_647


def encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _value(column: ColumnElement, value: Any) -> Any:
    """One position of a cursor, checked against its column's type: a forged cursor is a 422, never a 500."""
    kind = column.type.python_type
    if kind is date and isinstance(value, str):
        return date.fromisoformat(value)
    if kind is int and type(value) is int and abs(value) <= _MAX_ID:
        return value
    raise ValueError(value)


def decode(cursor: str, columns: Sequence[ColumnElement]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode("ascii")))
        if not isinstance(values, list) or len(values) != len(columns):
            raise ValueError(cursor)
        return [_value(column, value) for column, value in zip(columns, values)]
    except (ValueError, UnicodeError, binascii.Error, RecursionError):
        raise Invalid.field("cursor", _l("not a cursor this system issued")) from None


def after(columns: Sequence[ColumnElement], values: Sequence[Any], *, descending: bool = False) -> ColumnElement[bool]:
    """Rows strictly after ``values`` in the order (before them in value when ``descending``): a row-value
    comparison, which both databases answer with an index range scan starting at the cursor (an OR of column
    comparisons makes PostgreSQL walk from the start)."""
    key = columns[0] if len(columns) == 1 else tuple_(*columns)
    position = values[0] if len(columns) == 1 else tuple_(*values)
    return key < position if descending else key > position


def page(session: Session, query, columns: Sequence[ColumnElement], *, limit: int,
         cursor: str | None = None, descending: bool = False) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by ``columns`` (the last one unique): its rows and the next cursor. Ascending
    unless ``descending`` (newest first, when the last column is the id); the API lists stay ascending
    (docs/api.md, "Lists")."""
    if cursor:
        query = query.where(after(columns, decode(cursor, columns), descending=descending))
    order = [column.desc() for column in columns] if descending else list(columns)
    rows = list(session.exec(query.order_by(*order).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode([getattr(rows[-1], c.key) for c in columns]) if more and rows else None
