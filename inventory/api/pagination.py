"""Keyset pagination: the cursor is the sort key of the last row, so deep pages stay fast."""
from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from flask import request
from sqlalchemy import tuple_
from sqlalchemy.sql.elements import ColumnElement

from inventory.db import get_session
from inventory.core.errors import Invalid

DEFAULT_LIMIT, MAX_LIMIT = 50, 500


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode()


def _decode(cursor: str, columns: Sequence[ColumnElement]) -> list[Any]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (ValueError, UnicodeDecodeError):
        raise Invalid.field("cursor", "not a cursor this API issued") from None
    if not isinstance(values, list) or len(values) != len(columns):
        raise Invalid.field("cursor", "not a cursor this API issued")
    decoded = []
    for column, value in zip(columns, values):
        if value is not None and column.type.python_type is date:
            value = date.fromisoformat(value)
        decoded.append(value)
    return decoded


def _after(columns: Sequence[ColumnElement], values: Sequence[Any]) -> ColumnElement[bool]:
    """Rows strictly after ``values``: a row-value comparison, which both databases answer with an index
    range scan starting at the cursor (an OR of column comparisons makes PostgreSQL walk from the start)."""
    if len(columns) == 1:
        return columns[0] > values[0]
    return tuple_(*columns) > tuple_(*values)


def limit_arg() -> int:
    raw = request.args.get("limit", str(DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid.field("limit", f"a whole number from 1 to {MAX_LIMIT}")
    return int(raw)


def page(query, columns: Sequence[ColumnElement], render: Callable[[Any], dict]) -> dict:
    """Run ``query`` ordered by ``columns`` (the last one unique) and render one page."""
    limit = limit_arg()
    cursor = request.args.get("cursor")
    if cursor:
        query = query.where(_after(columns, _decode(cursor, columns)))
    rows = list(get_session().exec(query.order_by(*columns).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more and rows:
        last = rows[-1]
        next_cursor = _encode([getattr(last, c.key) for c in columns])
    return {"items": [render(r) for r in rows], "next_cursor": next_cursor}
