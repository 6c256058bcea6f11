"""The developer scripts: `make run` stops cleanly on Ctrl-C, `make test` names its databases per checkout."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.helpers import DATABASE_URL, TMP

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _processes_with(marker: str) -> list[int]:
    """Processes whose environment holds ``marker`` (the children serve.sh started, wherever they moved)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "environ").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir() or not shutil.which("setsid"), reason="needs Linux /proc and setsid")
def test_ctrl_c_stops_web_worker_and_beat_once_and_cleanly(app):
    instance = TMP / f"serve-{os.getpid()}"
    instance.mkdir(exist_ok=True)
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"}}
    env.update(PORT=str(port), INSTANCE_PATH=str(instance), DATABASE_URL=DATABASE_URL, WEB_THREADS="2",
               SERVE_TEST_MARKER=str(instance))
    # a session of its own, like a terminal: Ctrl-C sends SIGINT to the whole foreground process group
    run = subprocess.Popen([str(ROOT / "scripts" / "serve.sh")], cwd=ROOT, env=env, start_new_session=True,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"http://127.0.0.1:{port}/login", timeout=10).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            os.killpg(run.pid, signal.SIGTERM)
            pytest.fail("the web server did not start: " + run.communicate(timeout=30)[0][-3000:])
        time.sleep(2)  # let the worker and beat finish starting
        assert len(_processes_with(f"SERVE_TEST_MARKER={instance}")) >= 4  # the script and its three children
        os.killpg(run.pid, signal.SIGINT)
        output, _ = run.communicate(timeout=60)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
        for pid in _processes_with(f"SERVE_TEST_MARKER={instance}"):
            os.kill(pid, signal.SIGKILL)
    assert run.returncode in (0, 130), output
    assert output.count("Warm shutdown") <= 1, output[-2000:]
    assert "Segmentation fault" not in output and "Traceback" not in output, output[-2000:]
    assert _processes_with(f"SERVE_TEST_MARKER={instance}") == []


def _checkout_names(checkout: Path) -> tuple[str, str]:
    (checkout / "scripts").mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "scripts" / "checkout-names.sh", checkout / "scripts" / "checkout-names.sh")
    out = subprocess.run([shutil.which("bash"), str(checkout / "scripts" / "checkout-names.sh")],
                         capture_output=True, text=True, check=True, env={"PATH": os.environ["PATH"]}).stdout.split()
    return out[0], out[1]


def test_two_checkouts_get_their_own_test_database_and_redis_db(tmp_path):
    first, second = _checkout_names(tmp_path / "one"), _checkout_names(tmp_path / "two")
    assert first == _checkout_names(tmp_path / "one")
    assert first[0] != second[0]
    for database, redis_db in (first, second):
        assert database.startswith("reserve_test_") and database.replace("_", "").isalnum() and len(database) < 64
        assert 1 <= int(redis_db) <= 15


def test_the_test_script_uses_the_checkout_names_and_says_what_is_missing():
    script = (ROOT / "scripts" / "test.sh").read_text()
    assert "reserve_test\"" not in script and "/15}" not in script
    assert "checkout-names.sh" in script
    check = subprocess.run([shutil.which("bash"), str(ROOT / "scripts" / "require-services.sh")],
                           capture_output=True, text=True, env={"PATH": "/nonexistent", "REQUIRE_SERVICES_NO_INSTALL": "1"})
    assert check.returncode != 0
    message = check.stderr.strip()
    assert "PostgreSQL" in message and "Redis" in message and "apt-get install" in message
    assert len(message.splitlines()) == 1
