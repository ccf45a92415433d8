# Developer entry points. `make run` and `make test` on a fresh clone need only
# python3.11 and network access to PyPI.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The one XStatic pin lives in requirements.txt; reuse it for the special install.
XSTATIC_BOOTSTRAP := $(shell grep -i '^xstatic-bootstrap==' requirements.txt)
MANAGE := $(BIN)/python manage.py

.PHONY: venv messages migrate demo run test lint fmt clean bench backup restore

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# XStatic-Bootstrap is an sdist whose setup.py imports pkg_resources: it only
# builds without build isolation, against setuptools<81.
$(STAMP): requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/pip install -q "setuptools<81" wheel
	$(BIN)/pip install -q --no-build-isolation "$(XSTATIC_BOOTSTRAP)"
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# compilemessages needs GNU gettext (msgfmt); where it is missing, Babel (a Python
# package from requirements-dev.txt) writes the same .mo files, so the interface is
# Chinese on every machine.
messages: venv
	@if command -v msgfmt >/dev/null 2>&1; then \
		$(MANAGE) compilemessages --ignore=$(VENV) -v0; \
	else \
		$(BIN)/pybabel -q compile -d locale -D django; \
	fi

migrate: venv
	$(MANAGE) migrate --noinput

demo: migrate
	$(MANAGE) load_demo

run: venv messages migrate demo
	@echo
	@echo "Weekly is running at http://127.0.0.1:8000/ (Ctrl-C to stop)"
	@echo
	$(MANAGE) runserver 127.0.0.1:8000

# One test process per core (pytest-xdist); each has its own test database and keeps
# its own keys in Redis. PYTEST_ARGS adds options, e.g. PYTEST_ARGS="-n 0 tests/reports".
PYTEST_ARGS ?=

test: venv messages
	$(BIN)/pytest -n auto --dist worksteal $(PYTEST_ARGS)

# Style, then the import contracts of pyproject.toml (docs/architecture.md).
lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name '*.mo' -path '*/locale/*' -delete

# The benchmark (docs/performance.md): 50 teams x 520 weeks, built once and kept, in
# PostgreSQL when one answers at BENCH_DATABASE_URL (the database is created if missing),
# otherwise in a SQLite file. Server times of the big pages; then the site served by
# gunicorn on loopback and loaded by wrk (installed with apt-get if missing), with the
# shared cache in Redis at BENCH_REDIS_URL when one answers; then export_report --all
# and import_report of 520 weeks. Prints each goal as met or MISSED.
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/weekly_bench
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/13
# Options for manage.py bench, e.g. BENCH_ARGS="--rebuild" or BENCH_ARGS="--parts load".
BENCH_ARGS ?=

bench: venv messages
	@command -v wrk >/dev/null || { \
		echo "Installing wrk, the load generator (apt-get install wrk)"; \
		{ apt-get install -y -qq wrk || { apt-get update -qq && apt-get install -y -qq wrk; }; } >/dev/null; \
	} || { echo "make bench needs wrk: apt-get install wrk"; exit 1; }
	@if $(BIN)/python -c "import redis; redis.Redis.from_url('$(BENCH_REDIS_URL)', socket_connect_timeout=3).ping()" 2>/dev/null; then \
		export WEEKLY_BENCH_REDIS_URL="$(BENCH_REDIS_URL)"; \
	else \
		echo "No Redis at $(BENCH_REDIS_URL): each gunicorn worker keeps its own cache."; \
	fi; \
	if $(BIN)/python -c "import dj_database_url, psycopg2; c = dj_database_url.parse('$(BENCH_DATABASE_URL)'); psycopg2.connect(dbname='postgres', user=c['USER'] or None, password=c['PASSWORD'] or None, host=c['HOST'] or None, port=c['PORT'] or None, connect_timeout=3).close()" 2>/dev/null; then \
		DATABASE_URL="$(BENCH_DATABASE_URL)" $(MANAGE) bench --settings=bench.settings $(BENCH_ARGS); \
	else \
		echo "No PostgreSQL at $(BENCH_DATABASE_URL): measuring on SQLite (bench.sqlite3); search figures are for SQLite."; \
		DATABASE_URL="sqlite:///bench.sqlite3" $(MANAGE) bench --settings=bench.settings $(BENCH_ARGS); \
	fi

# Every report, note, setting, user and revision, as one compressed JSON file; `make
# restore FILE=...` loads it into a migrated, empty database.
BACKUP_EXCLUDE := -e contenttypes -e auth.permission -e sessions -e admin.logentry -e reports.searchentry \
	-e axes.accessattempt
BACKUP_DIR ?= backups

backup: venv
	@mkdir -p $(BACKUP_DIR)
	$(MANAGE) dumpdata --natural-foreign --natural-primary $(BACKUP_EXCLUDE) \
		-o $(BACKUP_DIR)/weekly-$$(date -u +%Y%m%dT%H%M%SZ).json.gz
	@ls -1t $(BACKUP_DIR) | head -1

restore: venv
	@test -n "$(FILE)" || { echo "usage: make restore FILE=backups/weekly-....json.gz"; exit 2; }
	$(MANAGE) migrate --noinput
	$(MANAGE) loaddata $(FILE)
	$(MANAGE) search_index
	$(MANAGE) record_revisions
