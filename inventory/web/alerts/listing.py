"""Keyset paging of the newest-first lists (notifications, deliveries), with the cursors of services/paging.py."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session

from inventory.services import paging


def newest_first(session: Session, query, column: ColumnElement, key: Callable[[Any], int], *, limit: int,
                 cursor: str | None) -> tuple[list[Any], str | None]:
    """One page of ``query`` (already ordered by ``column`` descending, ``column`` unique): the rows and the
    cursor of the next page; ``key`` reads ``column``'s value from a row."""
    if cursor:
        query = query.where(column < paging.decode(cursor, [column])[0])
    rows = list(session.exec(query.limit(limit + 1)).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, paging.encode([key(rows[-1])]) if more and rows else None
