"""Login throttling holds across web processes: two gunicorn workers count failures in one shared store.

With a Redis broker configured and no RATELIMIT_STORAGE_URI, the throttle uses that Redis (config.py);
with per-process memory, failures spread over two workers let about twice as many guesses through.
"""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

from tests.helpers import DATABASE_URL, REDIS_URL, TMP

ROOT = Path(__file__).resolve().parents[2]
GUESSES = 12


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.redis
@pytest.mark.slow
@pytest.mark.skipif(not REDIS_URL, reason="TEST_REDIS_URL is not set")
def test_two_gunicorn_workers_share_the_login_throttle(app):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"RATELIMIT_STORAGE_URI", "REDIS_URL"}}
    env.update(DATABASE_URL=DATABASE_URL, CELERY_BROKER_URL=REDIS_URL, WTF_CSRF_ENABLED="0",
               INSTANCE_PATH=str(TMP / "throttle"), ARGON2_TIME_COST="1", ARGON2_MEMORY_COST="64")
    server = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}",
                               "--workers", "2", "--threads", "1", "wsgi:app"],
                              cwd=ROOT, env=env, start_new_session=True,
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                requests.get(f"http://127.0.0.1:{port}/login", timeout=10)
                break
            except requests.RequestException:
                time.sleep(0.3)
        time.sleep(1)  # both workers up
        username = f"nobody-{uuid.uuid4().hex[:8]}"
        statuses = []
        for i in range(GUESSES):
            # a new connection each time, so the requests spread over both workers
            response = requests.post(f"http://127.0.0.1:{port}/login", timeout=30,
                                     data={"username": username, "password": f"guess-{i}"},
                                     headers={"Connection": "close"})
            statuses.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) > 0
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    assert statuses.count(401) == 5, statuses
    assert statuses[5:] == [429] * (GUESSES - 5), statuses
