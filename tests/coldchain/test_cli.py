"""``flask readings simulate`` feeds the demo (daily cycle, door openings, a compressor failure, a silent
sensor), ``flask scan temperature`` finds what it shows, and the daily housekeeping runs (docs/coldchain.md)."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import Alert, Excursion, Facility, Reading, Sensor
from workers import tasks


def test_simulate_then_scan_finds_the_failure_and_the_silent_sensor(app, db):
    runner = app.test_cli_runner()
    done = runner.invoke(args=["readings", "simulate", "--facility", "CS-02", "--hours", "24"])
    assert done.exit_code == 0, done.output
    assert "CS-02: 3 sensors" in done.output
    scanned = runner.invoke(args=["scan", "temperature"])
    assert scanned.exit_code == 0, scanned.output
    assert "temperature_excursion: opened 1" in scanned.output and "sensor_silent: opened 1" in scanned.output
    # the detection pass's counts apart (once summed as "lots marked N")
    assert "excursions opened or extended 1, lots held " in scanned.output and "lots marked" not in scanned.output
    db.expire_all()
    [excursion] = db.exec(select(Excursion)).all()
    assert excursion.rule_code == "chilled_high" and excursion.ongoing and "SIM-1" in excursion.sensors
    silent = db.exec(select(Alert).where(Alert.kind == "sensor_silent")).one()
    assert db.get(Sensor, silent.subject_id).code == "SIM-3"
    again = runner.invoke(args=["readings", "simulate", "--facility", "CS-02", "--hours", "24"])
    assert "0 new" in again.output                                      # the same readings: all repeats
    assert runner.invoke(args=["readings", "simulate", "--facility", "NOPE"]).exit_code != 0


def test_housekeeping_task_and_command(app, db):
    with app.app_context():
        result = tasks.coldchain_storage_task.run()
    assert set(result) == {"partitions_made", "hours_rolled_up", "partitions_dropped", "rows_deleted"}
    done = app.test_cli_runner().invoke(args=["readings", "housekeeping"])
    assert done.exit_code == 0 and "partitions made 0" in done.output


def test_the_facility_page_draws_the_chart(app, db, login_as):
    runner = app.test_cli_runner()
    assert runner.invoke(args=["readings", "simulate", "--facility", "CS-02", "--hours", "48"]).exit_code == 0
    assert runner.invoke(args=["scan", "temperature"]).exit_code == 0
    assert runner.invoke(args=["readings", "housekeeping"]).exit_code == 0
    client = login_as("coldclerk")
    client.get("/lang/en")                                              # the rule by its English label
    for key in ("24h", "7d", "30d"):
        page = client.get(f"/coldchain/facilities/CS-02?range={key}")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert html.count('class="sensor-line"') == 3 and 'class="band"' in html and 'class="excursion"' in html
        assert "Chilled: too warm" in html and "CB-2026-110" in html and 'id="capacity"' in html
    assert login_as("clerk").get("/coldchain/facilities/CS-02").status_code == 404   # another enterprise's
    assert login_as("blood").get("/coldchain/facilities/CS-02").status_code == 403


def test_a_vehicle_page_lists_its_positions(app, db, api, login_as):
    from tests.coldchain.helpers import sensor
    from inventory.core.clock import utcnow

    sensor(db, "LOGGER", facility_code="CS-03")
    at = utcnow().replace(microsecond=0).isoformat()
    assert api("coldclerk").post("/facilities/CS-03/readings", json={"readings": [
        {"at": at, "celsius": -19.5, "lat": 39.538, "lon": 116.683}]}).get_json()["stored"] == 1
    html = login_as("coldclerk").get("/coldchain/facilities/CS-03").get_data(as_text=True)
    assert 'id="positions"' in html and "39.538" in html and "116.683" in html


def test_simulate_gives_positions_to_the_vehicle_only(app, db):
    """The reefer vehicle CS-03 moves within the city; a cold store (CS-02) sends no position."""
    runner = app.test_cli_runner()
    done = runner.invoke(args=["readings", "simulate", "--facility", "CS-02", "--facility", "CS-03", "--hours", "6"])
    assert done.exit_code == 0, done.output
    db.expire_all()
    located = {code: db.exec(select(Reading.lat, Reading.lon).join(Sensor, Sensor.id == Reading.sensor_id)
                             .join(Facility, Facility.id == Sensor.facility_id).where(Facility.code == code)).all()
               for code in ("CS-02", "CS-03")}
    assert located["CS-02"] and all(lat is None and lon is None for lat, lon in located["CS-02"])
    assert located["CS-03"] and all(lat is not None and lon is not None for lat, lon in located["CS-03"])
    assert len(set(located["CS-03"])) > 10                              # it moves
    assert all(39.4 < lat < 39.65 and 116.6 < lon < 116.8 for lat, lon in map(lambda p: map(float, p),
                                                                          located["CS-03"]))


def test_the_pages_read_rules_ranges_and_probes_in_words(app, db, login_as):
    """A rule reads as its label (RULE_LABELS, written once), not its code; the range tabs and durations are
    translated; the simulated probes are placed in Chinese like the demo's other data."""
    runner = app.test_cli_runner()
    assert runner.invoke(args=["readings", "simulate", "--facility", "CS-02", "--hours", "24"]).exit_code == 0
    assert runner.invoke(args=["scan", "temperature"]).exit_code == 0
    db.expire_all()
    [excursion] = db.exec(select(Excursion)).all()
    client = login_as("coldclerk")
    client.get("/lang/en")
    page = client.get("/coldchain/facilities/CS-02").get_data(as_text=True)
    assert "Chilled: too warm" in page and ">chilled_high<" not in page
    assert ">24 hours</a>" in page and ">30 days</a>" in page and ">24h</a>" not in page
    shown = client.get(f"/coldchain/excursions/{excursion.id}").get_data(as_text=True)
    assert "· Chilled: too warm" in shown and "chilled_high" not in shown
    positions = [s.position for s in db.exec(select(Sensor).where(Sensor.code.like("SIM-%")))]
    assert positions and all(p.startswith("模拟探头 ") for p in positions)
