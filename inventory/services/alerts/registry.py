"""The alert scans: each declares its kind and the SELECT of the conditions that hold on a day.

A later domain (blood, cold chain, plans) registers its kinds here, as the stock and workflow kinds do in
``scans.py``; the engine and the pages read only this registry.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel.speaklater import LazyString
from sqlalchemy import Select
from sqlmodel import Session

from inventory.core.errors import Invalid

#: the columns a scan's SELECT yields, labelled so: one row per condition that holds, ``dedup_key`` unique;
#: the scoping columns a kind has no value for (a blood report names no facility) may be left out
CONDITION_COLUMNS = ("dedup_key", "severity", "subject_type", "subject_id", "enterprise_id", "material_id",
                     "bureau_id", "district_id", "facility_id", "category", "payload")

#: (session, as_of) -> the conditions holding on that business day, or None when none can hold
Conditions = Callable[[Session, date], Select | None]
#: (session, as_of) -> a set-based change the scan makes before it looks (the expiry scan marks lots expired):
#: the rows it changed, or their counts by what changed when it changes several things (``flask scan`` prints each)
Prepare = Callable[[Session, date], int | dict[str, int]]


@dataclass(frozen=True)
class Scan:
    kind: str
    label: LazyString
    conditions: Conditions
    #: the ``flask scan`` group it runs in (``expiry``, ``counts``, ``workflows`` …; ``all`` runs every scan)
    group: str
    prepare: Prepare | None = None
    #: kinds that, open or acknowledged on the same subject, mute this kind's deliveries (inhibition)
    inhibited_by: tuple[str, ...] = ()


SCANS: dict[str, Scan] = {}
#: subject type -> the page about it (endpoint, the argument ``subject_id`` is passed as); a subject without
#: a page of its own links to the lot named ``lot_id`` in the payload, if any
SUBJECT_PAGES: dict[str, tuple[str, str]] = {}
#: subject type -> the page about it named by a payload member, not the id (endpoint, argument, payload member):
#: a cold facility's page is named by its code
SUBJECT_PAYLOAD_PAGES: dict[str, tuple[str, str, str]] = {}
#: subject type -> how it reads on the alert pages (a workflow's subjects read as their flow's label)
SUBJECT_LABELS: dict[str, LazyString] = {}
#: subject type -> the payload member naming the subject, shown instead of ``#id`` (a facility's code)
SUBJECT_NAMES: dict[str, str] = {}


def register(scan: Scan) -> Scan:
    if scan.kind in SCANS:
        raise RuntimeError(f"alert kind {scan.kind!r} registered twice")
    SCANS[scan.kind] = scan
    return scan


def scans_named(name: str) -> list[Scan]:
    """A kind, a group of kinds, or ``all``; anything else is a clear 422."""
    if name == "all":
        return list(SCANS.values())
    chosen = [scan for scan in SCANS.values() if name in (scan.kind, scan.group)]
    if not chosen:
        names = sorted({"all", *SCANS, *(scan.group for scan in SCANS.values())})
        raise Invalid.field("scan", f"one of {', '.join(names)}")
    return chosen
