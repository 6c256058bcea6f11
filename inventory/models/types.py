"""Column types. Quantities are NUMERIC(18,3); SQLite has no exact decimal, so there they are stored as
integer thousandths, keeping ``on_hand + :q >= 0`` exact in SQL on both databases (never float)."""
from __future__ import annotations

from datetime import timezone
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.types import TypeDecorator

SCALE = 1000


class Thousandths(TypeDecorator):
    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        return int((Decimal(str(value)) * SCALE).to_integral_value())

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return (Decimal(int(value)) / SCALE).quantize(Decimal("0.001"))


Quantity = Numeric(18, 3).with_variant(Thousandths(), "sqlite")


class UTCDateTime(TypeDecorator):
    """Timestamps stored in UTC and always handed back timezone-aware (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime: use an aware UTC value")
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
