"""How a quantity reads to people, in pages and in the services' messages alike."""
from __future__ import annotations

from decimal import Decimal


def quantity_text(value: Decimal | None, signed: bool = False) -> str:
    """Thousands separators and no trailing zeros: 3,200 and 950.25 rather than 3200.000."""
    if value is None:
        return "—"
    text = f"{value:+,.3f}" if signed else f"{value:,.3f}"
    return text.rstrip("0").rstrip(".")
