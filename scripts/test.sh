#!/usr/bin/env bash
# Set up and run the whole suite: on SQLite, then on PostgreSQL, with the Redis-broker worker tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
  else
    echo "Install Debian's chromium for the browser tests: sudo apt-get install chromium" >&2
  fi
fi
scripts/services.sh
PG=${TEST_PG_BASE:-postgresql+psycopg://postgres@127.0.0.1:5432}
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='reserve_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE reserve_test"
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/15}

echo "== lint =="
.venv/bin/ruff check inventory workers tests config.py wsgi.py
echo "== SQLite =="
.venv/bin/pytest -q "$@"
echo "== PostgreSQL =="
TEST_DATABASE_URL="$PG/reserve_test" .venv/bin/pytest -q -m "not browser" "$@"
