"""Policy settings the services read (tolerances, timeouts), in one place, from the app's configuration.

Views and tasks do not pass policy in: a rule reads its own setting here, so every caller applies the same one.
"""
from __future__ import annotations

from datetime import timedelta
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


def replenishment_due_days() -> int:
    """Days from a dispatch's completion by which its replenishment is due: the regulation says only "及时"
    (reserve-materials-measures §四(二)); 90 days lets a bureau buy, and the bureau adjusts it per proposal."""
    return int(current_app.config.get("REPLENISHMENT_DUE_DAYS", 90))


def instruction_days() -> int:
    """Days an enterprise has to execute an instruction when its dispatch names no later date (default 3)."""
    return int(current_app.config.get("INSTRUCTION_DAYS", 3))


def approval_waiting_days() -> int:
    """Working days a request may wait for its decider before ``approval_waiting`` alerts (default 2)."""
    return int(current_app.config.get("ALERT_APPROVAL_WAITING_DAYS", 2))


def alert_escalate_after() -> timedelta:
    """How long a critical alert may stay unacknowledged before each escalation step (default 2 hours)."""
    return timedelta(minutes=float(current_app.config.get("ALERT_ESCALATE_AFTER_MINUTES", 120)))


def alert_remind_every() -> timedelta:
    """How often an unresolved critical alert is delivered again (default 12 hours)."""
    return timedelta(minutes=float(current_app.config.get("ALERT_REMIND_EVERY_MINUTES", 720)))


def delivery_group_wait() -> timedelta:
    """How long an immediate delivery waits for others of its kind to go out as one message (default 1 min)."""
    return timedelta(seconds=float(current_app.config.get("ALERT_GROUP_WAIT_SECONDS", 60)))


def delivery_max_attempts() -> int:
    """Attempts before a delivery is dead (default 6)."""
    return int(current_app.config.get("ALERT_DELIVERY_MAX_ATTEMPTS", 6))


def delivery_retry_base() -> float:
    """Seconds before the first retry; each further retry waits twice as long, at most an hour (default 30)."""
    return float(current_app.config.get("ALERT_RETRY_BASE_SECONDS", 30))


def delivery_stale_after() -> timedelta:
    """A delivery a worker has held this long without an outcome is taken up again (its worker died)."""
    return timedelta(seconds=float(current_app.config.get("ALERT_SENDING_STALE_SECONDS", 300)))


def delivery_timeout() -> float:
    """Seconds a receiver (webhook, robot, SMTP server) has to answer (default 10)."""
    return float(current_app.config.get("ALERT_HTTP_TIMEOUT", 10))


def webhook_allowed_networks() -> list[str]:
    """Private or loopback networks the administrator allows delivery targets in (default none)."""
    raw = current_app.config.get("WEBHOOK_ALLOWED_NETWORKS") or ""
    return [part.strip() for part in (raw.split(",") if isinstance(raw, str) else raw) if part.strip()]


def mail_settings() -> dict[str, Any]:
    """SMTP server, port, TLS, login and sender of alert e-mail."""
    config = current_app.config
    return {"server": config.get("MAIL_SERVER", "localhost"), "port": int(config.get("MAIL_PORT", 25)),
            "tls": bool(config.get("MAIL_USE_TLS", False)), "username": config.get("MAIL_USERNAME") or "",
            "password": config.get("MAIL_PASSWORD") or "", "sender": config.get("MAIL_FROM", "reserve@localhost")}


def public_url() -> str:
    """Where people open the system: the links in messages point here."""
    return str(current_app.config.get("PUBLIC_URL", "http://localhost:5000")).rstrip("/")


def blood_supply_window_days() -> int:
    """Days of issues the mean daily use of blood is taken over, the day itself included (default 30,
    docs/blood.md)."""
    return max(1, int(current_app.config.get("BLOOD_SUPPLY_WINDOW_DAYS", 30)))


def blood_normal_days() -> int:
    """Consecutive normal days (no group low, collections at least issues) after which the end of an emergency
    is proposed (default 7, docs/blood.md "Termination and review"; the plan sets no number)."""
    return max(1, int(current_app.config.get("BLOOD_NORMAL_DAYS", 7)))


def blood_report_due_hour() -> int:
    """Hour (Asia/Shanghai) of the next day by which a day's blood report must be filed (default 10)."""
    return min(23, max(0, int(current_app.config.get("BLOOD_REPORT_DUE_HOUR", 10))))


def reading_retention_days() -> int:
    """Days raw cold-chain readings are kept before their month is dropped (default 400, so a whole year is
    always there; hourly roll-ups are kept for good; docs/coldchain.md, storage)."""
    return max(31, int(current_app.config.get("COLDCHAIN_RETENTION_DAYS", 400)))


def sensor_silent_factor() -> float:
    """A sensor is silent after this many of its expected intervals without a reading (default 3)."""
    return max(1.0, float(current_app.config.get("COLDCHAIN_SILENT_FACTOR", 3)))


def coldchain_rule_overrides() -> dict[str, dict]:
    """Overrides of the default cold-chain rules by rule code (``{"medical_high": {"minutes": 480}}``)."""
    return current_app.config.get("COLDCHAIN_RULES") or {}


def scrap_attachment_max_bytes() -> int:
    """The largest evidence file a scrap takes (default 10 MB)."""
    return int(current_app.config.get("SCRAP_ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024))


def attachments_folder() -> str:
    """Where evidence files are kept, outside the database (default ``instance/attachments``)."""
    return str(current_app.config.get("ATTACHMENTS_FOLDER") or f"{current_app.instance_path}/attachments")


def rotation_floor_share() -> Decimal:
    """Share of an enterprise's stock of a material that rotations may never take it below (default 0.7):
    no annual plan exists yet to take a share of (docs/domain-rules.md, rotation)."""
    return Decimal(str(current_app.config.get("ROTATION_FLOOR_SHARE", "0.7")))


def evaluation_review_threshold() -> int:
    """A final annual evaluation below this score recommends a review of the enterprise's storage qualification
    (docs/plans.md, "Annual evaluation"; default 60)."""
    return int(current_app.config.get("EVALUATION_REVIEW_THRESHOLD", 60))


def statistics_period() -> str:
    """How often the statistics report is produced: ``monthly`` (default) or ``quarterly`` (docs/plans.md,
    "Statistics report"); the regulation says only "定期"."""
    return str(current_app.config.get("STATISTICS_PERIOD", "monthly"))


def coverage_warning_ratio() -> Decimal:
    """Coverage below which ``below_plan`` warns (docs/plans.md, "Coverage"; default 0.9); below the plan but not
    below this, the alert is for information."""
    return Decimal(str(current_app.config.get("COVERAGE_WARNING_RATIO", "0.9")))


def coverage_critical_ratio() -> Decimal:
    """Coverage below which ``below_plan`` is critical (default 0.7)."""
    return Decimal(str(current_app.config.get("COVERAGE_CRITICAL_RATIO", "0.7")))


def catalogue_review_remind_days() -> int:
    """Days before a catalogue version's review date from which ``catalogue_review_due`` reminds (default 30)."""
    return int(current_app.config.get("CATALOGUE_REVIEW_REMIND_DAYS", 30))


def addition_ending_remind_days() -> int:
    """Days before a temporary addition's last day from which ``addition_ending`` reminds (default 14)."""
    return int(current_app.config.get("ADDITION_ENDING_REMIND_DAYS", 14))


def donor_mix_tolerance() -> Decimal:
    """How far, in share of the team, each blood group may be from the plan's mix (A 24 %, B 28 %, O 32 %,
    AB 16 %, blood-supply plan §六(一)) — 0.05 is five percentage points either way (default)."""
    return Decimal(str(current_app.config.get("BLOOD_DONOR_MIX_TOLERANCE", "0.05")))


def donor_units() -> Decimal:
    """Red-cell units one donor gives in an emergency, for the five-day demand rule (default 1: one 200 mL
    donation is one unit, docs/blood.md)."""
    return Decimal(str(current_app.config.get("BLOOD_UNITS_PER_DONOR", "1")))


def contract_expiring_days() -> int:
    """How many days before its end an active storage contract raises ``contract_expiring`` (default 30)."""
    return int(current_app.config.get("CONTRACT_EXPIRING_DAYS", 30))
