#!/usr/bin/env bash
# `make test` needs PostgreSQL and Redis on this machine. As root, install what is missing from the
# distribution's packages (as scripts/test.sh does for chromium); otherwise say in one sentence what to do.
set -euo pipefail
missing=()
{ command -v psql && command -v pg_ctlcluster; } >/dev/null 2>&1 || missing+=(postgresql)
{ command -v redis-server && command -v redis-cli; } >/dev/null 2>&1 || missing+=(redis-server)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ -z "${REQUIRE_SERVICES_NO_INSTALL:-}" ] && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  echo "Installing ${missing[*]} from the distribution's packages for the test suite ..." >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}") >/dev/null
  if [[ " ${missing[*]} " == *" postgresql "* ]]; then
    # a cluster created just now, on a test machine: the suite connects as postgres from 127.0.0.1 without a password
    for hba in /etc/postgresql/*/main/pg_hba.conf; do
      sed -i -E 's#^(host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+)[a-z0-9-]+#\1trust#' "$hba"
    done
  fi
  exit 0
fi
echo "make test needs PostgreSQL and Redis on this machine but the package(s) ${missing[*]} are missing: install them with 'sudo apt-get install ${missing[*]}' (or run make test as root, which installs them)." >&2
exit 1
