"""Districts, organisations, users and API tokens."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field


class District(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name_zh: str = Field(max_length=64)
    name_en: str = Field(max_length=64)
    area: str = Field(max_length=16, description="main_city, county or other (DESIGN §2.2 echelons)")
    population: int = Field(default=0, ge=0, description="resident population, editable data")
    population_year: int | None = Field(default=None, description="the year the population figure is for")
    population_source: str = Field(default="", max_length=255, description="where the figure comes from")


class Organisation(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=128)
    kind: str = Field(max_length=16, index=True)
    domain: str | None = Field(default=None, max_length=32, description="a bureau's remit, e.g. grain, health")
    district_id: int | None = Field(default=None, foreign_key="district.id", index=True)
    active: bool = True
    created_at: datetime = created_at_field()


class User(UserMixin, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(default="", max_length=128)
    org_id: int = Field(foreign_key="organisation.id", index=True)
    role: str = Field(max_length=32)
    password_hash: str = Field(max_length=255)
    active: bool = True
    locale: str | None = Field(default=None, max_length=8)
    created_at: datetime = created_at_field()
    last_login_at: datetime | None = timestamp_field()
    #: bumped on logout, password change and deactivation: every session cookie carrying an older one ends
    session_epoch: int = Field(default=0, sa_column_kwargs={"server_default": "0"})

    @property
    def is_active(self) -> bool:  # Flask-Login reads this
        return self.active


class ApiToken(SQLModel, table=True):
    """Only the SHA-256 of a token is stored: tokens are long random strings, so no slow hash is needed."""

    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    name: str = Field(max_length=64)
    token_hash: str = Field(max_length=64, unique=True)
    prefix: str = Field(max_length=12)
    created_at: datetime = created_at_field()
    last_used_at: datetime | None = timestamp_field()
    revoked_at: datetime | None = timestamp_field()
