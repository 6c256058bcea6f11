"""The statistics report (统计报告制度, reserve-materials-measures §五(四)): numbers against a fixture, stored once per
period and scope (a re-run writes nothing), an XLSX workbook with a sheet per breakdown, the ``statistics_report``
alert for subscribers, tenancy, and the performance evaluation across years (绩效评价, §五(六))."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from io import BytesIO

from openpyxl import load_workbook
from sqlalchemy import update
from sqlmodel import select

from inventory.models import Alert, Movement, Organisation, StatisticsReport
from inventory.services.alerts import runs
from inventory.services.plans import statistics
from tests.helpers import assert_error, count_rows, org_coded, receive

START, END = date(2026, 10, 1), date(2026, 10, 31)


def _lot_in_october(db):
    """100 t of wheat received on 6 October, expiring 30 days after the month ends; every other movement of the
    demo city is later than October, so the report sees this lot only."""
    lot = receive(db, quantity="100", expiry=END + timedelta(days=30), lot_code="OCT-1")
    db.execute(update(Movement).where(Movement.lot_id == lot.id)
               .values(at=datetime(2026, 10, 6, 2, tzinfo=timezone.utc)))
    db.commit()
    return lot


def test_the_report_counts_the_fixture(app, db):
    """§五(四) 定期统计: on hand from the ledger at the period's end, movements in the period, lots expiring within 90
    days, by material, category, enterprise and district."""
    _lot_in_october(db)
    with app.test_request_context():
        report, new = statistics.produce(db, start=START, end=END, bureau_id=None)
    content = report.content
    assert new and report.scope_key == "city"
    wheat = [r for r in content["materials"] if r["material"] == "WHEAT"]
    assert [(r["lots"], r["on_hand"]) for r in wheat] == [(1, "100.000")]
    assert sum(r["lots"] for r in content["materials"]) == 1
    assert [(r["kind"], r["category"], r["count"], r["quantity"]) for r in content["movements"]] == [
        ("receipt", "grain", 1, "100.000")]
    assert [(r["lot_code"], r["days"], r["on_hand"]) for r in content["expiring"]] == [("OCT-1", 30, "100.000")]
    grain = [r for r in content["categories"] if r["category"] == "grain"]
    assert [(r["lots"], r["on_hand"], r["expiring_lots"]) for r in grain] == [(1, "100.000", 1)]
    assert [(r["enterprise"], r["material"], r["on_hand"]) for r in content["enterprises"] if r["lots"]] == [
        ("ENT-GRAIN", "WHEAT", "100.000")]
    assert [(r["district"], r["on_hand"]) for r in content["districts"] if r["lots"]] == [("anci", "100.000")]


def test_the_period_task_is_idempotent_and_alerts_subscribers(app, db):
    """§五(四): at the start of a period the previous one is reported, once per scope; each stored report is an
    info alert for its bureau (the city's for the coordinators), resolved by the next period's."""
    with app.test_request_context():
        first = statistics.produce_due(db, today=date(2026, 11, 2))
        db.commit()
        assert statistics.produce_due(db, today=date(2026, 11, 20)) == []
        bureaus = statistics.reporting_bureaus(db)
        assert len(first) == 1 + len(bureaus) and count_rows(db, StatisticsReport) == len(first)
        assert {(r.period_start, r.period_end) for r in first} == {(START, END)}
        runs.run_scans(session=db, name="statistics_report")
        db.commit()
        opened = db.exec(select(Alert).where(Alert.kind == "statistics_report")).all()
        assert {(a.subject_id, a.severity, a.state) for a in opened} == {(r.id, "info", "open") for r in first}
        city = next(a for a in opened if a.subject_id == first[0].id)
        assert city.bureau_id is None and city.enterprise_id is None
        statistics.produce_due(db, today=date(2026, 12, 1))
        runs.run_scans(session=db, name="statistics_report")
        db.commit()
    db.expire_all()
    states = {a.subject_id: a.state for a in db.exec(select(Alert).where(Alert.kind == "statistics_report"))}
    assert {states[r.id] for r in first} == {"resolved"} and list(states.values()).count("open") == len(first)


def test_the_beat_task_produces_once_per_period(app, db):
    """§五(四): the task beat sends daily stores the period just ended once; a second run (or a redelivered
    message) stores nothing."""
    from workers.statistics_tasks import produce_statistics_reports
    first = produce_statistics_reports()
    assert first["produced"] >= 2 and count_rows(db, StatisticsReport) == first["produced"]
    assert produce_statistics_reports()["produced"] == 0
    assert count_rows(db, StatisticsReport) == first["produced"]
    db.expire_all()
    alerts = db.exec(select(Alert).where(Alert.kind == "statistics_report")).all()
    assert len(alerts) == first["produced"] and all(a.payload["code"].endswith(a.payload["period_end"])
                                                    for a in alerts)
    assert "statistics-reports" in app.extensions["celery"].conf.beat_schedule


def test_quarterly_periods(app):
    """§五(四) "定期": the period is a setting; quarterly reports cover three months."""
    assert statistics.previous_period(date(2026, 11, 2), "quarterly") == (date(2026, 7, 1), date(2026, 9, 30))
    assert statistics.previous_period(date(2026, 1, 5), "monthly") == (date(2025, 12, 1), date(2025, 12, 31))


def test_api_produce_read_xlsx_and_tenancy(api, db):
    """§五(四): coordinators produce on demand (once); a bureau reads its own report only; the XLSX has a sheet per
    breakdown."""
    _lot_in_october(db)
    made = api("coordinator").post("/statistics-reports", json={"period_start": START.isoformat()})
    assert made.status_code == 201, made.get_json()
    again = api("coordinator").post("/statistics-reports", json={"period_start": START.isoformat()})
    assert again.status_code == 200 and again.get_json()["id"] == made.get_json()["id"]
    grain = api("coordinator").post("/statistics-reports", json={"period_start": START.isoformat(),
                                                                  "scope": "BUR-GRAIN"}).get_json()
    assert_error(api("officer").post("/statistics-reports", json={"period_start": START.isoformat()}), 403,
                 "forbidden")
    assert api("coordinator").post("/statistics-reports", json={"period_start": "2026-10-02"}).status_code == 422
    assert api("coordinator").post("/statistics-reports", json={"period_start": "2099-01-01"}).status_code == 422
    assert api("coordinator").post("/statistics-reports", json={"period_start": START.isoformat(),
                                                                "scope": "ENT-GRAIN"}).status_code == 422
    assert count_rows(db, StatisticsReport) == 2
    city_id = made.get_json()["id"]
    assert_error(api("officer").get(f"/statistics-reports/{city_id}"), 404, "not_found")
    assert api("officer").get(f"/statistics-reports/{grain['id']}").status_code == 200
    assert_error(api("emofficer").get(f"/statistics-reports/{grain['id']}"), 404, "not_found")
    assert_error(api("clerk").get("/statistics-reports"), 403, "forbidden")
    assert [r["id"] for r in api("officer").get("/statistics-reports").get_json()["items"]] == [grain["id"]]
    workbook = api("coordinator").get(f"/statistics-reports/{city_id}?format=xlsx")
    assert workbook.status_code == 200
    book = load_workbook(BytesIO(workbook.data))
    assert book.sheetnames == ["Materials", "Categories", "Enterprises", "Districts", "Movements", "Expiring"]
    assert book["Expiring"]["A2"].value == "OCT-1"


def test_pages_report_print_and_performance(login_as, api, db):
    """§五(四) the report as a page with a chart and an A4 page; §五(六) the performance view for coordinators."""
    _lot_in_october(db)
    report = api("coordinator").post("/statistics-reports", json={"period_start": START.isoformat()}).get_json()
    client = login_as("coordinator")
    client.get("/lang/en")
    assert str(report["id"]) in client.get("/plans/statistics/").get_data(as_text=True)
    page = client.get(f"/plans/statistics/{report['id']}").get_data(as_text=True)
    assert 'id="report-chart"' in page and "OCT-1" in page
    assert "order-sheet" in client.get(f"/plans/statistics/{report['id']}/print").get_data(as_text=True)
    assert client.get(f"/plans/statistics/{report['id']}/workbook").status_code == 200
    performance = client.get("/plans/statistics/performance").get_data(as_text=True)
    assert 'id="performance-chart-1"' in performance and 'data-year="2026"' in performance
    bureau_name = db.exec(select(Organisation.name).where(Organisation.id == org_coded(db, "BUR-GRAIN").id)).one()
    assert bureau_name not in page  # the city's report
    produced = client.post("/plans/statistics/", data={"period_start": "2026-09-01", "scope": "BUR-GRAIN"})
    assert produced.status_code == 302 and count_rows(db, StatisticsReport) == 2
    assert client.post("/plans/statistics/", data={"period_start": "2026-09-02"}).status_code == 302
    assert count_rows(db, StatisticsReport) == 2
    officer = login_as("officer")
    assert officer.get("/plans/statistics/performance").status_code == 403
    assert officer.get(f"/plans/statistics/{report['id']}").status_code == 404
    assert 'id="produce-form"' not in officer.get("/plans/statistics/").get_data(as_text=True)
