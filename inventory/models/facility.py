"""Depots and cold-chain facilities of a storage enterprise, with their safety systems (§二(六)3)."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field
from inventory.models.types import Quantity


class Facility(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    kind: str = Field(max_length=24)
    address: str = Field(default="", max_length=255)
    temp_min: Decimal | None = Field(default=None, max_digits=6, decimal_places=2)
    temp_max: Decimal | None = Field(default=None, max_digits=6, decimal_places=2)
    capacity: Decimal | None = Field(default=None, sa_type=Quantity)
    capacity_unit: str = Field(default="", max_length=16)
    fire_safety: bool = False
    fire_checked_on: date | None = None
    theft_safety: bool = False
    theft_checked_on: date | None = None
    flood_safety: bool = False
    flood_checked_on: date | None = None
    #: the enterprise user responsible for the facility (专人保管)
    keeper_id: int | None = Field(default=None, foreign_key="user.id")
    #: the material categories this facility is declared to store, comma-separated (until contracts say so)
    categories: str = Field(default="", max_length=255)
    active: bool = True
    created_at: datetime = created_at_field()
