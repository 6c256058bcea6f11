"""The reserve catalogue (目录管理, reserve-materials-measures §二(二))."""
from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field


class Material(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=128)
    name_en: str = Field(default="", max_length=128)
    category: str = Field(max_length=32, index=True)
    unit: str = Field(max_length=16)
    shelf_life_days: int = Field(gt=0)
    storage_class: str = Field(max_length=16)
    policy: str = Field(max_length=8, description="rotate (常态化轮换) or scrap (报废)")
    rotation_lead_days: int = Field(default=30, ge=0)
    bureau_id: int = Field(foreign_key="organisation.id", index=True)
    active: bool = True
    created_at: datetime = created_at_field()
