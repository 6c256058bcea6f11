"""The plans pages list newest first (catalogue versions, annual plans, temporary additions, contracts): the latest
version or contract is what people look for. Their pages walk back in time, each row once; the API lists keep the
oldest first (docs/api.md, "Lists")."""
from __future__ import annotations

import re
from urllib.parse import unquote

import pytest

from tests.plans.contracting import drafted
from tests.plans.making import addition_body, draft_plan, draft_version

PAGES = {"/plans/catalogue/": "version", "/plans/annual/": "plan", "/plans/additions/": "addition",
         "/contracts/": "contract"}


def two_of_each(api) -> None:
    """Beside the demo's rows, at least two rows on every list."""
    draft_version(api)
    draft_plan(api)
    for _ in range(2):
        assert api("officer").post("/temporary-additions", json=addition_body()).status_code == 201
    drafted(api, "CT-T-001")
    drafted(api, "CT-T-002")


def listed_ids(client, path: str, attribute: str, **args) -> tuple[list[int], str | None]:
    page = client.get(path, query_string=args).get_data(as_text=True)
    following = re.search(r'id="next-page" href="[^"]*cursor=([^"&]+)', page)
    return [int(i) for i in re.findall(rf'data-{attribute}-id="(\d+)"', page)], \
        unquote(following[1]) if following else None


@pytest.mark.parametrize("path", PAGES)
def test_a_plans_page_lists_newest_first_and_pages_back_in_time(api, login_as, path):
    two_of_each(api)
    client = login_as("officer")
    everything, _ = listed_ids(client, path, PAGES[path])
    assert len(everything) >= 2 and everything == sorted(everything, reverse=True)
    walked, cursor = listed_ids(client, path, PAGES[path], limit=1)
    while cursor:
        more, cursor = listed_ids(client, path, PAGES[path], limit=1, cursor=cursor)
        assert len(more) == 1
        walked += more
    assert walked == everything


def test_the_api_lists_stay_oldest_first(api):
    two_of_each(api)
    ids = [row["id"] for row in api("officer").get("/contracts").get_json()["items"]]
    assert len(ids) >= 2 and ids == sorted(ids)
