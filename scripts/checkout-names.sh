#!/usr/bin/env bash
# Print "<PostgreSQL database> <Redis db number>" for the test suite of this checkout.
# Both derive from the checkout's absolute path, so two checkouts on one machine do not share them.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd -P)
sum=$(printf '%s' "$root" | cksum | cut -d' ' -f1)
# Redis has databases 0-15; 0 is left to applications, so 1-15 (TEST_REDIS_URL overrides on a clash)
echo "reserve_test_$(printf '%08x' "$sum") $((sum % 15 + 1))"
