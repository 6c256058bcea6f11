"""Receipt imports run as background jobs; the row keeps the file and the progress the page polls."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, LargeBinary
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field


class ImportJob(SQLModel, table=True):
    __tablename__ = "import_job"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    enterprise_id: int = Field(foreign_key="organisation.id", index=True)
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    dry_run: bool = True
    status: str = Field(default="queued", max_length=16)
    total_rows: int = 0
    processed_rows: int = 0
    created_lots: int = 0
    errors: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = created_at_field()
    finished_at: datetime | None = timestamp_field()
