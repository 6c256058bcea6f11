# The two commands of the README, plus the benchmarks.
.PHONY: run test bench setup translations

run:            ## set up, migrate, load demo data, serve web + worker + beat (embedded defaults; PORT=5000, Ctrl-C stops)
	scripts/run.sh

test:           ## set up and run the whole suite on SQLite and PostgreSQL (this checkout's own database and Redis db)
	scripts/test.sh

bench:          ## the benchmarks in tests/bench (not part of the default suite)
	scripts/setup.sh test && scripts/services.sh && .venv/bin/pytest -q -s tests/bench -p no:cacheprovider -o addopts=""

setup:
	scripts/setup.sh test

translations:   ## re-extract the strings and update the Chinese catalogue
	.venv/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o inventory/translations/messages.pot .
	.venv/bin/pybabel update -i inventory/translations/messages.pot -d inventory/translations
