#!/usr/bin/env bash
# Set up, migrate, load the demo city and run web + worker + beat on the embedded defaults.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=wsgi
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
PORT=${PORT:-5000}
trap 'kill 0' EXIT INT TERM
.venv/bin/celery -A workers.celery_app worker --loglevel=INFO --pool=solo &
.venv/bin/celery -A workers.celery_app beat --loglevel=INFO &
echo
echo "Open http://127.0.0.1:${PORT}/ and log in with a demo user above (password: demo-pass-2026)."
echo
.venv/bin/gunicorn --bind "127.0.0.1:${PORT}" --workers 2 --threads 4 wsgi:app
