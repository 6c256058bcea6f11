"""The daily report through the pages (docs/blood.md "Daily report", issue 11 deliverable 1): the blood station
files a day per group, Rh and component; bad input is a form error and writes nothing; a correction replaces the
day once confirmed and keeps the earlier version; a CSV back-fill is refused whole with numbered rows; a missing
day shows (§六(九): no 迟报、漏报)."""
from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import delete
from sqlmodel import select

from inventory.core.clock import business_today
from inventory.models import AuditEvent, BloodReport, BloodReportLine
from tests.blood.helpers import station
from tests.blood.web import text
from tests.helpers import count_rows


def _clear_recent(db, days: int = 3) -> None:
    """Remove the demo's last ``days`` reports, so the form can file them."""
    since = business_today() - timedelta(days=days)
    ids = list(db.exec(select(BloodReport.id).where(BloodReport.report_date >= since)))
    db.execute(delete(BloodReportLine).where(BloodReportLine.report_id.in_(ids)))
    db.execute(delete(BloodReport).where(BloodReport.id.in_(ids)))
    db.commit()


def _form(day, **figures) -> dict:
    data = {"day": day.isoformat(), "note": ""}
    data.update(figures)
    return data


def test_the_station_files_a_report_through_the_form(db, login_as):
    _clear_recent(db)
    client = login_as("blood")
    day = business_today() - timedelta(days=1)
    assert text(client.get("/blood/reports/new")).count('name="A_pos_red_cells_on_hand"') == 1
    done = client.post("/blood/reports/new", data=_form(day, A_pos_red_cells_on_hand="120", A_pos_red_cells_issued="40",
                                                        A_pos_red_cells_collected="38.5", O_neg_platelets_on_hand="2"))
    assert done.status_code == 302, text(done)
    report = db.exec(select(BloodReport).where(BloodReport.report_date == day)).one()
    lines = {(l.abo_group, l.rh, l.component): (l.on_hand, l.collected, l.issued)
             for l in db.exec(select(BloodReportLine).where(BloodReportLine.report_id == report.id))}
    assert lines == {("A", "pos", "red_cells"): (Decimal(120), Decimal("38.5"), Decimal(40)),
                     ("O", "neg", "platelets"): (Decimal(2), Decimal(0), Decimal(0))}
    assert f"/blood/reports/{report.id}" in done.headers["Location"]


@pytest.mark.parametrize("day_offset, figures, field", [
    (1, {"A_pos_red_cells_on_hand": "10"}, "day"),                       # a future day
    (-1, {"A_pos_red_cells_on_hand": "-5"}, "A_pos_red_cells_on_hand"),  # a negative count
    (-1, {"B_neg_plasma_issued": "1.2345"}, "B_neg_plasma_issued"),      # four decimals
    (-1, {"AB_pos_platelets_collected": "many"}, "AB_pos_platelets_collected"),
])
def test_bad_input_is_a_form_error_and_writes_nothing(db, login_as, day_offset, figures, field):
    _clear_recent(db)
    before = count_rows(db, BloodReport), count_rows(db, BloodReportLine), count_rows(db, AuditEvent)
    client = login_as("blood")
    bad = client.post("/blood/reports/new", data=_form(business_today() + timedelta(days=day_offset), **figures))
    assert bad.status_code == 422
    page = text(bad)
    assert f'name="{field}"' in page and "is-invalid" in page[page.index(f'name="{field}"') - 200:][:400]
    assert (count_rows(db, BloodReport), count_rows(db, BloodReportLine)) == before[:2]


def test_a_duplicate_day_without_correction_is_refused(db, login_as):
    client = login_as("blood")
    day = business_today() - timedelta(days=2)
    before = count_rows(db, BloodReportLine)
    bad = client.post("/blood/reports/new", data=_form(day, A_pos_red_cells_on_hand="1"))
    assert bad.status_code == 422 and "is-invalid" in text(bad)
    assert count_rows(db, BloodReportLine) == before
    assert db.exec(select(BloodReport.revision).where(BloodReport.report_date == day)).one() == 1


def test_a_correction_is_confirmed_replaces_the_day_and_keeps_the_earlier_version(db, login_as):
    client = login_as("blood")
    client.get("/lang/en")
    day = business_today() - timedelta(days=2)
    report = db.exec(select(BloodReport).where(BloodReport.report_date == day)).one()
    form = text(client.get(f"/blood/reports/{day.isoformat()}/correct"))
    assert 'id="correcting"' in form and 'name="A_pos_red_cells_on_hand"' in form
    lines_before = count_rows(db, BloodReportLine)
    unconfirmed = client.post(f"/blood/reports/{day.isoformat()}/correct",
                              data={**_form(day, A_pos_red_cells_on_hand="99"), "replace": "1"})
    assert unconfirmed.status_code == 422 and count_rows(db, BloodReportLine) == lines_before
    done = client.post(f"/blood/reports/{day.isoformat()}/correct",
                       data={**_form(day, A_pos_red_cells_on_hand="99"), "replace": "1", "confirm": "y"},
                       follow_redirects=True)
    assert done.status_code == 200
    assert "is corrected: revision 2" in text(done)
    db.expire_all()
    assert db.get(BloodReport, report.id).revision == 2
    assert [(l.abo_group, l.on_hand) for l in db.exec(select(BloodReportLine).where(
        BloodReportLine.report_id == report.id))] == [("A", Decimal(99))]
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "blood_report.correct")).one()
    assert event.before["revision"] == 1 and len(event.before["lines"]) > 1
    assert 'data-action="blood_report.correct"' in text(done)


def test_only_the_blood_station_files(db, login_as):
    day = business_today() - timedelta(days=2)
    for username in ("health", "admin", "gov"):
        client = login_as(username)
        assert client.get("/blood/reports/new").status_code == 403
        assert client.post("/blood/reports/new", data=_form(day, A_pos_red_cells_on_hand="1")).status_code == 403
        assert client.get(f"/blood/reports/{day.isoformat()}/correct").status_code == 403
        client.get("/logout")
    assert login_as("clerk").get("/blood/reports/").status_code == 403


def _upload(client, body: str, replace: bool = False):
    data = {"file": (io.BytesIO(body.encode()), "history.csv")}
    if replace:
        data["replace"] = "y"
    return client.post("/blood/reports/import", data=data, content_type="multipart/form-data")


def test_a_csv_back_fill_with_a_bad_row_writes_nothing_and_numbers_the_rows(db, login_as):
    client = login_as("blood")
    start = business_today() - timedelta(days=200)
    header = "date,group,rh,component,on_hand,collected,issued\n"
    good = f"{start},A,pos,red_cells,100,30,30\n"
    before = count_rows(db, BloodReport)
    bad_rows = f"{start},C,pos,red_cells,1,1,1\n{start + timedelta(days=1)},A,pos,red_cells,-1,0,0\n"
    bad = _upload(client, header + good + bad_rows)
    assert bad.status_code == 422
    page = text(bad)
    assert 'data-row="row 3"' in page and 'data-row="row 4"' in page and 'data-row="row 2"' not in page
    assert count_rows(db, BloodReport) == before
    done = _upload(client, header + good + f"{start + timedelta(days=1)},B,neg,plasma,5,1,1\n")
    assert done.status_code == 302
    assert count_rows(db, BloodReport) == before + 2


def test_a_missing_day_shows_on_the_list(db, login_as):
    """§六(九): a day not filed by the due hour of the next day is listed as missing."""
    gap = business_today() - timedelta(days=5)
    ids = list(db.exec(select(BloodReport.id).where(BloodReport.report_date == gap,
                                                    BloodReport.station_id == station(db).id)))
    db.execute(delete(BloodReportLine).where(BloodReportLine.report_id.in_(ids)))
    db.execute(delete(BloodReport).where(BloodReport.id.in_(ids)))
    db.commit()
    for username in ("blood", "health"):
        page = text(login_as(username).get("/blood/reports/"))
        assert f'data-missing="{gap.isoformat()}"' in page
        assert f'data-report-date="{(gap - timedelta(days=1)).isoformat()}"' in page


def test_a_bad_list_filter_is_a_form_error(login_as):
    client = login_as("health")
    assert client.get("/blood/reports/?date_from=2025-02-01&date_to=2025-01-01").status_code == 422
    assert client.get("/blood/reports/?date_from=2020-01-01&date_to=2025-01-01").status_code == 422
    assert client.get("/blood/reports/?date_to=0001-01-02").status_code == 422
