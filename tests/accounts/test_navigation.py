"""The navigation: grouped by task, the inbox always at hand, directory pages one cannot manage in the user menu."""
from __future__ import annotations

import re

import pytest


def nav_parts(page: str) -> tuple[str, str]:
    """(the task groups, the user menu) of a rendered page."""
    main = page[page.index('id="main-nav"'):page.index('id="user-nav"')]
    user = page[page.index('id="user-nav"'):page.index("</nav>")]
    return main, user


def links(fragment: str) -> set[str]:
    return set(re.findall(r'href="(/[^"#]*)"', fragment))


def test_a_clerk_has_the_inbox_a_few_groups_and_the_directory_in_the_user_menu(login_as):
    main, user = nav_parts(login_as("clerk").get("/").get_data(as_text=True))
    assert 'id="nav-inbox"' in main and "待办" in main
    assert main.count('class="nav-link dropdown-toggle') <= 5  # stock, plans, alerts, reports, set-up
    assert {"/admin/organisations", "/admin/users", "/admin/districts"} & links(main) == set()
    assert {"/admin/organisations", "/admin/users", "/admin/districts", "/profile/"} <= links(user)
    assert "/stock/receive" in links(main) and "/admin/audit" not in links(main)
    assert "/logout" in user


def test_an_administrator_finds_the_directory_under_administration(login_as):
    main, user = nav_parts(login_as("admin").get("/").get_data(as_text=True))
    assert {"/admin/organisations", "/admin/users", "/admin/districts", "/admin/system", "/admin/audit"} <= links(main)
    assert {"/admin/organisations", "/admin/users", "/admin/districts"} & links(user) == set()
    assert "系统管理" in main


@pytest.mark.parametrize("username", ["clerk", "manager", "officer", "approver", "coordinator", "gov", "blood",
                                      "inspector", "viewer", "admin"])
def test_every_entry_shown_opens(login_as, username):
    client = login_as(username)
    main, user = nav_parts(client.get("/").get_data(as_text=True))
    for href in sorted(links(main) | links(user)):
        if href.startswith("/lang/"):
            continue
        assert client.get(href).status_code == 200, href


def test_the_home_page_offers_the_inbox_first_and_the_groups(login_as):
    page = login_as("clerk").get("/").get_data(as_text=True)
    cards = page[page.index('id="home-cards"'):]
    assert cards.index("/inbox/") < cards.index("/stock/lots")
    assert "库存" in cards
