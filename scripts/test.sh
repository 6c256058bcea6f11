#!/usr/bin/env bash
# Set up and run the whole suite: on SQLite, then on PostgreSQL, with the Redis-broker worker tests.
# The PostgreSQL database and the Redis db number are this checkout's own (scripts/checkout-names.sh).
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
scripts/require-services.sh
scripts/services.sh
if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "PostgreSQL is installed but not answering on 127.0.0.1:5432: start it (pg_ctlcluster <version> main start)." >&2
  exit 1
fi
read -r TEST_DB REDIS_DB < <(scripts/checkout-names.sh)
PG=${TEST_PG_BASE:-postgresql+psycopg://postgres@127.0.0.1:5432}
psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname='${TEST_DB}'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE ${TEST_DB}"
export TEST_REDIS_URL=${TEST_REDIS_URL:-redis://127.0.0.1:6379/${REDIS_DB}}
echo "== test database ${TEST_DB}, Redis db ${TEST_REDIS_URL##*/} =="

echo "== lint =="
.venv/bin/ruff check inventory workers tests config.py wsgi.py
# The two databases run side by side (each its own Redis db and temporary folder); each prints with its prefix.
echo "== SQLite and PostgreSQL, side by side =="
RESULTS=$(mktemp -d)
(set +e; .venv/bin/pytest -q "$@" 2>&1 | sed -u 's/^/[sqlite] /'; echo "${PIPESTATUS[0]}" >"$RESULTS/sqlite") &
(set +e; TEST_DATABASE_URL="$PG/${TEST_DB}" TEST_REDIS_URL="${TEST_REDIS_URL%/*}/$((REDIS_DB % 15 + 1))" \
  .venv/bin/pytest -q -m "not browser" "$@" 2>&1 | sed -u 's/^/[postgresql] /'; echo "${PIPESTATUS[0]}" >"$RESULTS/postgresql") &
wait
status=0
for run in sqlite postgresql; do
  code=$(cat "$RESULTS/$run" 2>/dev/null || echo 1)
  echo "== $run: exit $code =="
  [ "$code" = 0 ] || status=1
done
exit $status
