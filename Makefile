# Thin wrappers; see README.md. Every target creates the virtualenv it needs.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test check check-import bench bench-peer bench-api bench-versions load lint clean openapi

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# DEBUG is off unless set: the development targets switch it on (override with DEBUG=0 make ...).
run check openapi: export DEBUG ?= 1

run: $(VENV)/.runtime
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py seed_demo
	@# The job worker (background imports) runs beside the server and stops with it.
	$(PY) manage.py run_huey --quiet & worker=$$!; trap 'kill $$worker' EXIT; $(PY) manage.py runserver $(HOST)

test: $(VENV)/.dev
	$(PY) -m pytest -n auto

check: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) ../shared/checks/check_seed_import.py

bench: $(VENV)/.dev
	$(PY) bench/run.py
	$(PY) bench/hostile.py
	$(PY) bench/fixture_memory.py

# Side by side with Taguette (installed from PyPI into its own virtualenv under the temp folder).
bench-peer: $(VENV)/.runtime
	$(PY) bench/peer_taguette.py

bench-api: $(VENV)/.dev
	$(PY) bench/api.py

# Just the version carry-over figure (1,000 passages, ~5,000 annotations), on a throwaway SQLite file.
bench-versions: $(VENV)/.dev
	tmp=$$(mktemp -d) && export DATABASE_URL=sqlite:///$$tmp/bench.sqlite3 && \
	$(PY) manage.py migrate --verbosity 0 && $(PY) bench/carry_over.py; status=$$?; rm -rf $$tmp; exit $$status

load: $(VENV)/.runtime
	$(PY) bench/load.py

# The published OpenAPI schema of the REST API (tests/test_api_docs.py keeps it current).
openapi: $(VENV)/.dev
	$(PY) manage.py export_openapi_schema --api annotations.api.v1.api \
		| $(PY) -c "import json, sys, yaml; yaml.safe_dump(json.load(sys.stdin), sys.stdout, sort_keys=False, allow_unicode=True)" \
		> docs/openapi.yaml

lint: $(VENV)/.dev
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache

check-import: $(VENV)/.dev
	$(PY) tests/corpus/scoring.py
