"""Sensors registered per facility (docs/coldchain.md, sensors): code, position and expected interval."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from sqlmodel import Session, select

from inventory import scope
from inventory.core.errors import Conflict, Invalid
from inventory.models import Facility, Sensor, User
from inventory.services.audit import trail

CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")
#: one reading a second at most, one a day at least
INTERVAL_RANGE = (1, 86_400)


def register_sensor(*, session: Session, actor: User, facility: Facility, code: str, position: str = "",
                    interval_seconds: int = 60) -> Sensor:
    """Register a sensor of the facility; its code is unique within the facility (409 otherwise)."""
    scope.require(actor, "register", "sensor")
    problems: dict[str, list] = {}
    if not CODE.match(code or ""):
        problems["code"] = [_l("1–64 letters, digits, '.', '_', ':' or '-'")]
    if not INTERVAL_RANGE[0] <= interval_seconds <= INTERVAL_RANGE[1]:
        problems["interval_seconds"] = [_l("between 1 and 86400 seconds")]
    if len(position) > 128:
        problems["position"] = [_l("at most 128 characters")]
    if problems:
        raise Invalid(_l("the sensor is not valid"), fields=problems)
    if session.exec(select(Sensor.id).where(Sensor.facility_id == facility.id, Sensor.code == code)).first():
        raise Conflict(_l("sensor %(code)s exists in this facility", code=code), code="duplicate_code")
    sensor = Sensor(facility_id=facility.id, code=code, position=position, interval_seconds=interval_seconds,
                    created_by=actor.id)
    session.add(sensor)
    session.flush()
    trail.record(session, actor=actor, action="sensor.register", entity="facility", entity_id=facility.id,
                 org_id=facility.enterprise_id,
                 after={"sensor": code, "position": position, "interval_seconds": interval_seconds})
    return sensor


def sensors_of(session: Session, facility_id: int) -> list[Sensor]:
    return list(session.exec(select(Sensor).where(Sensor.facility_id == facility_id).order_by(Sensor.code)))
