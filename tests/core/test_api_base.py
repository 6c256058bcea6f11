"""The API contract every endpoint shares: auth, the error shape, size limits, idempotency, health."""
from __future__ import annotations

from inventory import create_app
from inventory.models import Organisation
from tests.helpers import assert_error, count_rows, make_config


ORG = {"code": "ENT-NEW", "kind": "enterprise", "name": "新企业", "district": "bazhou"}


def test_missing_token_is_401(client):
    assert_error(client.get("/api/v1/me"), 401, "unauthorized")


def test_invalid_token_is_401(client):
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Bearer rsv_nope"}), 401, "unauthorized")


def test_wrong_scheme_is_401(client):
    assert_error(client.get("/api/v1/me", headers={"Authorization": "Basic abc"}), 401, "unauthorized")


def test_valid_token_identifies_the_user_and_records_last_use(api, db):
    from sqlmodel import select

    from inventory.models import ApiToken

    response = api("clerk").get("/me")
    assert response.status_code == 200
    assert response.get_json()["username"] == "clerk"
    assert db.exec(select(ApiToken)).one().last_used_at is not None


def test_create_organisation_as_admin(api, db):
    response = api("admin").post("/organisations", json=ORG)
    assert response.status_code == 201
    assert response.get_json()["code"] == "ENT-NEW"


def test_malformed_json_is_400_and_writes_nothing(api, db):
    before = count_rows(db, Organisation)
    response = api("admin").post("/organisations", data='{"code": ', content_type="application/json")
    assert_error(response, 400, "bad_request")
    assert count_rows(db, Organisation) == before


def test_a_json_array_body_is_400(api):
    assert_error(api("admin").post("/organisations", json=[ORG]), 400, "bad_request")


def test_unknown_fields_are_422_with_the_field_named(api, db):
    before = count_rows(db, Organisation)
    error = assert_error(api("admin").post("/organisations", json={**ORG, "owner": "x"}), 422, "validation_error")
    assert "owner" in error["fields"]
    assert count_rows(db, Organisation) == before


def test_wrong_types_are_422(api, db):
    error = assert_error(api("admin").post("/organisations", json={**ORG, "name": 5, "kind": "shop"}), 422, "validation_error")
    assert {"name", "kind"} <= set(error["fields"])


def test_unknown_district_is_422_and_writes_nothing(api, db):
    before = count_rows(db, Organisation)
    error = assert_error(api("admin").post("/organisations", json={**ORG, "district": "atlantis"}), 422, "validation_error")
    assert "district" in error["fields"]
    assert count_rows(db, Organisation) == before


def test_duplicate_code_is_409(api):
    assert_error(api("admin").post("/organisations", json={**ORG, "code": "GOV"}), 409, "duplicate_code")


def test_oversized_body_is_413(api, db):
    before = count_rows(db, Organisation)
    body = '{"code": "' + "x" * (5 * 1024 * 1024) + '"}'
    assert_error(api("admin").post("/organisations", data=body, content_type="application/json"), 413, "payload_too_large")
    assert count_rows(db, Organisation) == before


def test_non_admin_cannot_create_organisations(api, db):
    before = count_rows(db, Organisation)
    assert_error(api("approver").post("/organisations", json=ORG), 403, "forbidden")
    assert count_rows(db, Organisation) == before


def test_unknown_path_is_404_in_the_error_shape(api):
    assert_error(api("admin").get("/nothing-here"), 404, "not_found")


def test_wrong_method_is_405_in_the_error_shape(api):
    assert_error(api("admin").delete("/organisations"), 405, "method_not_allowed")


def test_idempotency_key_replays_the_first_response(api, db):
    before = count_rows(db, Organisation)
    headers = {"Idempotency-Key": "create-ent-new"}
    first = api("admin").post("/organisations", json=ORG, headers=headers)
    second = api("admin").post("/organisations", json=ORG, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert count_rows(db, Organisation) == before + 1


def test_idempotency_key_of_a_failed_request_can_be_retried(api, db):
    headers = {"Idempotency-Key": "retry-me"}
    assert api("admin").post("/organisations", json={**ORG, "district": "atlantis"}, headers=headers).status_code == 422
    assert api("admin").post("/organisations", json=ORG, headers=headers).status_code == 201


def test_idempotency_keys_are_per_user(api, db):
    headers = {"Idempotency-Key": "same-key"}
    assert api("admin").post("/organisations", json=ORG, headers=headers).status_code == 201
    # another user's identical key is not a replay of the admin's response
    assert api("approver").post("/organisations", json=ORG, headers=headers).status_code == 403


def test_list_pagination_walks_every_row_once(api, db):
    seen, cursor = [], None
    while True:
        query = "/organisations?limit=4" + (f"&cursor={cursor}" if cursor else "")
        body = api("admin").get(query).get_json()
        seen += [item["code"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) == count_rows(db, Organisation)


def test_bad_cursor_and_limit_are_422(api):
    assert_error(api("admin").get("/organisations?cursor=%%%"), 422, "validation_error")
    assert_error(api("admin").get("/organisations?limit=0"), 422, "validation_error")
    assert_error(api("admin").get("/organisations?limit=501"), 422, "validation_error")


def test_health_reports_database_and_broker(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok", "broker": "ok"}


def test_health_is_200_with_the_broker_down(app):
    down = create_app(make_config(CELERY={"broker_url": "redis://127.0.0.1:1/0"}))
    response = down.test_client().get("/api/v1/health")
    assert response.status_code == 200
    assert response.get_json()["broker"] == "down"
    assert response.get_json()["database"] == "ok"


def test_openapi_documents_the_api_with_bearer_auth(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "/api/v1/organisations" in document["paths"]
    assert not any(path.startswith("/admin") for path in document["paths"])
    assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


def test_nul_characters_are_400_and_write_nothing(api, db, login_as):
    """PostgreSQL text cannot hold NUL: refuse it at the door on both databases, never a 500."""
    before = count_rows(db, Organisation)
    assert_error(api("admin").post("/organisations", json={**ORG, "name": "a\x00b"}), 400, "bad_request")
    assert_error(api("admin").get("/organisations?cursor=%00"), 400, "bad_request")
    assert_error(api("admin").get("/lots/%00"), 400, "bad_request")
    assert login_as("admin").post("/admin/districts", data={"district_id": "1", "population": "1\x00"}).status_code == 400
    assert count_rows(db, Organisation) == before


def test_the_openapi_document_passes_a_real_validator(client):
    from openapi_spec_validator import validate

    validate(client.get("/api/v1/openapi.json").get_json())


def operations(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    return [(method.upper(), path, operation) for path, item in paths.items() for method, operation in item.items()]


def test_every_operation_declares_its_success_body_and_its_errors(client):
    for method, path, operation in operations(client):
        responses = operation["responses"]
        successes = {code: body for code, body in responses.items() if code.startswith("2")}
        assert successes, (method, path)
        for code, body in successes.items():
            assert body.get("content") or code == "204", (method, path, "success without a declared body")
        assert {"400", "422"} <= set(responses), (method, path)
        if path != "/api/v1/health":
            assert "401" in responses, (method, path)
        if "{" in path:
            assert "404" in responses, (method, path)
        if method in {"POST", "PATCH"} and not path.endswith("/import"):
            assert {"413", "415"} <= set(responses), (method, path)
        for code, body in responses.items():
            if code.startswith("4"):
                assert body["content"]["application/json"]["schema"]["$ref"].endswith("/ErrorBody"), (method, path)


def test_query_parameters_and_action_names_are_declared(client):
    from inventory.services.workflows.registry import FLOWS

    declared = {(method, path): {p["name"]: p for p in op.get("parameters", [])}
                for method, path, op in operations(client)}
    assert {"limit", "cursor", "status", "material", "category", "expiring_within_days"} <= set(
        declared[("GET", "/api/v1/lots")])
    assert {"material", "quantity"} <= set(declared[("GET", "/api/v1/stock/fefo")])
    assert declared[("GET", "/api/v1/stock/fefo")]["material"]["required"]
    assert declared[("GET", "/api/v1/lots")]["limit"]["schema"]["maximum"] == 500
    actions = {path: params["action"]["schema"]["enum"] for (method, path), params in declared.items()
               if "action" in params and params["action"]["in"] == "path"}
    # the actions people take in each registered flow, so a flow's new action is documented with it
    people = {name: sorted({t.action for t in flow.transitions if t.roles}) for name, flow in FLOWS.items()}
    #: the collection each flow's actions live under
    paths = {"transfer": "transfers/{transfer_id}", "adjustment": "adjustments/{adjustment_id}",
             "count": "counts/{count_id}", "dispatch": "dispatches/{dispatch_id}",
             "instruction": "instructions/{instruction_id}", "replenishment": "replenishments/{replenishment_id}",
             "rotation": "rotations/{rotation_id}", "scrap": "scraps/{scrap_id}",
             "inspection": "inspections/{inspection_id}", "inspection_finding": "inspection-findings/{finding_id}",
             "sanction": "sanctions/{sanction_id}", "evaluation": "evaluations/{evaluation_id}",
             "contract": "contracts/{contract_id}", "catalogue": "catalogue-versions/{version_id}",
             "annual_plan": "annual-plans/{plan_id}", "temporary_addition": "temporary-additions/{addition_id}"}
    assert set(paths) == set(FLOWS), "every registered flow has its actions path"
    assert actions == {f"/api/v1/{paths[name]}/actions/{{action}}": people[name] for name in FLOWS}
    assert {"approve", "reject"} <= set(people["transfer"]) and {"submit", "approve"} <= set(people["count"])


def test_downloads_declare_their_content_types(client):
    for method, path, operation in operations(client):
        if path.endswith("/export"):
            assert set(operation["responses"]["200"]["content"]) == {
                "text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def test_a_declared_body_is_what_the_api_answers(api, client):
    """The schema of /me is the body /me sends (schemathesis checks every operation the same way)."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["UserOut"]
    assert set(api("clerk").get("/me").get_json()) == set(schema["properties"]) == set(schema["required"])


def test_the_audit_list_takes_the_audit_pages_filter(api):
    """One audit filter for both faces (services/audit/queries.py): a family of actions, an actor, days."""
    api("clerk").post("/lots", json={"material": "WHEAT", "facility": "GR-01", "lot_code": "AUD-1", "quantity": "1"})
    clerk_id = api("clerk").get("/me").get_json()["id"]
    events = api("admin").get(f"/audit?action=lot&actor_id={clerk_id}&limit=500").get_json()["items"]
    assert events and {e["action"].split(".")[0] for e in events} == {"lot"}
    assert {e["actor_id"] for e in events} == {clerk_id}
    assert api("admin").get("/audit?action=lot&since=2000-01-01&until=2000-01-02").get_json()["items"] == []
    for bad in ("since=1999-12-31", "until=2100-01-01", "actor_id=0", "since=2026-02-30",
                "since=2026-03-02&until=2026-03-01"):
        assert_error(api("admin").get(f"/audit?{bad}"), 422, "validation_error")
