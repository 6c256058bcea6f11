"""Excursions at the exact boundaries of each rule type (docs/coldchain.md, rules and excursions; the
cold-chain opinions ask for full-process automatic temperature monitoring, §二(二)2, §二(八)2)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from inventory.services.coldchain import ingest
from tests.coldchain.helpers import T0, detect, excursions, feed, sensor, watch_as


def test_medical_heat_alarm_needs_ten_hours_consecutive(ctx, db):
    """WHO 30-DTR heat alarm: above +8 °C for 10 h. First to last reading above spanning 9 h 59 min is not an
    excursion; 10 h is."""
    watch_as(db, "CS-02", "medical")
    probe = sensor(db)
    feed(db, probe, 0, [9.0] * 600 + [5.0])  # 00:00 … 09:59 above, back at 10:00
    detect(db)
    assert excursions(db, "medical_high") == []
    other = sensor(db, "S2")
    feed(db, other, 0, [9.0] * 601 + [5.0])  # 00:00 … 10:00 above
    detect(db)
    [found] = excursions(db, "medical_high")
    assert found.started_at == T0 and found.ended_at == T0 + timedelta(hours=10)
    assert found.duration_seconds == 36_000 and not found.ongoing
    assert found.sensors == "S2" and found.peak == Decimal("9.00")


def test_exactly_eight_degrees_is_in_range_but_minus_half_is_a_freeze(ctx, db):
    """Above 8 means above; the freeze alarm is at or below −0.5 °C for 60 min."""
    watch_as(db, "CS-02", "medical")
    probe = sensor(db)
    feed(db, probe, 0, [8.0] * 700 + [-0.5] * 61 + [3.0])
    detect(db)
    assert excursions(db, "medical_high") == []
    [freeze] = excursions(db, "medical_freeze")
    assert freeze.started_at == T0 + timedelta(minutes=700)
    assert freeze.duration_seconds == 3600 and freeze.peak == Decimal("-0.50")


def test_a_reading_in_range_breaks_a_consecutive_run(ctx, db):
    watch_as(db, "CS-02", "medical")
    probe = sensor(db)
    feed(db, probe, 0, [9.0] * 400 + [7.9] + [9.0] * 400)
    detect(db)
    assert excursions(db, "medical_high") == []


def test_frozen_rise_beyond_three_degrees_is_immediate(ctx, db):
    """Frozen food ≤ −18 °C; a brief rise is tolerated, but never above −15 °C (a rise of more than 3 °C)."""
    probe = sensor(db, facility_code="CS-01")
    feed(db, probe, 0, [-20, -17, -15, -20])  # rises, not beyond −15: tolerated
    detect(db)
    assert excursions(db) == []
    feed(db, probe, 10, [-20, -14.99, -20])
    detect(db)
    [rise] = excursions(db, "frozen_rise")
    assert rise.peak == Decimal("-14.99") and rise.duration_seconds == 0
    assert rise.started_at == rise.ended_at == T0 + timedelta(minutes=11)


def test_cumulative_rule_adds_up_across_gaps(ctx, db):
    """Chilled food above 4 °C: out-of-range readings less than 4 h apart add up to 60 min, whatever lies
    between them (readings in range, or none)."""
    probe = sensor(db)
    feed(db, probe, 0, [5.0] * 30 + [3.0] * 30)       # 30 min above
    feed(db, probe, 180, [5.0] * 29)                   # 2 h later (a gap with no readings): 59 in all
    detect(db)
    assert excursions(db, "chilled_high") == []
    feed(db, probe, 300, [5.0])                        # one more minute, 1 h 52 min after the last: 60
    detect(db)
    [found] = excursions(db, "chilled_high")
    assert found.duration_seconds == 3600
    assert found.started_at == T0 and found.ended_at == T0 + timedelta(minutes=300) and found.ongoing


def test_cumulative_run_breaks_beyond_the_window(ctx, db):
    probe = sensor(db)
    feed(db, probe, 0, [5.0] * 30 + [3.0])
    feed(db, probe, 30 + 241, [5.0] * 30)              # 4 h 1 min after the last reading above: a new count
    detect(db)
    assert excursions(db, "chilled_high") == []


def test_out_of_order_and_duplicate_readings_extend_the_right_excursion(ctx, db):
    watch_as(db, "CS-02", "medical")
    probe = sensor(db)
    feed(db, probe, 300, [9.0] * 400)                  # 05:00 … 11:39 above: 6 h 39 min, ongoing
    detect(db)
    assert excursions(db, "medical_high") == []
    assert feed(db, probe, 0, [9.0] * 300) == 300      # the gateway's backlog 00:00 … 04:59 arrives late
    assert feed(db, probe, 0, [9.0] * 300) == 0        # and again: ignored
    detect(db)
    [found] = excursions(db, "medical_high")
    assert found.started_at == T0 and found.ongoing
    feed(db, probe, 700, [9.0] * 20 + [6.0])           # later readings extend it, then it ends
    detect(db)
    [found] = excursions(db, "medical_high")
    assert found.ended_at == T0 + timedelta(minutes=719) and not found.ongoing
    assert found.duration_seconds == 719 * 60


def test_late_readings_of_another_sensor_reopen_an_excursion(ctx, db):
    watch_as(db, "CS-02", "medical")
    first, second = sensor(db, "S1"), sensor(db, "S2")
    feed(db, first, 0, [9.0] * 660 + [5.0])            # S1: 11 h above, back in range
    detect(db)
    [found] = excursions(db, "medical_high")
    assert not found.ongoing
    feed(db, second, 60, [9.5] * 700)                  # S2's backlog: above from 01:00, still above now
    detect(db)
    [found] = excursions(db, "medical_high")
    assert found.ongoing and found.sensors == "S1,S2" and found.peak == Decimal("9.50")
    assert found.ended_at == T0 + timedelta(minutes=759)


def test_silence_breaks_a_consecutive_run(ctx, db):
    """Nothing is known while a sensor is silent (that is ``sensor_silent``'s alert), so a run does not span it."""
    watch_as(db, "CS-02", "medical")
    probe = sensor(db)
    feed(db, probe, 0, [9.0] * 300)
    feed(db, probe, 300 + 180, [9.0] * 300)            # three hours without a reading, then above again
    detect(db)
    assert excursions(db, "medical_high") == []


def _reading(db, probe, seconds: int, celsius: str) -> None:
    ingest.store(db, [(probe.id, T0 + timedelta(seconds=seconds), Decimal(celsius), None, None, None)])
    db.commit()


def test_a_quiet_spell_up_to_the_sensors_silent_limit_does_not_end_an_excursion(ctx, db):
    """The silent limit is the sensor's own (3 × 120 s = 360 s here): a gap of exactly that keeps the excursion
    going, one second more ends the run (nothing is known past it); another sensor's longer interval in the
    same facility does not stretch it."""
    probe = sensor(db, facility_code="CS-01", interval=120)
    sensor(db, "S2", facility_code="CS-01", interval=3600)            # reports rarely: a limit of 3 h
    for minute in range(0, 62, 2):
        _reading(db, probe, minute * 60, "-16")
    detect(db)
    _reading(db, probe, 60 * 60 + 360, "-16")                          # quiet for exactly the limit
    detect(db)
    [found] = excursions(db, "frozen_high")
    assert found.ongoing and found.ended_at == T0 + timedelta(seconds=60 * 60 + 360)
    _reading(db, probe, 60 * 60 + 360 + 361, "-16")                    # quiet one second longer
    detect(db)
    [found] = excursions(db, "frozen_high")
    assert not found.ongoing and found.ended_at == T0 + timedelta(seconds=60 * 60 + 360)
