#!/usr/bin/env bash
# Serve web + worker + beat in the foreground until Ctrl-C (or TERM), then stop all three, once.
#
# One gunicorn process with threads: the login throttle's default storage (memory://) is then shared by
# every request. With several web processes set RATELIMIT_STORAGE_URI (or a Redis broker) instead.
# Each child runs in its own session, so Ctrl-C reaches only this script, which sends each child one
# TERM (a warm shutdown); the handler clears itself first, so it never runs twice.
set -uo pipefail
cd "$(dirname "$0")/.."
PORT=${PORT:-5000}
WEB_THREADS=${WEB_THREADS:-8}
export FLASK_APP=wsgi
pids=()

stop() {
  trap - INT TERM EXIT
  if [ ${#pids[@]} -gt 0 ]; then
    kill -TERM "${pids[@]}" 2>/dev/null
    wait "${pids[@]}" 2>/dev/null
  fi
  exit "${1:-0}"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop $?' EXIT

setsid .venv/bin/celery -A workers.celery_app worker --loglevel=INFO --pool=solo &
pids+=($!)
setsid .venv/bin/celery -A workers.celery_app beat --loglevel=INFO &
pids+=($!)
setsid .venv/bin/gunicorn --bind "127.0.0.1:${PORT}" --workers 1 --threads "$WEB_THREADS" wsgi:app &
pids+=($!)
echo
echo "Open http://127.0.0.1:${PORT}/ and log in with a demo user (password: demo-pass-2026). Ctrl-C stops."
echo
# when any of the three ends by itself, stop the other two
wait -n
stop $?
