"""Small builders for stock rows, through the services (so receipts go through the ledger)."""
from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from itertools import count

from sqlmodel import Session

from inventory.models import Lot
from inventory.services import lots
from inventory.timeutil import business_today
from tests.conftest import user_named

_codes = count(1)


def receive(session: Session, *, clerk: str = "clerk", material: str = "WHEAT", facility: str = "GR-01",
            quantity: str = "100", expiry: date | None = None, lot_code: str | None = None) -> Lot:
    receipt = lots.Receipt(material=material, facility=facility, lot_code=lot_code or f"T-{next(_codes)}",
                           quantity=Decimal(quantity),
                           expiry_date=expiry or business_today() + timedelta(days=365))
    lot = lots.receive_lot(session=session, actor=user_named(session, clerk), receipt=receipt)
    session.commit()
    return lot
