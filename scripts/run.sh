#!/usr/bin/env bash
# Set up, migrate, load the demo city and serve web + worker + beat on the embedded defaults.
# PORT (default 5000) chooses the web port: PORT=8080 make run
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
export FLASK_APP=wsgi
.venv/bin/flask db upgrade
.venv/bin/flask seed-demo
# a day of cold-store and reefer readings (with a compressor failure and a silent sensor) for the temperature pages
.venv/bin/flask readings simulate
# the hourly scan would leave a new demo without alerts for up to an hour; the worker delivers what it queues
.venv/bin/flask scan all
exec scripts/serve.sh
