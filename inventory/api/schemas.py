"""Pydantic schemas shared by API handlers; ``extra='forbid'`` makes unknown fields a 422."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

#: row ids as the databases store them (a larger number can name no row and would overflow the driver)
RowId = Annotated[int, Field(ge=1, le=2_147_483_647)]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail


def decimal_text(value: Decimal | None, places: int = 3) -> str | None:
    """Quantities leave the API as decimal strings with fixed places (API.md: "12.500"), never floats."""
    return None if value is None else str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def iso_or_none(value: date | None) -> str | None:
    return None if value is None else value.isoformat()
