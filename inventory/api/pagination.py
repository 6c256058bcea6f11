"""Keyset pagination of every API list, through the one paging helper pages use too (services/paging.py)."""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.sql.elements import ColumnElement

from inventory.api.schemas import PageQuery
from inventory.db import get_session
from inventory.services import paging


def page(query, columns: Sequence[ColumnElement], params: PageQuery) -> tuple[list[Any], str | None]:
    """One page of ``query`` ordered by ``columns`` (the last one unique): its rows and the next cursor."""
    return paging.page(get_session(), query, columns, limit=params.limit, cursor=params.cursor)
