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
    #: ImportKind: receipts (stock) or readings (a cold-chain facility's CSV, docs/coldchain.md)
    kind: str = Field(default="receipts", max_length=16, index=True, sa_column_kwargs={"server_default": "receipts"})
    facility_id: int | None = Field(default=None, foreign_key="facility.id", description="readings: the facility fed")
    filename: str = Field(max_length=255)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    dry_run: bool = True
    status: str = Field(default="queued", max_length=16)
    total_rows: int = 0
    processed_rows: int = 0
    created_lots: int = 0
    #: readings: new readings stored, and valid ones already there (a resent file)
    stored_rows: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    duplicate_rows: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    errors: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    created_at: datetime = created_at_field()
    finished_at: datetime | None = timestamp_field()
