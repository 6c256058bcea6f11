"""Settings: every value comes from the environment, with an embedded default that needs no server.

The embedded default is a SQLite file and a kombu filesystem broker (``files://``) under ``instance/``, so a
new user runs the whole system (web + worker + beat) without PostgreSQL or Redis.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = Path(os.environ.get("INSTANCE_PATH", BASE_DIR / "instance"))


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return raw.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key() -> str:
    """Use SECRET_KEY if set; otherwise keep one generated key in instance/ so sessions survive restarts."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    key_file = INSTANCE_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _broker_folder() -> Path:
    folder = INSTANCE_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    return folder


def _ratelimit_storage(broker: str | None) -> str:
    """Where login failures are counted: shared by every web process, or the throttle is per process.

    ``RATELIMIT_STORAGE_URI`` wins; otherwise a Redis broker (which several processes already share); the
    embedded default ``memory://`` is shared only because ``make run`` serves with one process (threads).
    """
    if os.environ.get("RATELIMIT_STORAGE_URI"):
        return os.environ["RATELIMIT_STORAGE_URI"]
    if broker and broker.startswith(("redis://", "rediss://")):
        return broker
    return "memory://"


class Config:
    """Read once at app creation; tests pass a mapping that overrides these."""

    def __init__(self) -> None:
        INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
        self.SECRET_KEY = _secret_key()
        self.SQLALCHEMY_DATABASE_URI = os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE_DIR / 'reserve.sqlite3'}"
        )
        broker = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL")
        folder = None if broker else _broker_folder()
        self.CELERY = {
            "broker_url": broker or "files://",
            "broker_transport_options": (
                {
                    "data_folder_in": str(folder / "queue"),
                    "data_folder_out": str(folder / "queue"),
                    "processed_folder": str(folder / "processed"),
                    "control_folder": str(folder / "control"),
                    "store_processed": False,
                    "polling_interval": 0.1,
                }
                if folder
                else {}
            ),
            "broker_connection_retry_on_startup": True,
            "task_ignore_result": True,
            "timezone": "Asia/Shanghai",
            "enable_utc": True,
            "task_acks_late": True,
            "worker_prefetch_multiplier": 1,
            "beat_schedule_filename": str(INSTANCE_DIR / "celerybeat-schedule"),
        }
        self.BUSINESS_TIMEZONE = os.environ.get("BUSINESS_TIMEZONE", "Asia/Shanghai")
        self.BABEL_DEFAULT_LOCALE = os.environ.get("BABEL_DEFAULT_LOCALE", "zh")
        self.LANGUAGES = ["zh", "en"]
        self.BOOTSTRAP_SERVE_LOCAL = True
        self.MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 16 * 1024 * 1024))
        self.API_MAX_JSON_BYTES = int(os.environ.get("API_MAX_JSON_BYTES", 4 * 1024 * 1024))
        self.RATELIMIT_STORAGE_URI = _ratelimit_storage(broker)
        self.RATELIMIT_HEADERS_ENABLED = True
        self.RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
        self.LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "5 per minute")
        self.WTF_CSRF_ENABLED = _env_bool("WTF_CSRF_ENABLED", True)
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)
        self.BROKER_HEALTH_TIMEOUT = float(os.environ.get("BROKER_HEALTH_TIMEOUT", 2.0))
        self.ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", 3))
        self.ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", 65536))
        self.COUNT_TOLERANCE_RATIO = os.environ.get("COUNT_TOLERANCE_RATIO", "0.005")
        self.ADJUSTMENT_TOLERANCE_RATIO = os.environ.get("ADJUSTMENT_TOLERANCE_RATIO", "0.005")
        # donors' names and phones (services/blood/donor_vault.py): Fernet keys, newest first, and the key of the
        # phone's hash; empty: both from instance/donor-keys.json (DONOR_KEYS_FILE), made on first use
        self.DONOR_KEYS = os.environ.get("DONOR_KEYS", "")
        self.DONOR_HASH_KEY = os.environ.get("DONOR_HASH_KEY", "")
        self.DONOR_KEYS_FILE = os.environ.get("DONOR_KEYS_FILE", "")
        # alert delivery (docs/operations.md): where links point, SMTP, receivers allowed on private networks
        self.PUBLIC_URL = os.environ.get("PUBLIC_URL", "http://localhost:5000")
        self.MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
        self.MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
        self.MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
        self.MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
        self.MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
        self.MAIL_FROM = os.environ.get("MAIL_FROM", "reserve@localhost")
        self.WEBHOOK_ALLOWED_NETWORKS = os.environ.get("WEBHOOK_ALLOWED_NETWORKS", "")
        for name, default in (("ALERT_ESCALATE_AFTER_MINUTES", 120), ("ALERT_REMIND_EVERY_MINUTES", 720),
                              ("ALERT_GROUP_WAIT_SECONDS", 60), ("ALERT_DELIVERY_MAX_ATTEMPTS", 6),
                              ("ALERT_RETRY_BASE_SECONDS", 30), ("ALERT_SENDING_STALE_SECONDS", 300),
                              ("ALERT_HTTP_TIMEOUT", 10)):
            setattr(self, name, float(os.environ.get(name, default)))


def load() -> dict:
    """The settings as a plain mapping for ``app.config.from_mapping``."""
    return {k: v for k, v in vars(Config()).items() if k.isupper()}
