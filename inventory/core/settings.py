"""Policy settings the services read (tolerances, timeouts), in one place, from the app's configuration.

Views and tasks do not pass policy in: a rule reads its own setting here, so every caller applies the same one.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask import current_app


def count_tolerance() -> Decimal:
    """Share of the book a count may differ by before the difference is kept as a mismatch."""
    return Decimal(str(current_app.config["COUNT_TOLERANCE_RATIO"]))


def adjustment_tolerance() -> Decimal:
    """Share of on-hand a write-down may take before it waits for the bureau."""
    return Decimal(str(current_app.config["ADJUSTMENT_TOLERANCE_RATIO"]))


def broker_health_timeout() -> float:
    return float(current_app.config["BROKER_HEALTH_TIMEOUT"])


def celery_settings() -> dict[str, Any]:
    return current_app.config["CELERY"]


def storage_class_ranges() -> dict[str, list]:
    """Overrides of the storage classes' temperature ranges: class -> [low, high] (null for no bound)."""
    return current_app.config.get("STORAGE_CLASS_RANGES") or {}


def adjustment_window_days() -> int:
    """The rolling period over which write-ups and write-downs that needed no approval add up (default 30)."""
    return int(current_app.config.get("ADJUSTMENT_WINDOW_DAYS", 30))


def approval_waiting_days() -> int:
    """Working days a request may wait for its decider before ``approval_waiting`` alerts (default 2)."""
    return int(current_app.config.get("ALERT_APPROVAL_WAITING_DAYS", 2))
