"""The body guards parse a request's JSON once (docs/coldchain.md, benchmarks): validation and the view read the
guard's parse. The guard still refuses deep nesting and NUL characters, also in a UTF-16 body."""
from __future__ import annotations

import json
from datetime import timedelta, timezone

import pytest

from inventory.api.body import json_depth
from tests.coldchain.helpers import T0, sensor
from tests.helpers import assert_error


def test_an_ingest_body_is_parsed_once(ctx, db, api, monkeypatch):
    sensor(db, "S1")
    body = json.dumps({"readings": [{"at": (T0 + timedelta(minutes=i)).astimezone(timezone.utc).isoformat(),
                                     "celsius": -18.5, "sensor": "S1"} for i in range(3)]})
    parses = []
    loads = json.loads
    monkeypatch.setattr(json, "loads", lambda text, *a, **k: parses.append(len(text)) or loads(text, *a, **k))
    response = api("coldclerk").post("/facilities/CS-02/readings", data=body,
                                     headers={"Content-Type": "application/json"})
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["stored"] == 3
    assert parses.count(len(body.encode())) == 1


@pytest.mark.parametrize(("raw", "depth"), [
    (b'{"a": "[[[{{", "b": [1, {"c": "\\"]]]"}]}', 3),   # brackets inside strings and escaped quotes
    (b'{"a": "\\\\", "b": [[]]}', 3),                      # an escaped backslash ends before the quote
    (b"[" * 40 + b"]" * 40, 40),
    (b'"[[["', 0),
    (b'["unterminated [[[[', 1),                           # the rest of an unterminated string is text
    (b'"' + b'\\"' * 10_000, 0),                           # many escapes: one pass, no retries
])
def test_depth_counts_brackets_outside_strings(raw, depth):
    assert json_depth(raw) == depth


def test_deep_and_nul_bodies_are_still_refused(ctx, db, api):
    sensor(db, "S1")
    deep = '{"readings": ' + "[" * 40 + "]" * 40 + "}"
    assert_error(api("coldclerk").post("/facilities/CS-02/readings", data=deep,
                                       headers={"Content-Type": "application/json"}), 400, "bad_request")
    nul = json.dumps({"readings": [{"at": T0.isoformat(), "celsius": 1, "sensor": "S1\x00"}]})
    for encoded in (nul.encode(), nul.encode("utf-16")):
        assert_error(api("coldclerk").post("/facilities/CS-02/readings", data=encoded,
                                           headers={"Content-Type": "application/json"}), 400, "bad_request")
