"""The keyset paging helper (services/paging.py) in either order: every row once, in order, across pages, on one
column or on a sort key of two (lots by expiry, then id)."""
from __future__ import annotations

import pytest
from sqlmodel import select

from inventory.models import Lot
from inventory.services import paging


def walk(db, columns, *, descending: bool) -> list[tuple]:
    query = select(Lot).where(Lot.expiry_date.is_not(None))
    seen, cursor = [], None
    while True:
        rows, cursor = paging.page(db, query, columns, limit=2, cursor=cursor, descending=descending)
        seen += [tuple(getattr(row, c.key) for c in columns) for row in rows]
        if cursor is None:
            return seen


@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("columns", [[Lot.id], [Lot.expiry_date, Lot.id]], ids=["id", "expiry-id"])
def test_pages_walk_every_row_once_in_the_order_asked(db, columns, descending):
    every = [tuple(getattr(lot, c.key) for c in columns)
             for lot in db.exec(select(Lot).where(Lot.expiry_date.is_not(None)))]
    assert len(every) > 4
    assert walk(db, columns, descending=descending) == sorted(every, reverse=descending)
