# Reunite: `make help` lists the targets.
SHELL := /bin/bash
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.DEFAULT_GOAL := help
.PHONY: help run test test-fast check bench messages clean faults load load-smoke

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(VENV_STAMP): pyproject.toml
	@test -x $(PY) || python3.11 -m venv .venv || python3 -m venv .venv
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e . --group dev
	@touch $(VENV_STAMP)

run: $(VENV_STAMP) ## Start the portal on SQLite with demo data (http://127.0.0.1:8000)
	$(PY) manage.py migrate --verbosity 0
	$(PY) manage.py demo
	@echo
	@echo "Reunite is starting at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@trap 'kill 0' EXIT; \
	  $(PY) manage.py schedule >/dev/null & \
	  $(PY) manage.py db_worker >var/worker.log 2>&1 & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

test: $(VENV_STAMP) ## Run the whole suite (DATABASE_URL=postgres://... for PostgreSQL)
	$(PY) -m pytest

test-fast: $(VENV_STAMP) ## The suite without the browser tests
	$(PY) -m pytest -m "not browser"

faults: $(VENV_STAMP) ## Fault suite: real processes under faults (needs DATABASE_URL=postgres://...)
	REUNITE_FAULTS=1 $(PY) -m pytest faults -m faults -s -rs -p no:randomly

check: $(VENV_STAMP) ## Lint, import contracts, migrations, production settings, security gates
	.venv/bin/ruff check .
	.venv/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	REUNITE_ENV=production SECRET_KEY=check-only-$$(head -c 32 /dev/urandom | base64 | tr -dc A-Za-z0-9) \
	  DATA_KEYS=k1:$$($(PY) -c 'import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())') \
	  BLIND_INDEX_KEY=check-only ALLOWED_HOSTS=reunite.example.org DATABASE_URL=sqlite:///:memory: \
	  UPLOAD_SCAN_CLAMD=tcp://127.0.0.1:3310 \
	  $(PY) manage.py check --deploy --fail-level WARNING
	@echo "== security gates (see SECURITY.md) =="
	.venv/bin/bandit --quiet --recursive reunite config --severity-level high
	.venv/bin/semgrep scan --config .semgrep/ --metrics=off --disable-version-check --error --quiet --no-git-ignore reunite config
	$(PY) docs/security/dependency_audit.py
	$(PY) -m pytest reunite/tests/test_asvs_trail.py \
	  reunite/core/tests/test_asvs_static.py::test_semgrep_rules_flag_every_bad_fixture_and_no_good_one \
	  reunite/tests/test_architecture.py::test_every_url_is_in_the_access_matrix

LOAD_MINUTES ?= 5
load: $(VENV_STAMP) ## Load test: gunicorn + PostgreSQL, 100k people, 50 staff + stuffing wave (LOAD_MINUTES=5)
	$(PY) -m pip install --quiet --group load
	$(PY) load/run.py --minutes $(LOAD_MINUTES)

load-smoke: $(VENV_STAMP) ## The load harness end to end in 1 minute on 5,000 people
	$(PY) -m pip install --quiet --group load
	$(PY) load/run.py --minutes 1 --people 5000 --cases 1000

bench: $(VENV_STAMP) ## Benchmarks: matching (accuracy vs Splink, speed at 1M) and the registry at 100k
	$(PY) -m pip install --quiet --group bench
	$(PY) bench/bench_matching.py
	$(PY) bench/bench_registry.py

messages: $(VENV_STAMP) ## Refresh the translation catalogues and compile them
	cd reunite && ../$(PY) ../manage.py makemessages -l es -l fr --no-obsolete --add-location file
	$(PY) manage.py compilemessages_py

clean: ## Remove the virtualenv and local data (var/)
	rm -rf .venv var staticfiles
