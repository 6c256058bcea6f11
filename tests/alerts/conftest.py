"""Scans read their settings from the application (core/settings.py), so service tests run in its context."""
from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask


@pytest.fixture
def ctx(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        yield app


# the local receivers, as fixtures for every alert test module
from tests.alerts.receivers import receiver  # noqa: E402, F401
