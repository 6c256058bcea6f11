"""Finding excursions (docs/coldchain.md, excursions): one set-based SQL pass over the readings, gaps and islands
with window functions, never a Python loop over readings.

1. The facilities with readings received since the last pass (``sensor.pending_from``) are scanned from that
   point back by the longest rule duration and window and the silence gap, and back to the start of any stored
   excursion still reaching that far (so late readings extend it from its true start).
2. Their effective rules go into a temporary table; one query flags each reading in or out of range per rule and
   numbers the islands: ``consecutive`` — runs of out-of-range readings of one sensor, broken by a reading in range
   or by silence longer than that sensor's silent limit (``COLDCHAIN_SILENT_FACTOR`` × its interval, the
   ``sensor_silent`` alert's; a shorter quiet spell does not end an excursion); ``cumulative`` — out-of-range readings less than the rule's window
   apart. Islands long enough (span, or count × expected interval) are merged across a facility's sensors where
   they overlap, again as islands over (start, running maximum end).
3. The few resulting excursions are reconciled with the stored ones: an overlapping stored excursion of the same
   rule is extended (start, end, peak, sensors) and re-opened when it is ongoing again; others are inserted.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import Column, Float, Integer, MetaData, Numeric, String, Table, text
from sqlmodel import Session, select

from inventory import scope
from inventory.core import settings
from inventory.core.clock import utcnow
from inventory.core.errors import Conflict, Invalid
from inventory.core.vocab import ReadingMetric, RuleComparison, RuleMode
from inventory.models import Excursion, Facility, Sensor, User
from inventory.models.types import UTCDateTime
from inventory.services.audit import trail
from inventory.services.coldchain import rules as rulebook

RUN = Table("coldchain_rule_run", MetaData(),
            Column("rule_no", Integer), Column("facility_id", Integer), Column("rule_code", String(32)),
            Column("comparison", String(16)), Column("mode", String(16)), Column("cmp", Integer),
            Column("humidity", Integer), Column("cumulative", Integer), Column("threshold", Numeric(6, 2)),
            Column("min_seconds", Integer), Column("window_seconds", Integer), Column("silent_factor", Float),
            Column("scan_from", UTCDateTime))

_CREATE_RUN = ("CREATE TEMPORARY TABLE IF NOT EXISTS coldchain_rule_run (rule_no integer, facility_id integer, "
               "rule_code varchar(32), comparison varchar(16), mode varchar(16), cmp integer, humidity integer, "
               "cumulative integer, threshold numeric(6,2), min_seconds integer, window_seconds integer, "
               "silent_factor float, scan_from {ts})")
#: the comparison as the pass tests it: 1 >, 2 ≥, 3 <, 4 ≤
CMP = {RuleComparison.above: 1, RuleComparison.at_or_above: 2, RuleComparison.below: 3, RuleComparison.at_or_below: 4}

#: the pass, with ``{t}`` the reading's time in seconds and ``{sensors}`` the sensors' codes joined by commas.
#: Rows stay narrow (ids, time, value); over all rows only one sort and two windows run (consecutive runs), the
#: cumulative islands are numbered over the out-of-range rows alone, and "ongoing" (no later reading) is looked
#: up in the index for the few islands found.
PASS = """
WITH r0 AS (
    SELECT rd.sensor_id, ru.rule_no, rd.at, {t} AS t, s.interval_seconds AS interval_s, ru.cmp, ru.threshold,
           ru.cumulative, ru.min_seconds, ru.window_seconds,
           s.interval_seconds * ru.silent_factor AS gap_seconds,
           CASE WHEN ru.humidity = 1 THEN rd.humidity ELSE rd.celsius END AS v
    FROM coldchain_rule_run ru
    JOIN sensor s ON s.facility_id = ru.facility_id
    JOIN reading rd ON rd.sensor_id = s.id AND rd.at >= ru.scan_from
),
r AS (
    SELECT r0.*, CASE cmp WHEN 1 THEN v > threshold WHEN 2 THEN v >= threshold WHEN 3 THEN v < threshold
                          ELSE v <= threshold END AS o
    FROM r0 WHERE v IS NOT NULL
),
w1 AS (
    SELECT r.*, LAG(o) OVER w AS prev_o, LAG(t) OVER w AS prev_t
    FROM r WINDOW w AS (PARTITION BY sensor_id, rule_no ORDER BY at)
),
w2 AS (
    SELECT w1.*, SUM(CASE WHEN o AND (prev_o IS NULL OR NOT prev_o OR t - prev_t > gap_seconds) THEN 1 ELSE 0 END)
                 OVER (PARTITION BY sensor_id, rule_no ORDER BY at ROWS UNBOUNDED PRECEDING) AS run_no
    FROM w1
),
outs AS (
    SELECT sensor_id, rule_no, at, t, v, interval_s, cumulative, min_seconds, window_seconds, run_no,
           LAG(t) OVER (PARTITION BY sensor_id, rule_no ORDER BY at) AS prev_out_t
    FROM w2 WHERE o
),
islands AS (
    SELECT outs.*, CASE WHEN cumulative = 1
                        THEN SUM(CASE WHEN prev_out_t IS NULL OR t - prev_out_t > window_seconds THEN 1 ELSE 0 END)
                             OVER (PARTITION BY sensor_id, rule_no ORDER BY at ROWS UNBOUNDED PRECEDING)
                        ELSE run_no END AS island
    FROM outs
),
q AS (
    SELECT sensor_id, rule_no, MIN(at) AS started_at, MAX(at) AS ended_at, MIN(t) AS start_t, MAX(t) AS end_t,
           CASE WHEN MAX(cumulative) = 1 THEN COUNT(*) * MAX(interval_s) ELSE MAX(t) - MIN(t) END AS counted,
           MAX(v) AS vmax, MIN(v) AS vmin
    FROM islands
    GROUP BY sensor_id, rule_no, island
    HAVING CASE WHEN MAX(cumulative) = 1 THEN COUNT(*) * MAX(interval_s) ELSE MAX(t) - MIN(t) END
           >= MAX(min_seconds)
),
qo AS (
    SELECT q.*, CASE WHEN EXISTS (
               SELECT 1 FROM reading rn JOIN coldchain_rule_run rr ON rr.rule_no = q.rule_no
               WHERE rn.sensor_id = q.sensor_id AND rn.at > q.ended_at AND (rr.humidity = 0 OR rn.humidity IS NOT NULL))
           THEN 0 ELSE 1 END AS ongoing
    FROM q
),
m AS (
    SELECT qo.*, MAX(end_t) OVER (PARTITION BY rule_no ORDER BY start_t, end_t
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM qo
),
g AS (
    SELECT m.*, SUM(CASE WHEN prev_end IS NULL OR start_t > prev_end THEN 1 ELSE 0 END)
               OVER (PARTITION BY rule_no ORDER BY start_t, end_t ROWS UNBOUNDED PRECEDING) AS grp
    FROM m
)
SELECT ru.facility_id, ru.rule_code, ru.comparison, ru.mode, MIN(g.started_at) AS started_at,
       MAX(g.ended_at) AS ended_at, MAX(g.vmax) AS vmax, MIN(g.vmin) AS vmin, MAX(g.counted) AS counted,
       MAX(g.end_t) - MIN(g.start_t) AS span, MAX(g.ongoing) AS ongoing, {sensors} AS sensors
FROM g JOIN coldchain_rule_run ru ON ru.rule_no = g.rule_no JOIN sensor s ON s.id = g.sensor_id
GROUP BY ru.facility_id, ru.rule_code, ru.comparison, ru.mode, g.rule_no, g.grp
ORDER BY ru.facility_id, ru.rule_code, MIN(g.start_t)
"""

DIALECT = {
    "postgresql": {"t": "date_part('epoch', rd.at)", "sensors": "string_agg(DISTINCT s.code, ',')",
                   "ts": "timestamptz"},
    "sqlite": {"t": "CAST(strftime('%s', rd.at) AS INTEGER)", "sensors": "group_concat(DISTINCT s.code)",
               "ts": "datetime"},
}


@dataclass(frozen=True)
class Found:
    facility_id: int
    rule_code: str
    started_at: datetime
    ended_at: datetime
    peak: Decimal
    duration_seconds: int
    ongoing: bool
    sensors: tuple[str, ...]


@dataclass(frozen=True)
class PassResult:
    facilities: int
    found: int
    opened: list[int]
    extended: int


def _as_utc(value) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def run_query(session: Session) -> list[Found]:
    """The SQL pass over what ``coldchain_rule_run`` holds (the benchmark times this alone)."""
    words = DIALECT[session.get_bind().dialect.name]
    rows = session.execute(text(PASS.format(t=words["t"], sensors=words["sensors"]))).mappings().all()
    found = []
    for row in rows:
        high = RuleComparison(row["comparison"]).high
        counted = row["counted"] if row["mode"] == RuleMode.cumulative else row["span"]
        found.append(Found(row["facility_id"], row["rule_code"], _as_utc(row["started_at"]),
                           _as_utc(row["ended_at"]), Decimal(str(row["vmax"] if high else row["vmin"])),
                           int(round(float(counted))), bool(row["ongoing"]),
                           tuple(sorted(set((row["sensors"] or "").split(",")) - {""}))))
    return found


def prepare_run(session: Session, plans: list[dict]) -> None:
    """Fill the temporary rule table of this transaction's pass."""
    words = DIALECT[session.get_bind().dialect.name]
    session.execute(text(_CREATE_RUN.format(ts=words["ts"])))
    session.execute(text("DELETE FROM coldchain_rule_run"))
    if plans:
        session.execute(RUN.insert(), plans)


def _plans(session: Session, pending: dict[int, datetime]) -> tuple[list[dict], dict[int, dict]]:
    """For each facility with pending readings: one row per effective rule and the point to scan from."""
    factor = settings.sensor_silent_factor()
    plans, meta = [], {}
    facilities = session.exec(select(Facility).where(Facility.id.in_(pending))).all()
    longest_interval = dict(session.execute(
        select(Sensor.facility_id, Sensor.interval_seconds).where(Sensor.facility_id.in_(pending))
        .order_by(Sensor.interval_seconds)).all())
    for facility in facilities:
        storage_class, rules = rulebook.effective_rules(session, facility)
        if not rules:
            continue
        gap = factor * longest_interval.get(facility.id, 60)
        lookback = timedelta(minutes=max(r.minutes + r.window_minutes for r in rules), seconds=gap)
        scan_from = pending[facility.id] - lookback
        reaching = session.execute(select(Excursion.started_at).where(
            Excursion.facility_id == facility.id, Excursion.ended_at >= scan_from)
            .order_by(Excursion.started_at)).scalars().first()
        if reaching is not None and reaching < scan_from:
            scan_from = reaching
        meta[facility.id] = {"storage_class": storage_class, "rules": {r.code: r for r in rules}}
        for rule in rules:
            plans.append({"rule_no": len(plans) + 1, "facility_id": facility.id, "rule_code": rule.code,
                          "comparison": rule.comparison, "mode": rule.mode, "cmp": CMP[RuleComparison(rule.comparison)],
                          "humidity": int(rule.metric == ReadingMetric.humidity),
                          "cumulative": int(rule.mode == RuleMode.cumulative), "threshold": rule.threshold,
                          "min_seconds": rule.minutes * 60, "window_seconds": rule.window_minutes * 60,
                          "silent_factor": factor, "scan_from": scan_from})
    return plans, meta


def _pending(session: Session) -> dict[int, datetime]:
    """Facility -> earliest pending reading; the sensor rows are locked (PostgreSQL) so an ingest committing
    meanwhile marks its readings pending again after this pass instead of being cleared unseen."""
    query = select(Sensor.id, Sensor.facility_id, Sensor.pending_from).where(Sensor.pending_from.is_not(None))
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update()
    pending: dict[int, datetime] = {}
    for _sensor_id, facility_id, since in session.execute(query).all():
        since = _as_utc(since)
        pending[facility_id] = min(pending.get(facility_id, since), since)
    return pending


def detect(session: Session, *, now: datetime | None = None) -> PassResult:
    """Run the pass for every facility with pending readings and store what it finds; the caller commits."""
    now = now or utcnow()
    pending = _pending(session)
    if not pending:
        return PassResult(0, 0, [], 0)
    plans, meta = _plans(session, pending)
    prepare_run(session, plans)
    found = run_query(session) if plans else []
    opened, extended = _reconcile(session, found, meta, now)
    session.execute(Sensor.__table__.update().where(Sensor.facility_id.in_(pending),
                                                    Sensor.pending_from.is_not(None)).values(pending_from=None))
    return PassResult(len(pending), len(found), opened, extended)


def _reconcile(session: Session, found: list[Found], meta: dict[int, dict], now: datetime) -> tuple[list[int], int]:
    """Extend the stored excursion each found one overlaps (same facility and rule), insert the rest."""
    if not found:
        return [], 0
    earliest = min(f.started_at for f in found)
    stored: dict[tuple[int, str], list[Excursion]] = {}
    for row in session.exec(select(Excursion).where(Excursion.facility_id.in_({f.facility_id for f in found}),
                                                    Excursion.ended_at >= earliest)):
        stored.setdefault((row.facility_id, row.rule_code), []).append(row)
    opened, extended = [], 0
    for item in found:
        match = next((row for row in sorted(stored.get((item.facility_id, item.rule_code), []),
                                            key=lambda r: r.started_at)
                      if _as_utc(row.started_at) <= item.ended_at and item.started_at <= _as_utc(row.ended_at)), None)
        rule = meta[item.facility_id]["rules"][item.rule_code]
        if match is None:
            row = Excursion(facility_id=item.facility_id, rule_code=item.rule_code,
                            storage_class=meta[item.facility_id]["storage_class"], metric=rule.metric,
                            comparison=rule.comparison, threshold=rule.threshold, minutes=rule.minutes,
                            mode=rule.mode, started_at=item.started_at, ended_at=item.ended_at,
                            ongoing=item.ongoing, peak=item.peak, duration_seconds=item.duration_seconds,
                            sensors=",".join(item.sensors), detected_at=now, updated_at=now)
            session.add(row)
            session.flush()
            stored.setdefault((item.facility_id, item.rule_code), []).append(row)
            opened.append(row.id)
            continue
        high = RuleComparison(match.comparison).high
        peak = max(match.peak, item.peak) if high else min(match.peak, item.peak)
        start, end = min(_as_utc(match.started_at), item.started_at), max(_as_utc(match.ended_at), item.ended_at)
        sensors = ",".join(sorted(set(match.sensors.split(",")) - {""} | set(item.sensors)))
        ongoing = item.ongoing if item.ended_at >= _as_utc(match.ended_at) else match.ongoing
        duration = max(match.duration_seconds, item.duration_seconds)
        if match.mode == RuleMode.consecutive:
            duration = int((end - start).total_seconds())
        changed = (start, end, peak, sensors, ongoing, duration) != (
            _as_utc(match.started_at), _as_utc(match.ended_at), match.peak, match.sensors, match.ongoing,
            match.duration_seconds)
        if changed:
            match.started_at, match.ended_at, match.peak, match.sensors = start, end, peak, sensors
            match.ongoing, match.duration_seconds, match.updated_at = ongoing, duration, now
            session.add(match)
            extended += 1
    session.flush()
    return opened, extended


def acknowledge(*, session: Session, actor: User, excursion_id: int, comment: str) -> Excursion:
    """Acknowledge an excursion once, with a comment (what was found and done); audited. A second
    acknowledgement is a 409; an ongoing excursion may be acknowledged (its alert stays until it ends)."""
    row = scope.coldchain.visible_excursion(session, actor, excursion_id)
    scope.require(actor, "acknowledge", "excursion")
    scope.coldchain.require_responsible_bureau(session, actor, session.get(Facility, row.facility_id))
    if not comment.strip():
        raise Invalid.field("comment", _l("required"))
    now = utcnow()
    changed = session.execute(Excursion.__table__.update().where(
        Excursion.id == row.id, Excursion.acknowledged_at.is_(None)).values(
        acknowledged_at=now, acknowledged_by=actor.id, comment=comment.strip())).rowcount
    if changed != 1:
        raise Conflict(_l("the excursion is already acknowledged"), code="illegal_transition")
    session.refresh(row)
    facility = session.get(Facility, row.facility_id)
    trail.record(session, actor=actor, action="excursion.acknowledge", entity="excursion", entity_id=row.id,
                 org_id=facility.enterprise_id if facility else None, after={"comment": comment.strip()})
    return row
