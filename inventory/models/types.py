"""Column types. Quantities are NUMERIC(18,3); SQLite has no exact decimal, so there they are stored as
integer thousandths, keeping ``on_hand + :q >= 0`` exact in SQL on both databases (never float)."""
from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Numeric
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
