"""What the blood page tests share: levels written straight into the table, the page text, a frozen clock."""
from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlmodel import Session

from inventory.core import clock
from inventory.models import BloodEmergency
from tests.blood.helpers import station


def text(response) -> str:
    return response.get_data(as_text=True)


def emergency(db: Session, level: str, *, status: str = "proposed", at: datetime | None = None,
              basis: date | None = None, origin: str = "computed") -> BloodEmergency:
    at = at or clock.utcnow()
    row = BloodEmergency(station_id=station(db).id, level=level, origin=origin, status=status,
                         basis_date=basis or at.date(), rule="low_stock" if origin == "computed" else "",
                         proposed_at=at, confirmed_at=at if status == "confirmed" else None)
    db.add(row)
    db.commit()
    return row


def freeze(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    """The pages read the time through ``inventory.core.clock.utcnow``: fix it at ``moment``."""
    monkeypatch.setattr(clock, "utcnow", lambda: moment)


def cell(page: str, row_marker: str, cls: str) -> str:
    """The text of the ``cls`` cell in the row whose opening tag holds ``row_marker``."""
    row = page[page.index(row_marker):]
    row = row[:row.index("</tr>")]
    found = re.search(rf'class="[^"]*{cls}[^"]*">([^<]*)<', row)
    return found.group(1).strip() if found else ""
