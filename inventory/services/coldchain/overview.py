"""The cold-chain overview (docs/coldchain.md, overview page): every cold facility the reader may see with what
needs attention now — open excursions, silent sensors, today's daily check, lots on quality hold — each counted
by the same rule as its alert (services/coldchain/scans.py), in one grouped query per measure, not per facility.

A cold facility is one watched for another storage class than ambient: its kind's default (a cold store, a
pre-cooling room, a refrigerated vehicle …) or the class a bureau chose for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from inventory import scope
from inventory.core.clock import business_today
from inventory.core.vocab import LotStatus, StorageClass
from inventory.models import ColdchainFacility, DailyCheck, Excursion, Facility, Lot, Organisation, Sensor, User
from inventory.services.coldchain import rules, scans


@dataclass(frozen=True)
class FacilityState:
    facility: Facility
    enterprise: Organisation
    storage_class: str
    #: active sensors, and those of them silent past the silent limit (``sensor_silent``)
    sensors: int
    silent: int
    #: excursions ongoing or not yet acknowledged (``temperature_excursion``), and whether one is ongoing
    open_excursions: int
    ongoing: bool
    #: whether today's daily check is recorded (日检查制度, §二(八)1)
    checked_today: bool
    #: lots in the facility on quality hold, of those the reader may see
    held_lots: int

    @property
    def needs_attention(self) -> bool:
        return bool(self.open_excursions or self.silent or not self.checked_today or self.held_lots)


def _counts(session: Session, query) -> dict[int, int]:
    return {facility_id: count for facility_id, count in session.exec(query)}


def cold_facilities(session: Session, actor: User) -> list[FacilityState]:
    """The active cold facilities ``actor`` sees (``scope.coldchain.coldchain_facilities_query``: an enterprise its
    own, bureaus and city-wide roles all), by code, with their state now."""
    visible = scope.coldchain.coldchain_facilities_query(session, actor)
    rows = session.execute(visible.add_columns(ColdchainFacility.storage_class, Organisation)
                        .outerjoin(ColdchainFacility, ColdchainFacility.facility_id == Facility.id)
                        .join(Organisation, Organisation.id == Facility.enterprise_id)
                        .where(Facility.active.is_(True)).order_by(Facility.code)).all()
    cold = [(facility, chosen or rules.KIND_CLASS.get(facility.kind, StorageClass.ambient), enterprise)
            for facility, chosen, enterprise in rows]
    cold = [row for row in cold if row[1] != StorageClass.ambient]
    if not cold:
        return []
    ids = [facility.id for facility, _, _ in cold]
    sensors = _counts(session, select(Sensor.facility_id, func.count()).where(
        Sensor.facility_id.in_(ids), Sensor.active.is_(True)).group_by(Sensor.facility_id))
    silent = _counts(session, select(Sensor.facility_id, func.count()).where(
        Sensor.facility_id.in_(ids), scans.sensor_silent_now()).group_by(Sensor.facility_id))
    excursions = _counts(session, select(Excursion.facility_id, func.count()).where(
        Excursion.facility_id.in_(ids), scans.excursion_open()).group_by(Excursion.facility_id))
    ongoing = set(session.exec(select(Excursion.facility_id).where(
        Excursion.facility_id.in_(ids), Excursion.ongoing.is_(True)).distinct()))
    checked = set(session.exec(select(DailyCheck.facility_id).where(
        DailyCheck.facility_id.in_(ids), DailyCheck.day == business_today())))
    held = _counts(session, select(Lot.facility_id, func.count()).where(
        Lot.facility_id.in_(ids), Lot.status == LotStatus.quality_hold, scope.lot_filter(session, actor))
        .group_by(Lot.facility_id))
    return [FacilityState(facility=facility, enterprise=enterprise, storage_class=storage_class,
                          sensors=sensors.get(facility.id, 0), silent=silent.get(facility.id, 0),
                          open_excursions=excursions.get(facility.id, 0), ongoing=facility.id in ongoing,
                          checked_today=facility.id in checked, held_lots=held.get(facility.id, 0))
            for facility, storage_class, enterprise in cold]
