"""What tests share besides fixtures: the test database and broker settings, look-ups and row builders."""
from __future__ import annotations

import os
import tempfile
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path

from sqlalchemy import func
from sqlmodel import Session, select

from inventory.core.clock import business_today
from inventory.models import Lot, Organisation, User
from inventory.services.coldchain import traceability
from inventory.services.stock import catalogue, lots

TMP = Path(tempfile.mkdtemp(prefix="reserve-tests-"))
DATABASE_URL = os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{TMP / 'test.sqlite3'}"
REDIS_URL = os.environ.get("TEST_REDIS_URL")
IS_POSTGRES = DATABASE_URL.startswith("postgresql")


def filesystem_broker(folder: Path) -> dict:
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return {
        "broker_url": "files://",
        "broker_transport_options": {
            "data_folder_in": str(folder / "queue"), "data_folder_out": str(folder / "queue"),
            "processed_folder": str(folder / "processed"), "control_folder": str(folder / "control"),
            "store_processed": False, "polling_interval": 0.05,
        },
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "task_acks_late": True,
        "worker_prefetch_multiplier": 1,
    }


def make_config(**overrides) -> dict:
    base = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": DATABASE_URL,
        "WTF_CSRF_ENABLED": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_COST": 64,
        "CELERY": filesystem_broker(TMP / "broker"),
        "BROKER_HEALTH_TIMEOUT": 0.5,
        "SERVER_NAME": None,
        # evidence and photos the tests upload stay in the run's temporary folder, not the checkout's instance
        "ATTACHMENTS_FOLDER": str(TMP / "attachments"),
        "INSPECTION_FILES_DIR": str(TMP / "inspection-files"),
    }
    base.update(overrides)
    return base


def user_named(session: Session, username: str) -> User:
    return session.exec(select(User).where(User.username == username)).one()


def org_coded(session: Session, code: str) -> Organisation:
    return session.exec(select(Organisation).where(Organisation.code == code)).one()


def count_rows(session: Session, model) -> int:
    session.expire_all()
    return session.exec(select(func.count()).select_from(model)).one()


def assert_error(response, status: int, code: str) -> dict:
    """The API error shape with this status and code; returns the error object."""
    assert response.status_code == status, response.get_json()
    body = response.get_json()
    assert set(body) == {"error"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    return body["error"]


_codes = count(1)


#: domestic certificates that satisfy every class (docs/coldchain.md, traceability: §二(八)1)
DOMESTIC_CERTIFICATES = traceability.Certificates(origin="河北省廊坊市", trace_certificate="SY-TEST-0001",
                                                  quarantine_certificate="DJ-TEST-0001")


def certificates_for(session: Session, material: str) -> traceability.Certificates:
    """What a test receipt of ``material`` carries: the domestic certificates where the material needs them."""
    needed = traceability.required(catalogue.material_by_code(session, material), imported=False)
    return DOMESTIC_CERTIFICATES if needed else traceability.Certificates()


def receive(session: Session, *, clerk: str = "clerk", material: str = "WHEAT", facility: str = "GR-01",
            quantity: str = "100", expiry: date | None = None, lot_code: str | None = None) -> Lot:
    """A lot received through the services, so its receipt goes through the ledger (cold-chain food with its
    certificates)."""
    receipt = lots.Receipt(material=material, facility=facility, lot_code=lot_code or f"T-{next(_codes)}",
                           quantity=Decimal(quantity),
                           expiry_date=expiry or business_today() + timedelta(days=365),
                           certificates=certificates_for(session, material))
    lot = lots.receive_lot(session=session, actor=user_named(session, clerk), receipt=receipt)
    session.commit()
    return lot
