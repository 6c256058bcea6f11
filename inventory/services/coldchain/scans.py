"""The cold-chain alert kinds, registered with the alerts interface (docs/coldchain.md, alerts):

- ``temperature_excursion``: an excursion still ongoing (critical) or ended but not acknowledged (warning); before
  looking, the scan runs the detection pass (``prepare``), so ``flask scan temperature`` and the beat task both
  bring excursions up to date first;
- ``sensor_silent``: an active sensor with no reading for ``COLDCHAIN_SILENT_FACTOR`` × its expected interval
  (counted from its registration when it never reported): warning;
- ``daily_check_missing``: a monitored facility (one with an active sensor) without its daily check for a day of
  the last week before ``as_of``, counted from the day its first sensor was registered: warning, one per day;
  recording the check resolves it.
"""
from __future__ import annotations

from datetime import date, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, Select, String, and_, case, cast, exists, func, literal, or_, select, union_all
from sqlmodel import Session

from inventory.core import settings
from inventory.core.clock import business_day_end, business_today, utcnow
from inventory.core.vocab import AlertSeverity
from inventory.models import DailyCheck, Excursion, Facility, Lot, Material, Sensor
from inventory.services.alerts.registry import (
    SUBJECT_LABELS, SUBJECT_NAMES, SUBJECT_PAGES, SUBJECT_PAYLOAD_PAGES, Scan, register,
)
from inventory.services.alerts.sql import payload, spelled
from inventory.services.coldchain import detection, holds


#: a timestamp column as seconds since 1970 (UTC)
epoch_seconds = spelled("epoch_seconds", Integer(), postgresql="CAST(EXTRACT(EPOCH FROM {0}) AS BIGINT)",
                        sqlite="CAST(strftime('%s', {0}) AS INTEGER)")


def _bureau_of(facility_id_column, storage_class_column):
    """The bureau responsible for stock of the class held in the facility, so that bureau sees the alert."""
    return select(func.min(Material.bureau_id)).join(Lot, Lot.material_id == Material.id).where(
        Lot.facility_id == facility_id_column, Lot.on_hand > 0,
        Material.storage_class == storage_class_column).scalar_subquery()


def excursion_open():
    """An excursion still to be dealt with: ongoing, or ended and not acknowledged (the alert's and the overview's
    rule)."""
    return or_(Excursion.ongoing.is_(True), Excursion.acknowledged_at.is_(None))


def sensor_silent_now():
    """An active sensor silent for more than the silent factor × its interval, counted from its registration when
    it never reported (the alert's and the overview's rule)."""
    last = func.coalesce(Sensor.last_reading_at, Sensor.created_at)
    return and_(Sensor.active.is_(True),
                epoch_seconds(last) + Sensor.interval_seconds * settings.sensor_silent_factor()
                < int(utcnow().timestamp()))


def temperature_excursion(session: Session, as_of: date) -> Select:
    """Excursions ongoing, or ended and not yet acknowledged."""
    return select(
        (literal("temperature_excursion:excursion:") + cast(Excursion.id, String)).label("dedup_key"),
        case((Excursion.ongoing.is_(True), AlertSeverity.critical.value),
             else_=AlertSeverity.warning.value).label("severity"),
        literal("excursion").label("subject_type"), Excursion.id.label("subject_id"),
        Facility.enterprise_id.label("enterprise_id"),
        _bureau_of(Excursion.facility_id, Excursion.storage_class).label("bureau_id"),
        Facility.district_id.label("district_id"), Facility.id.label("facility_id"),
        payload(facility=Facility.code, rule=Excursion.rule_code, started_at=cast(Excursion.started_at, String),
                ended_at=cast(Excursion.ended_at, String), ongoing=Excursion.ongoing,
                peak=cast(Excursion.peak, String), duration_seconds=Excursion.duration_seconds,
                sensors=Excursion.sensors).label("payload"),
    ).join(Facility, Facility.id == Excursion.facility_id).where(excursion_open())


def sensor_silent(session: Session, as_of: date) -> Select:
    """Active sensors of active facilities silent for more than the silent factor × their interval."""
    return select(
        (literal("sensor_silent:sensor:") + cast(Sensor.id, String)).label("dedup_key"),
        literal(AlertSeverity.warning.value).label("severity"),
        literal("sensor").label("subject_type"), Sensor.id.label("subject_id"),
        Facility.enterprise_id.label("enterprise_id"), Facility.district_id.label("district_id"),
        Facility.id.label("facility_id"),
        payload(facility=Facility.code, sensor=Sensor.code, position=Sensor.position,
                last_reading_at=cast(Sensor.last_reading_at, String),
                interval_seconds=Sensor.interval_seconds).label("payload"),
    ).join(Facility, Facility.id == Sensor.facility_id).where(Facility.active.is_(True), sensor_silent_now())


#: days back the missing daily checks are looked for
CHECK_LOOKBACK_DAYS = 7


def daily_check_missing(session: Session, as_of: date) -> Select:
    """Monitored facilities without a daily check for each of the last days before ``as_of``. Never later than
    today, as the expiry scan's marking (services/alerts/scans.py ``mark_expired``): a day not yet over owes no
    check. An ``--as-of`` day in the past still resolves the alerts of the days after it, as every kind's does (the
    engine resolves what a run does not see)."""
    as_of = min(as_of, business_today())
    first_sensor = select(func.min(Sensor.created_at)).where(Sensor.facility_id == Facility.id).scalar_subquery()
    parts = []
    for back in range(1, CHECK_LOOKBACK_DAYS + 1):
        day = as_of - timedelta(days=back)
        parts.append(select(
            (literal("daily_check_missing:facility:") + cast(Facility.id, String) + literal(f":{day.isoformat()}"))
            .label("dedup_key"),
            literal(AlertSeverity.warning.value).label("severity"), literal("facility").label("subject_type"),
            Facility.id.label("subject_id"), Facility.enterprise_id.label("enterprise_id"),
            Facility.district_id.label("district_id"), Facility.id.label("facility_id"),
            payload(facility=Facility.code, day=cast(literal(day, Date), String)).label("payload"),
        ).where(Facility.active.is_(True),
                exists(select(Sensor.id).where(Sensor.facility_id == Facility.id, Sensor.active.is_(True))),
                first_sensor < literal(business_day_end(day), Sensor.created_at.type),
                ~exists(select(DailyCheck.id).where(DailyCheck.facility_id == Facility.id, DailyCheck.day == day))))
    return select(union_all(*parts).subquery())


def _detect(session: Session, as_of: date) -> dict[str, int]:
    """Bring excursions up to date, then hold the lots of those that are confirmed; counted apart, as an excursion
    and a held lot are different things."""
    found = detection.detect(session)
    return {"excursions opened or extended": len(found.opened) + found.extended,
            "lots held": holds.hold_for_excursions(session)}


register(Scan("temperature_excursion", _l("Temperature excursion"), temperature_excursion, group="temperature",
              prepare=_detect))
register(Scan("sensor_silent", _l("Sensor silent"), sensor_silent, group="temperature"))
register(Scan("daily_check_missing", _l("Daily check missing"), daily_check_missing, group="temperature"))
SUBJECT_PAGES["excursion"] = ("coldchain.excursion", "excursion_id")
# a facility's and a sensor's alerts link to the facility's temperature page, named by its code
SUBJECT_PAYLOAD_PAGES.update({"facility": ("coldchain.facility", "code", "facility"),
                              "sensor": ("coldchain.facility", "code", "facility")})
SUBJECT_LABELS.update({"excursion": _l("Excursion"), "facility": _l("Facility"), "sensor": _l("Sensor")})
SUBJECT_NAMES.update({"facility": "facility", "sensor": "sensor"})
