# Vitrine: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test test-embedded lint format bench migrate messages install clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev,local]'
	@touch $(STAMP)

install: $(STAMP)

## Start the embedded PostgreSQL (unless DATABASE_URL), a Celery worker and the web server,
## provision the three demo territories and print their addresses. Ctrl-C stops everything.
demo: $(STAMP)
	$(PY) -m vitrine.devtools.demo

## The whole test suite, on DATABASE_URL or the embedded PostgreSQL.
test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## Lint, format, types and the apps' layers (CI runs it; `make format` rewrites).
lint: $(STAMP)
	$(VENV)/bin/ruff check platform tests
	$(VENV)/bin/ruff format --check platform tests
	$(VENV)/bin/lint-imports --no-cache
	DATABASE_URL=postgres://localhost/unused PYTHONPATH=platform $(VENV)/bin/mypy  # settings are read, no database is reached

format: $(STAMP)
	$(VENV)/bin/ruff check --fix platform tests
	$(VENV)/bin/ruff format platform tests

## The fresh-machine smoke path: the embedded PostgreSQL and the file-system broker, whatever is set.
test-embedded: $(STAMP)
	env -u DATABASE_URL -u CELERY_BROKER_URL -u REDIS_URL VITRINE_VAR_DIR=$(CURDIR)/var/embedded \
		$(PY) -m pytest -m "embedded" $(PYTEST_ARGS)

## Benchmarks (on demand; they print tables and ratios).
bench: $(STAMP)
	$(PY) -m pytest tests/benchmarks -s -p no:cacheprovider $(PYTEST_ARGS)

migrate: $(STAMP)
	$(PY) manage.py migrate_schemas

## Collect source strings (apps, themes/, tenants/) into the French catalogue, then compile it.
messages: $(STAMP)
	$(PY) manage.py makemessages -l fr --no-location --ignore "tests/*" --ignore "var/*" --ignore "infra/*" --ignore ".venv/*"
	cd platform/vitrine && ../../$(PY) ../../manage.py compilemessages -l fr

clean:
	rm -rf $(VENV) var
