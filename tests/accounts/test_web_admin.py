"""Administration pages: district populations are editable data, by administrators only."""
from __future__ import annotations

from sqlmodel import select

from inventory.models import AuditEvent, District


def guangyang(db) -> District:
    db.expire_all()
    return db.exec(select(District).where(District.code == "guangyang")).one()


def test_admin_edits_a_population_and_it_is_audited(login_as, db):
    district = guangyang(db)
    response = login_as("admin").post("/admin/districts", data={"district_id": district.id, "population": 600123})
    assert response.status_code == 302
    assert guangyang(db).population == 600123
    after = db.exec(select(AuditEvent).where(AuditEvent.action == "district.update")).one().after
    assert after["population"] == 600123 and after["year"] == 2020 and "census" in after["source"]


def test_admin_records_the_year_and_source_of_a_figure(login_as, db):
    """Issue 7 item 10: each figure says which year it is for and where it comes from."""
    district = guangyang(db)
    client = login_as("admin")
    client.post("/admin/districts", data={"district_id": district.id, "population": 545000, "population_year": 2024,
                                          "population_source": "廊坊统计年鉴2025"})
    saved = guangyang(db)
    assert (saved.population, saved.population_year, saved.population_source) == (545000, 2024, "廊坊统计年鉴2025")
    client.post("/admin/districts", data={"district_id": district.id, "population": 1, "population_year": 2999})
    assert guangyang(db).population == 545000


def test_bad_population_is_refused_and_writes_nothing(login_as, db):
    district = guangyang(db)
    client = login_as("admin")
    for bad in ("-5", "many", ""):
        client.post("/admin/districts", data={"district_id": district.id, "population": bad})
    assert guangyang(db).population == district.population


def test_others_can_read_but_not_edit(login_as, db):
    district = guangyang(db)
    client = login_as("coordinator")
    page = client.get("/admin/districts").get_data(as_text=True)
    assert "广阳区" in page and 'name="population"' not in page
    assert client.post("/admin/districts", data={"district_id": district.id, "population": 1}).status_code == 403
    assert guangyang(db).population == district.population


def test_system_health_page_shows_database_broker_and_heartbeats(login_as, db):
    from inventory.services.system import checks

    checks.record_heartbeat(session=db, name="beat")
    db.commit()
    page = login_as("admin").get("/admin/system").get_data(as_text=True)
    assert "beat" in page and page.count("text-bg-success") == 2


def test_system_health_is_for_administrators(login_as):
    assert login_as("coordinator").get("/admin/system").status_code == 403
