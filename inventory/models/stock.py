"""Lots and their append-only movement ledger.

``Lot.on_hand`` is a cache of the sum of the lot's movements, changed only by
``services.ledger.post_movement``; ``last_hash`` and ``movement_count`` chain each new movement to the
previous one (tamper evidence).
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Column, Index, UniqueConstraint, false
from sqlmodel import Field, SQLModel

from inventory.models.base import created_at_field
from inventory.models.types import Quantity, UTCDateTime
from inventory.core.clock import utcnow

QTY = {"sa_type": Quantity}


#: the certificate columns came after lots existed: empty for those
BLANK = {"server_default": ""}


class Lot(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("enterprise_id", "lot_code"),
        CheckConstraint("on_hand >= 0", name="on_hand_not_negative"),
        Index("ix_lot_expiry_order", "expiry_date", "id"),
        Index("ix_lot_enterprise_expiry", "enterprise_id", "expiry_date", "id"),
        Index("ix_lot_material_expiry", "material_id", "expiry_date", "id"),
        Index("ix_lot_facility_expiry", "facility_id", "expiry_date", "id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    lot_code: str = Field(max_length=64)
    material_id: int = Field(foreign_key="material.id")
    facility_id: int = Field(foreign_key="facility.id")
    enterprise_id: int = Field(foreign_key="organisation.id")
    production_date: date | None = None
    expiry_date: date
    received_on: date
    quality_grade: str = Field(default="", max_length=32)
    inspection_result: str = Field(default="", max_length=255)
    status: str = Field(default="available", max_length=16, index=True)
    #: the organisation whose officer placed the current hold: only it (or the enterprise, for its own) lifts it
    held_by_org_id: int | None = Field(default=None, foreign_key="organisation.id")
    #: store room / stack inside the facility (专仓专垛), changed by an audited relocation
    position: str = Field(default="", max_length=64)
    #: traceability and quarantine certificates of cold-chain food, recorded on receipt (cold-chain opinions
    #: §二(八)1 入市查验溯源凭证, §二(八)3 进口冷链食品检验检疫; which classes need them: docs/coldchain.md)
    origin: str = Field(default="", max_length=128, sa_column_kwargs=BLANK,
                        description="where the goods come from (产地)")
    trace_certificate: str = Field(default="", max_length=64, sa_column_kwargs=BLANK,
                                   description="traceability voucher number (溯源凭证)")
    quarantine_certificate: str = Field(default="", max_length=64, sa_column_kwargs=BLANK,
                                        description="quarantine certificate number")
    imported: bool = Field(default=False, sa_column_kwargs={"server_default": false()})
    customs_declaration: str = Field(default="", max_length=64, sa_column_kwargs=BLANK,
                                     description="imported: customs declaration number")
    entry_inspection_certificate: str = Field(default="", max_length=64, sa_column_kwargs=BLANK,
                                              description="imported: entry inspection and quarantine certificate")
    disinfection_certificate: str = Field(default="", max_length=64, sa_column_kwargs=BLANK,
                                          description="imported: nucleic-acid test and disinfection certificate")
    quantity_received: Decimal = Field(default=Decimal("0"), **QTY)
    on_hand: Decimal = Field(default=Decimal("0"), **QTY)
    movement_count: int = 0
    last_hash: str = Field(default="", max_length=64)
    created_at: datetime = created_at_field()


class Movement(SQLModel, table=True):
    #: (ref_type, ref_id): the movements carrying out one instruction, dispatch or request, read per row
    __table_args__ = (UniqueConstraint("lot_id", "seq"), Index("ix_movement_ref", "ref_type", "ref_id"))
    id: int | None = Field(default=None, primary_key=True)
    lot_id: int = Field(foreign_key="lot.id")
    seq: int = Field(description="1, 2, … within the lot")
    kind: str = Field(max_length=24)
    quantity: Decimal = Field(**QTY, description="signed: positive into the lot, negative out")
    on_hand_after: Decimal = Field(**QTY)
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False, index=True))
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    ref_type: str | None = Field(default=None, max_length=32)
    ref_id: int | None = None
    note: str = Field(default="", max_length=500)
    prev_hash: str = Field(default="", max_length=64)
    hash: str = Field(max_length=64)
    #: which ledger key signed ``hash`` (HMAC-SHA256), so keys can rotate
    key_id: str = Field(default="", max_length=32)
