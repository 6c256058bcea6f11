"""The stock summary page and its inline SVG chart."""
from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("group_by", ["material", "category", "enterprise", "district"])
def test_summary_renders_a_table_and_an_svg_bar_per_group(login_as, group_by):
    response = login_as("coordinator").get(f"/stock/summary?group_by={group_by}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    rows = re.findall(r'<tr data-key="([^"]+)">', html)
    assert rows
    assert html.count('<rect class="bar"') == len(rows)
    assert "<script" not in html.split("</main>")[0]


def test_bars_are_scaled_within_their_unit(login_as):
    html = login_as("reliefclerk").get("/stock/summary?group_by=material").get_data(as_text=True)
    charts = re.findall(r'data-unit="([^"]+)">(.*?)</svg>', html, re.S)
    assert {unit for unit, _ in charts} == {"顶", "床", "条", "件", "只", "套"}
    for _, svg in charts:
        assert 'width="420.0"' in svg   # the largest bar of each unit spans the full width


def test_an_enterprise_summary_holds_only_its_own_stock(login_as):
    html = login_as("clerk").get("/stock/summary?group_by=material").get_data(as_text=True)
    assert set(re.findall(r'<tr data-key="([^"]+)">', html)) == {"WHEAT", "RICE", "MAIZE", "SOY-OIL"}


def test_a_bureau_summary_holds_the_materials_in_its_remit(login_as):
    html = login_as("emofficer").get("/stock/summary?group_by=enterprise").get_data(as_text=True)
    assert set(re.findall(r'<tr data-key="([^"]+)">', html)) == {"ENT-RELIEF"}   # one row per unit


def test_unknown_grouping_is_refused(login_as):
    response = login_as("coordinator").get("/stock/summary?group_by=colour")
    assert response.status_code == 422
    assert "is-invalid" in response.get_data(as_text=True)


def test_summary_is_hidden_from_the_blood_station(login_as):
    assert login_as("blood").get("/stock/summary").status_code == 403
