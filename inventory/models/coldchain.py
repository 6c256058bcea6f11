"""Cold-chain monitoring (docs/coldchain.md): sensors per facility, their readings (partitioned by month on
PostgreSQL), hourly roll-ups kept beyond the raw readings' retention, the storage class a facility is watched
for with its per-facility rule overrides, and the excursions the detection pass finds."""
from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, ForeignKey, Index, Integer, Numeric, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.types import UTCDateTime

#: monthly partitions of ``reading`` on PostgreSQL are named ``reading_pYYYYMM``; they are created at run time
#: (services/coldchain/storage.py), so they are not in the metadata and the models-vs-migrations test skips them
READING_PARTITION = re.compile(r"^reading_p\d{6}$")


class Sensor(SQLModel, table=True):
    """A probe in a facility (or a vehicle's logger); ``code`` is what a gateway sends as ``sensor``."""

    __tablename__ = "sensor"
    __table_args__ = (UniqueConstraint("facility_id", "code"),
                      CheckConstraint("interval_seconds > 0", name="interval_positive"))
    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    code: str = Field(max_length=64)
    position: str = Field(default="", max_length=128, description="where it hangs: room, shelf, door")
    interval_seconds: int = Field(description="how often it reports; silence is measured in multiples of it")
    active: bool = True
    created_at: datetime = created_at_field()
    created_by: int | None = Field(default=None, foreign_key="user.id")
    #: the latest reading's time, kept by ingest (GREATEST), so the silent-sensor scan reads no readings
    last_reading_at: datetime | None = timestamp_field()
    #: the earliest reading received since the last detection pass: where that pass must look again
    pending_from: datetime | None = timestamp_field()


class Reading(SQLModel, table=True):
    """One sample. No surrogate id: (sensor, time) is the key, so a gateway's resend is ignored, and on
    PostgreSQL the table is ``PARTITION BY RANGE (at)`` (the key includes the partition column)."""

    __tablename__ = "reading"
    __table_args__ = ({"postgresql_partition_by": "RANGE (at)"},)
    sensor_id: int = Field(sa_column=Column(Integer, ForeignKey("sensor.id"), primary_key=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    celsius: Decimal = Field(max_digits=5, decimal_places=2)
    humidity: Decimal | None = Field(default=None, max_digits=5, decimal_places=2)
    lat: Decimal | None = Field(default=None, max_digits=9, decimal_places=6)
    lon: Decimal | None = Field(default=None, max_digits=9, decimal_places=6)


class ReadingHourly(SQLModel, table=True):
    """Hourly min/max/mean per sensor, recomputed from the raw readings; kept when their partition is dropped."""

    __tablename__ = "reading_hourly"
    sensor_id: int = Field(sa_column=Column(Integer, ForeignKey("sensor.id"), primary_key=True))
    hour: datetime = Field(sa_column=Column(UTCDateTime, primary_key=True))
    readings: int
    celsius_min: Decimal = Field(max_digits=5, decimal_places=2)
    celsius_max: Decimal = Field(max_digits=5, decimal_places=2)
    celsius_mean: Decimal = Field(sa_column=Column(Numeric(7, 3), nullable=False))
    humidity_mean: Decimal | None = Field(default=None, sa_column=Column(Numeric(7, 3), nullable=True))


class ColdchainFacility(SQLModel, table=True):
    """The storage class a facility is watched for, when it differs from its kind's default."""

    __tablename__ = "coldchain_facility"
    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", unique=True)
    storage_class: str = Field(max_length=16, description="StorageClass")
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_at: datetime = created_at_field()


class ColdchainRule(SQLModel, table=True):
    """A facility's override of one of its storage class's default rules (same ``code``), or an extra rule."""

    __tablename__ = "coldchain_rule"
    __table_args__ = (UniqueConstraint("facility_id", "code"),
                      CheckConstraint("minutes >= 0", name="minutes_not_negative"),
                      CheckConstraint("window_minutes >= 0", name="window_not_negative"))
    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    code: str = Field(max_length=32)
    metric: str = Field(max_length=16, description="ReadingMetric")
    comparison: str = Field(max_length=16, description="RuleComparison")
    threshold: Decimal = Field(max_digits=6, decimal_places=2)
    minutes: int = Field(description="time out of range that makes an excursion")
    mode: str = Field(max_length=16, description="RuleMode")
    window_minutes: int = Field(default=0, description="cumulative: out-of-range readings this close add up")
    active: bool = True
    note: str = Field(default="", max_length=500)
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_at: datetime = created_at_field()


class Excursion(SQLModel, table=True):
    """A period a facility's readings broke one rule; the rule as applied is copied in, so an excursion still
    reads right after the rule changes. ``ended_at`` is the last out-of-range reading; ``ongoing`` until a
    reading in range follows it."""

    __tablename__ = "excursion"
    __table_args__ = (Index("ix_excursion_facility_rule_start", "facility_id", "rule_code", "started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id")
    rule_code: str = Field(max_length=32)
    storage_class: str = Field(max_length=16)
    metric: str = Field(max_length=16)
    comparison: str = Field(max_length=16)
    threshold: Decimal = Field(max_digits=6, decimal_places=2)
    minutes: int
    mode: str = Field(max_length=16)
    started_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ended_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    ongoing: bool = Field(index=True)
    peak: Decimal = Field(max_digits=6, decimal_places=2)
    duration_seconds: int = Field(description="time out of range as the rule counts it")
    sensors: str = Field(default="", max_length=1000, description="codes of the sensors involved, comma-separated")
    detected_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()
    acknowledged_at: datetime | None = timestamp_field()
    acknowledged_by: int | None = Field(default=None, foreign_key="user.id")
    comment: str = Field(default="", max_length=1000)
    #: when its lots were put on quality hold (once per excursion), and how many
    held_at: datetime | None = timestamp_field()
    held_lots: int = 0


class ExcursionHold(SQLModel, table=True):
    """A lot an excursion put on quality hold, so the lot page names the excursion (docs/coldchain.md, holds)."""

    __tablename__ = "excursion_hold"
    excursion_id: int = Field(sa_column=Column(Integer, ForeignKey("excursion.id"), primary_key=True))
    lot_id: int = Field(sa_column=Column(Integer, ForeignKey("lot.id"), primary_key=True, index=True))
    held_at: datetime = created_at_field()


class DailyCheck(SQLModel, table=True):
    """The keeper's daily check of a cold facility (日检查制度, cold-chain opinions §二(八)1): doors, seals,
    compressor, temperature recorder, with remarks; one per facility and business day."""

    __tablename__ = "daily_check"
    __table_args__ = (UniqueConstraint("facility_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    facility_id: int = Field(foreign_key="facility.id", index=True)
    day: date = Field(description="the business day checked (Asia/Shanghai)")
    doors: bool
    seals: bool
    compressor: bool
    recorder: bool
    remarks: str = Field(default="", max_length=1000)
    checked_by: int = Field(foreign_key="user.id")
    checked_at: datetime = created_at_field()
