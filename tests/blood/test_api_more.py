"""The working-day calendar over ``/api/v1/calendar`` (administrators rule on days and load a year the library
lacks), CSV back-fill over ``/api/v1/blood/reports/import``, and ``flask scan blood --as-of``."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

from inventory.models import BloodReport, CalendarDay, CalendarYear
from tests.blood.helpers import day_lines, write_series
from tests.helpers import assert_error, count_rows

HEADER = "date,group,rh,component,on_hand,collected,issued\n"


def test_reading_a_year_and_ruling_on_days(api, db, client, token_for):
    assert api("clerk").get("/calendar/2025").get_json() == {
        "year": 2025, "source": "library", "known": True, "loaded_source": "", "rulings": []}
    assert api("health").get("/calendar/2099").get_json()["source"] == "weekdays"
    assert_error(api("health").get("/calendar/1999"), 422, "validation_error")
    for username in ("health", "blood", "clerk"):
        assert_error(api(username).post("/calendar/days", json={"day": "2025-10-08", "working": True}), 403,
                     "forbidden")
    ruled = api("admin").post("/calendar/days", json={"day": "2025-10-08", "working": True, "note": "补班"})
    assert ruled.status_code == 200 and ruled.get_json() == {"day": "2025-10-08", "working": True, "note": "补班"}
    assert api("viewer").get("/calendar/2025").get_json()["rulings"] == [ruled.get_json()]
    assert api("admin").delete("/calendar/days/2025-10-08").status_code == 204
    assert_error(api("admin").delete("/calendar/days/2025-10-08"), 404, "not_found")
    assert_error(api("admin").delete("/calendar/days/2025-13-01"), 422, "validation_error")
    assert count_rows(db, CalendarDay) == 0


def test_loading_a_year_the_library_does_not_know(api, db):
    body = {"year": 2099, "holidays": ["2099-01-01"], "workdays": ["2099-01-04"], "source": "国办发明电〔2098〕1号"}
    assert_error(api("health").post("/calendar/years", json=body), 403, "forbidden")
    loaded = api("admin").post("/calendar/years", json=body)
    assert loaded.status_code == 201, loaded.get_json()
    assert {k: loaded.get_json()[k] for k in ("source", "known", "loaded_source")} == {
        "source": "loaded", "known": True, "loaded_source": "国办发明电〔2098〕1号"}
    assert [r["day"] for r in loaded.get_json()["rulings"]] == ["2099-01-01", "2099-01-04"]
    assert_error(api("admin").post("/calendar/years", json=body), 422, "validation_error")
    assert_error(api("admin").post("/calendar/years", json={**body, "year": 2098}), 422, "validation_error")
    assert count_rows(db, CalendarYear) == 1
    near = api("health").get("/blood/status?as_of=2025-12-31").get_json()
    assert (near["calendar_known"], near["calendar_unknown_years"]) == (True, [])


def test_a_csv_back_fill_over_the_api(api, db):
    text = HEADER + "2025-01-01,A,pos,red_cells,20,10,10\n2025-01-02,A,pos,red_cells,20,10,10\n"
    done = api("blood").post("/blood/reports/import", json={"csv": text})
    assert done.status_code == 201, done.get_json()
    assert done.get_json() == {"imported": 2, "replaced": 0, "dates": ["2025-01-01", "2025-01-02"]}
    before = count_rows(db, BloodReport)
    error = assert_error(api("blood").post("/blood/reports/import", json={
        "csv": HEADER + "2025-01-03,A,pos,red_cells,20,10,10\n2025-01-01,A,pos,red_cells,-2,10,10\n"}), 422,
        "validation_error")
    assert set(error["fields"]) == {"row 3"}
    assert_error(api("blood").post("/blood/reports/import", json={"csv": 'a,"b\n' + "x" * 200_000}), 422,
                 "validation_error")
    assert_error(api("health").post("/blood/reports/import", json={"csv": text}), 403, "forbidden")
    assert count_rows(db, BloodReport) == before


def test_flask_scan_blood_as_of_a_day(app, db):
    write_series(db, date(2025, 8, 10), date(2025, 9, 29),
                 lambda day: day_lines({"A": Decimal(30)} if day >= date(2025, 9, 24) else {}))
    result = app.test_cli_runner().invoke(args=["scan", "blood", "--as-of", "2025-09-29"])
    assert result.exit_code == 0, result.output
    assert "blood_low_stock: opened 1" in result.output and "blood_emergency: opened 1" in result.output
    assert "report_missing: opened 0" in result.output


def test_a_filed_report_queues_the_blood_scan(api):
    from tests.helpers import TMP

    queue = TMP / "broker" / "queue"
    before = set(queue.iterdir()) if queue.exists() else set()
    response = api("blood").post("/blood/reports", json={"date": "2025-03-03", "lines": [
        {"group": "A", "rh": "pos", "component": "red_cells", "on_hand": 5, "collected": 1, "issued": 1}]})
    assert response.status_code == 201
    sent = [path.read_text() for path in set(queue.iterdir()) - before]
    assert len(sent) == 1 and "workers.tasks.scan_alerts" in sent[0] and "blood" in sent[0]
