"""Emergency donor teams, emergency collection points and donation drills (blood-supply plan §六(一), §六(二),
§六(七)2; docs/blood.md, "Donor teams").

A donor's name and phone number are personal data: they are stored only as Fernet tokens
(services/blood/donor_vault.py), never in clear, with a keyed hash of the phone to find a second registration. The echelon is not stored: it follows from the district's area.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field, timestamp_field


class BloodDonor(SQLModel, table=True):
    """A volunteer of an emergency donor team, confirmed once a year."""

    __tablename__ = "blood_donor"
    id: int | None = Field(default=None, primary_key=True)
    name_token: str = Field(max_length=512, description="the name, Fernet-encrypted")
    phone_token: str = Field(max_length=512, description="the phone number, Fernet-encrypted")
    #: one donor per phone: the unique constraint decides between two registrations at once
    phone_hash: str = Field(max_length=64, unique=True,
                            description="HMAC-SHA256 of the normalised phone, keyed outside the database")
    unit: str = Field(max_length=128, description="the donor's employer or organisation")
    district_id: int = Field(foreign_key="district.id", index=True)
    abo_group: str = Field(max_length=2, description="BloodGroup")
    rh: str = Field(max_length=3, description="Rh: pos, neg")
    group_donor: bool = Field(description="recruited through a unit (团体献血)")
    last_confirmed_on: date = Field(index=True)
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()
    confirmed_by: int | None = Field(default=None, foreign_key="user.id")
    confirmed_at: datetime | None = timestamp_field()


class DonorFiling(SQLModel, table=True):
    """The year's filing of the register with the command's office (指挥部办公室备案), once per year."""

    __tablename__ = "blood_donor_filing"
    id: int | None = Field(default=None, primary_key=True)
    year: int = Field(unique=True)
    filed_on: date
    reference: str = Field(max_length=128, description="the office's reference of the filing")
    note: str = Field(default="", max_length=500)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()


class CollectionPoint(SQLModel, table=True):
    """A preset emergency collection point in a crowded place, started when needed."""

    __tablename__ = "blood_collection_point"
    __table_args__ = (CheckConstraint("capacity > 0", name="capacity_positive"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=128)
    address: str = Field(max_length=255)
    district_id: int = Field(foreign_key="district.id", index=True)
    capacity: int = Field(description="donors it can take a day")
    active: bool = True
    created_by: int = Field(foreign_key="user.id")
    created_at: datetime = created_at_field()


class DonationDrill(SQLModel, table=True):
    """An emergency-donation drill held (at least one a year)."""

    __tablename__ = "blood_donation_drill"
    __table_args__ = (CheckConstraint("participants >= 0", name="participants_not_negative"),)
    id: int | None = Field(default=None, primary_key=True)
    held_on: date = Field(index=True)
    participants: int
    notes: str = Field(default="", max_length=2000)
    recorded_by: int = Field(foreign_key="user.id")
    recorded_at: datetime = created_at_field()
