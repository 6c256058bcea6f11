"""The API keeps its OpenAPI contract under generated input (issue 7, "Must show"): schemathesis reads
``/api/v1/openapi.json`` from the in-process app and sends every operation valid and invalid requests as an
enterprise clerk, a bureau approver and an administrator. No answer may be a 5xx, carry a status the
operation does not document, or have a body or content type other than the one documented for its status.

Bounded by a fixed number of examples per operation, mode and role, with shrinking off (a failure is reported
as found): about 2,200 requests, 25–40 s on SQLite or PostgreSQL. The time is printed (``-s``), not asserted.
"""
from __future__ import annotations

import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance, response_schema_conformance, status_code_conformance,
)

from inventory import create_app
from tests.helpers import make_config
from tests.workflows.waiting import MAKERS

ROLES = ("clerk", "approver", "admin")
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
#: examples per operation and role: valid requests reach the handlers, invalid ones the validation
EXAMPLES = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 8}
#: a broker nobody listens on: an uploaded import runs inside the request instead of queueing a task
DEAD_BROKER = {"broker_url": "redis://127.0.0.1:1/0", "task_ignore_result": True}


def _run(operation, mode: GenerationMode, headers: dict[str, str], failures: list[str]) -> int:
    calls = 0

    @settings(max_examples=EXAMPLES[mode], deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case) -> None:
        nonlocal calls
        calls += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except FailureGroup as failure:  # the checks that failed on this response: collect them, go on
            failures.append(f"{case.method} {case.formatted_path} ({mode.value}): {failure}"[:1500])

    try:
        check()
    except Unsatisfiable:  # negative mode on an operation with no input to make invalid (GET /me)
        assert mode is GenerationMode.NEGATIVE, operation.label
    return calls


@pytest.mark.timeout(1200)  # ~140 operations × roles × modes: minutes, more on a busy machine
def test_the_api_keeps_its_contract_under_generated_input(app, api, db, token_for):
    for make in MAKERS.values():  # a waiting row in every flow: the inbox and the decisions have rows to show
        make(api, db)
    fuzzed = create_app(make_config(CELERY=DEAD_BROKER))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzzed)
    operations = [result.ok() for result in schema.get_all_operations()]
    failures: list[str] = []
    started, calls = time.monotonic(), 0
    for role in ROLES:
        headers = token_for(role)
        for operation in operations:
            for mode in EXAMPLES:
                calls += _run(operation, mode, headers, failures)
    elapsed = time.monotonic() - started
    print(f"schemathesis: {len(operations)} operations, {calls} requests as {', '.join(ROLES)} in {elapsed:.1f} s")
    assert len(operations) >= 61
    assert not failures, "\n\n".join(failures)
