"""Run gunicorn for the length of a ``with`` block; the server never outlives it."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: the same for the real app and the bare baseline: 2 processes × 4 threads = the 8 concurrent clients
GUNICORN_ARGS = ("--workers", "2", "--threads", "4", "--worker-class", "gthread", "--keep-alive", "5",
                 "--log-level", "warning")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_listening(port: int, proc: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {proc.returncode}:\n{log.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not listen on {port} within {timeout} s:\n{log.read_text()}")


@contextmanager
def gunicorn(target: str, env: dict[str, str], log: Path) -> Iterator[int]:
    """Serve ``target`` on a free loopback port; yields the port, terminates the server afterwards."""
    port = _free_port()
    gunicorn_bin = Path(sys.executable).parent / "gunicorn"
    with log.open("w") as out:
        proc = subprocess.Popen([str(gunicorn_bin), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{port}", target],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_listening(port, proc, log)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def server_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment of both servers: the bench database, a throwaway instance folder, no Redis."""
    env = {k: v for k, v in os.environ.items() if k not in {"CELERY_BROKER_URL", "REDIS_URL", "RATELIMIT_STORAGE_URI"}}
    env.update(DATABASE_URL=database_url, INSTANCE_PATH=str(instance), SECRET_KEY="bench", ARGON2_TIME_COST="1",
               ARGON2_MEMORY_COST="64", LEDGER_KEYS=os.environ["LEDGER_KEYS"])
    return env
