"""A quick, bounded check that the configured broker accepts connections."""
from __future__ import annotations

from typing import Any

from kombu import Connection


def broker_is_up(celery_config: dict[str, Any], timeout: float) -> bool:
    try:
        with Connection(
            celery_config["broker_url"],
            transport_options=celery_config.get("broker_transport_options") or {},
            connect_timeout=timeout,
        ) as conn:
            conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        return True
    except Exception:  # kombu surfaces socket, DNS and protocol errors under many types
        return False
