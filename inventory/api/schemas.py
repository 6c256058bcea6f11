"""Pydantic schemas shared by API handlers; ``extra='forbid'`` makes unknown fields a 422."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class StrictBody(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorDetail(BaseModel):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class ErrorBody(BaseModel):
    error: ErrorDetail
