"""Blood reserves (docs/blood.md): the blood station's daily report per group, Rh and component, the emergency
levels proposed from it or declared, the health commission's reports of them, and the administrator's working-day
calendar the level rule counts on."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field
from inventory.models.stock import QTY
from inventory.models.types import UTCDateTime


class BloodReport(SQLModel, table=True):
    """One report per station and business day; a correction replaces its lines and bumps ``revision``
    (the audit trail keeps every earlier version)."""

    __tablename__ = "blood_report"
    __table_args__ = (UniqueConstraint("station_id", "report_date"),)
    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="organisation.id", index=True)
    report_date: date = Field(index=True)
    revision: int = Field(default=1, description="1 when filed, +1 per correction")
    note: str = Field(default="", max_length=500)
    filed_by: int = Field(foreign_key="user.id")
    filed_at: datetime = created_at_field()
    corrected_by: int | None = Field(default=None, foreign_key="user.id")
    corrected_at: datetime | None = timestamp_field()


class BloodReportLine(SQLModel, table=True):
    """Stock of one ABO group, Rh type and component at the end of the day, and what was collected and issued."""

    __tablename__ = "blood_report_line"
    __table_args__ = (
        UniqueConstraint("report_id", "abo_group", "rh", "component"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        CheckConstraint("collected >= 0", name="collected_not_negative"),
        CheckConstraint("issued >= 0", name="issued_not_negative"),
    )
    id: int | None = Field(default=None, primary_key=True)
    report_id: int = Field(foreign_key="blood_report.id", index=True)
    abo_group: str = Field(max_length=2, description="BloodGroup")
    rh: str = Field(max_length=3, description="Rh: pos, neg")
    component: str = Field(max_length=16, description="BloodComponent")
    on_hand: Decimal = Field(**QTY)
    collected: Decimal = Field(**QTY)
    issued: Decimal = Field(**QTY)


class BloodEmergency(SQLModel, table=True):
    """A level: proposed by the system from the reports (IV, III) and confirmed by the health commission, which
    then publishes the warning, or declared by it (II, I) with a reason and the designating document."""

    __tablename__ = "blood_emergency"
    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="organisation.id", index=True)
    level: str = Field(max_length=3, description="EmergencyLevel")
    origin: str = Field(max_length=16, description="EmergencyOrigin: computed, declared")
    status: str = Field(max_length=16, index=True, description="EmergencyStatus: proposed, confirmed")
    basis_date: date = Field(description="the business day the rule was met, or the day it was declared")
    rule: str = Field(default="", max_length=32, description="low_stock or collection_deficit, when computed")
    reason: str = Field(default="", max_length=2000)
    document: str = Field(default="", max_length=255, description="the designating document of a declared level")
    proposed_at: datetime = created_at_field()
    declared_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = timestamp_field()
    confirm_note: str = Field(default="", max_length=500)
    #: set when the emergency is terminated (§五, services/blood/termination.py): until then it stays in force
    ended_at: datetime | None = timestamp_field()


class CalendarDay(SQLModel, table=True):
    """An administrator's ruling on one day, over the library's calendar: working or not."""

    __tablename__ = "calendar_day"
    id: int | None = Field(default=None, primary_key=True)
    day: date = Field(unique=True)
    working: bool
    note: str = Field(default="", max_length=255)
    set_by: int | None = Field(default=None, foreign_key="user.id")
    set_at: datetime = created_at_field()


class CalendarYear(SQLModel, table=True):
    """A year an administrator loaded (its holidays and adjusted working days are ``CalendarDay`` rows), for a
    year the installed calendar library does not know yet."""

    __tablename__ = "calendar_year"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    source: str = Field(default="", max_length=255, description="the State Council notice the days come from")
    loaded_by: int | None = Field(default=None, foreign_key="user.id")
    loaded_at: datetime = created_at_field()


class BloodNotice(SQLModel, table=True):
    """The health commission's report of a level to the city or the province (§三(三)2): who, to whom, when, how.
    The reporting clocks (services/blood/clocks.py) are met by these rows."""

    __tablename__ = "blood_notice"
    id: int | None = Field(default=None, primary_key=True)
    emergency_id: int = Field(foreign_key="blood_emergency.id", index=True)
    recipient: str = Field(max_length=16, description="NoticeRecipient: city, province")
    channel: str = Field(max_length=16, description="NoticeChannel: phone, written")
    reported_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    note: str = Field(default="", max_length=500)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()


class BloodResponse(SQLModel, table=True):
    """A measure of a level's response (blood-supply plan §四) ticked on the emergency's checklist: who, when,
    notes. Once per measure and level; the measures are ``ResponseMeasure``."""

    __tablename__ = "blood_response"
    __table_args__ = (UniqueConstraint("emergency_id", "measure"),)
    id: int | None = Field(default=None, primary_key=True)
    emergency_id: int = Field(foreign_key="blood_emergency.id", index=True)
    measure: str = Field(max_length=16, description="ResponseMeasure")
    note: str = Field(default="", max_length=1000)
    done_by: int = Field(foreign_key="user.id")
    done_at: datetime = created_at_field()


class BloodHandlingUnit(SQLModel, table=True):
    """A temporary blood-handling unit designated in a Level II or I emergency (§六(三)): a medical institution or
    a neighbouring blood station that prepares, tests and stores blood while the station cannot."""

    __tablename__ = "blood_handling_unit"
    id: int | None = Field(default=None, primary_key=True)
    emergency_id: int = Field(foreign_key="blood_emergency.id", index=True)
    name: str = Field(max_length=200)
    kind: str = Field(max_length=16, description="HandlingUnitKind: hospital, station")
    designated_by: str = Field(max_length=16, description="HandlingUnitDesignator: city, province")
    document: str = Field(default="", max_length=255)
    note: str = Field(default="", max_length=500)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()


class BloodClosure(SQLModel, table=True):
    """The end of an emergency (blood-supply plan §五): the expert group's assessment, the termination decided by
    the authority of the level (I: the province; II: the city government or its command; III and IV: the health
    commission), and the post-event review, without which the emergency is not closed. The termination also
    stamps ``BloodEmergency.ended_at``."""

    __tablename__ = "blood_closure"
    id: int | None = Field(default=None, primary_key=True)
    emergency_id: int = Field(foreign_key="blood_emergency.id", unique=True)
    assessment: str = Field(max_length=2000)
    assessed_by: int = Field(foreign_key="user.id")
    assessed_at: datetime = created_at_field()
    authority: str = Field(default="", max_length=24, description="TerminationAuthority, once terminated")
    decision_document: str = Field(default="", max_length=255)
    terminated_by: int | None = Field(default=None, foreign_key="user.id")
    terminated_at: datetime | None = timestamp_field()
    review: str = Field(default="", max_length=4000)
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")
    reviewed_at: datetime | None = timestamp_field()
