"""The daily report as a service: back-filling history from CSV with row-numbered errors (all or nothing), and
who may file (blood-supply emergency plan §三(三)1: the blood station is the reporting unit)."""
from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlmodel import select

from inventory.core.errors import Conflict, Forbidden, Invalid
from inventory.models import AuditEvent, BloodEmergency, BloodReport, BloodReportLine
from inventory.services.blood import reports
from tests.helpers import count_rows, user_named

pytestmark = pytest.mark.usefixtures("ctx")

HEADER = "date,group,rh,component,on_hand,collected,issued\n"


def _counts(db) -> tuple[int, int, int]:
    return count_rows(db, BloodReport), count_rows(db, BloodReportLine), count_rows(db, AuditEvent)


def test_a_csv_back_fill_files_one_report_per_day_and_proposes_nothing(db):
    text = HEADER + "".join(f"2025-01-{day:02d},{group},pos,red_cells,20,10,10\n"
                            for day in range(1, 21) for group in ("A", "B", "O", "AB"))
    filed = reports.import_csv(session=db, actor=user_named(db, "blood"), text="\ufeff" + text)
    db.commit()
    assert len(filed) == 20 and all(not f.replaced for f in filed)
    assert count_rows(db, BloodEmergency) == 0, "20 low days back-filled raise no proposal"
    day = db.exec(select(BloodReport).where(BloodReport.report_date == date(2025, 1, 20))).one()
    assert [(x.abo_group, x.on_hand) for x in reports.lines_of(db, day.id)] == [
        ("A", Decimal(20)), ("AB", Decimal(20)), ("B", Decimal(20)), ("O", Decimal(20))]


def test_csv_errors_name_their_rows_and_nothing_is_written(db):
    officer = user_named(db, "blood")
    reports.import_csv(session=db, actor=officer, text=HEADER + "2025-01-02,A,pos,red_cells,5,5,5\n")
    db.commit()
    before = _counts(db)
    text = HEADER + (
        "2025-01-01,A,pos,red_cells,20,10,10\n"      # row 2: fine
        "2025-01-01,C,pos,red_cells,20,10,10\n"      # row 3: unknown group
        "2025-01-01,A,pos,whole,-1,10,10\n"          # row 4: unknown component, negative stock
        "01/01/2025,A,pos,red_cells,20,10,10\n"      # row 5: not a date
        "2025-01-01,A,pos,red_cells,20,10,10\n"      # row 6: same line as row 2
        "2025-01-02,B,pos,red_cells,20,10,10\n"      # row 7: the day is filed already
        "2999-01-01,B,pos,red_cells,20,10,10\n")     # row 8: after today
    with pytest.raises(Invalid) as refused:
        reports.import_csv(session=db, actor=officer, text=text)
    fields = refused.value.fields
    assert list(fields) == ["row 3", "row 4", "row 5", "row 6", "row 7", "row 8"]
    assert fields["row 3"] == ["group: one of A, B, O, AB"]
    assert len(fields["row 4"]) == 2 and fields["row 4"][0].startswith("component:")
    assert fields["row 4"][1].startswith("on_hand:")
    assert fields["row 6"] == ["A pos red_cells is also given at row 2"]
    assert "already filed" in fields["row 7"][0] and fields["row 8"][0].startswith("date:")
    db.rollback()
    assert _counts(db) == before


def test_a_csv_without_its_columns_or_rows_is_refused(db):
    officer = user_named(db, "blood")
    with pytest.raises(Invalid) as refused:
        reports.import_csv(session=db, actor=officer, text="date,group,on_hand\n2025-01-01,A,1\n")
    assert "rh" in refused.value.fields["row 1"][0]
    with pytest.raises(Invalid) as empty:
        reports.import_csv(session=db, actor=officer, text=HEADER)
    assert list(empty.value.fields) == ["row 2"]


def test_a_csv_with_replace_corrects_filed_days(db):
    officer = user_named(db, "blood")
    reports.import_csv(session=db, actor=officer, text=HEADER + "2025-01-02,A,pos,red_cells,5,5,5\n")
    db.commit()
    filed = reports.import_csv(session=db, actor=officer, replace=True,
                               text=HEADER + "2025-01-02,A,pos,red_cells,7,5,5\n2025-01-03,A,pos,red_cells,7,5,5\n")
    db.commit()
    assert [f.replaced for f in filed] == [True, False]
    assert filed[0].report.revision == 2


@pytest.mark.parametrize("username", ["health", "admin", "clerk", "coordinator"])
def test_only_a_blood_station_officer_files_or_imports(db, username):
    actor = user_named(db, username)
    with pytest.raises(Forbidden):
        reports.file_report(session=db, actor=actor, report=reports.ReportInput(
            day=date(2025, 1, 1), lines=(reports.LineInput("A", "pos", "red_cells", 1, 1, 1),)))
    with pytest.raises(Forbidden):
        reports.import_csv(session=db, actor=actor, text=HEADER + "2025-01-01,A,pos,red_cells,1,1,1\n")


def test_a_duplicate_day_through_the_service_is_a_conflict(db):
    officer = user_named(db, "blood")
    entry = reports.ReportInput(day=date(2025, 1, 1), lines=(reports.LineInput("A", "pos", "red_cells", 1, 1, 1),))
    reports.file_report(session=db, actor=officer, report=entry)
    db.commit()
    before = _counts(db)
    with pytest.raises(Conflict):
        reports.file_report(session=db, actor=officer, report=entry)
    db.rollback()
    assert _counts(db) == before


def test_two_corrections_of_one_revision_at_once_decide_once(app, db):
    """Two officers correct the same report at the same moment: the first holds its correction uncommitted while
    the second reads the same revision and tries to write; once the first commits, the second is a 409 and the day
    keeps exactly the first one's lines (a conditional update on the revision, on SQLite and PostgreSQL)."""
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlmodel import Session

    from inventory.db import engine_for
    from tests.helpers import DATABASE_URL

    day = date(2025, 1, 1)

    def entry(on_hand: int) -> reports.ReportInput:
        return reports.ReportInput(day=day, lines=(reports.LineInput("A", "pos", "red_cells", on_hand, 1, 1),
                                                   reports.LineInput("B", "pos", "red_cells", on_hand, 1, 1)))

    reports.file_report(session=db, actor=user_named(db, "blood"), report=entry(1))
    db.commit()

    def second() -> str:
        with app.app_context(), Session(engine_for(DATABASE_URL), expire_on_commit=False) as session:
            try:
                reports.file_report(session=session, actor=user_named(session, "blood"), report=entry(9), replace=True)
                session.commit()
                return "corrected"
            except Conflict:
                session.rollback()
                return "conflict"

    with Session(engine_for(DATABASE_URL), expire_on_commit=False) as first, ThreadPoolExecutor(1) as pool:
        reports.file_report(session=first, actor=user_named(first, "blood"), report=entry(7), replace=True)
        waiting = pool.submit(second)
        time.sleep(0.5)  # the second has read revision 1 and waits for the write lock
        first.commit()
        assert waiting.result(timeout=30) == "conflict"
    db.expire_all()
    stored = db.exec(select(BloodReport).where(BloodReport.report_date == day)).one()
    assert stored.revision == 2
    assert [(x.abo_group, x.on_hand) for x in reports.lines_of(db, stored.id)] == [("A", Decimal(7)), ("B", Decimal(7))]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "blood_report.correct")).one().after["revision"] == 2
