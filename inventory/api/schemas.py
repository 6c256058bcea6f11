"""Pydantic building blocks every API schema shares (docs/api.md "Conventions").

Request bodies forbid unknown fields (a 422 names them); responses are declared per resource in the
handler modules, built from these types so that a quantity, a date or a page reads the same everywhere.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, StrictInt, WithJsonSchema, create_model,
)
from pydantic_core import PydanticUseDefault
from spectree import Response

#: row ids in a body, as the databases store them (a larger number can name no row and would overflow the
#: driver); strict, so ``true`` is not row 1
RowId = Annotated[StrictInt, Field(ge=1, le=2_147_483_647)]
#: the largest quantity a NUMERIC(18,3) column holds, exclusive (services/stock/ledger.py ``quantity``)
QUANTITY_LIMIT = Decimal("1e15")


def _quantity(**bound: Decimal) -> Any:
    """A quantity as a request gives it: a JSON number or a decimal string, at most three places, bounded."""
    (name, limit), = bound.items()
    number = {"type": "number", "exclusiveMaximum": float(QUANTITY_LIMIT),
              {"gt": "exclusiveMinimum", "ge": "minimum"}[name]: float(limit)}
    sign = "-?" if limit < 0 else ""
    text = {"type": "string", "pattern": rf"^{sign}[0-9]{{1,15}}(\.[0-9]{{1,3}})?$", "examples": ["12.5"]}
    return Annotated[Decimal, Field(max_digits=18, decimal_places=3, allow_inf_nan=False, lt=QUANTITY_LIMIT,
                                    **bound), WithJsonSchema({"anyOf": [number, text]}, mode="validation")]


QuantityIn = _quantity(gt=-QUANTITY_LIMIT)
PositiveQuantity = _quantity(gt=Decimal(0))
NonNegativeQuantity = _quantity(ge=Decimal(0))


def _blank_is_default(value: Any) -> Any:
    if isinstance(value, str) and not value.strip():
        raise PydanticUseDefault()
    return value


#: a filter of a query string: blank means "no filter" (docs/api.md). Optional query parameters are typed
#: as their value (``status: LotStatus = None``), not as a union with None: a query string has no null, and
#: a union would name its members in the error's field (``status.none``)
Blank = BeforeValidator(_blank_is_default)


def decimal_text(value: Decimal | None, places: int = 3) -> str | None:
    """Quantities leave the API as decimal strings with fixed places ("12.500"), never floats."""
    return None if value is None else str(Decimal(value).quantize(Decimal(1).scaleb(-places)))


def _fixed(places: int) -> BeforeValidator:
    return BeforeValidator(lambda v: decimal_text(v, places) if isinstance(v, (Decimal, int)) else v)


#: a quantity in a response: a decimal string with three places
Quantity = Annotated[str, _fixed(3), Field(pattern=r"^-?[0-9]+\.[0-9]{3}$", examples=["2498.500"])]
#: a temperature in a response: a decimal string with two places
Temperature = Annotated[str, _fixed(2), Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["-18.00"])]
#: a timestamp in a response: ISO 8601 in UTC with its offset, as ``datetime.isoformat`` writes it
Timestamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str),
                      WithJsonSchema({"type": "string", "format": "date-time"})]


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Out(BaseModel):
    """A response body, read from a row's attributes."""

    model_config = ConfigDict(from_attributes=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorBody(BaseModel):
    """Every failure: ``{"error": {"code", "message", "fields"}}``."""

    error: ErrorDetail


def _no_null_defaults(schema: dict[str, Any]) -> None:
    for prop in schema.get("properties", {}).values():
        if prop.get("default", ...) is None:
            del prop["default"]


class Query(BaseModel):
    """Query parameters: a left-out parameter has no value, so ``None`` is not documented as its default."""

    model_config = ConfigDict(json_schema_extra=_no_null_defaults)


class PageQuery(Query):
    """Keyset paging of every list."""

    limit: int = Field(default=50, ge=1, le=500, description="rows per page")
    cursor: Annotated[str, Blank] = Field(default=None, max_length=512, description="`next_cursor` of the previous page")


def page_of(item: type[BaseModel]) -> type[BaseModel]:
    """``{"items": [item], "next_cursor"}``, named after the item (``LotOutPage``) in the OpenAPI document."""
    return create_model(f"{item.__name__}Page", __base__=Out, items=(list[item], ...),
                        next_cursor=(str | None, Field(description="pass as `cursor` for the next page")))


#: what an operation with a JSON body can answer besides its own errors: bad, too large, wrong type, invalid
BODY = (400, 413, 415, 422)


def errors(*statuses: int, **models: Any) -> Response:
    """The responses of an operation: its success bodies (``HTTP_200=LotOut``) and the error statuses it can
    answer, each with the error shape. Every operation that needs a token can answer 400 (a NUL character,
    an over-long ``X-Request-Id``) and 401; spectree adds 422 to each."""
    codes = {f"HTTP_{status}": ErrorBody for status in (400, 401, *statuses)}
    return Response(**codes, **models)
