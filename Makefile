# wangge — the two commands a new user needs: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1:8000

.PHONY: demo test test-pg lint serve clean messages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# Re-install only when pyproject.toml changes.
$(VENV)/.app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# One install for the tests (the app's own dependencies included): a second editable build
# costs CI time for nothing.
$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.app $@

demo: $(VENV)/.app
	$(BIN)/wangge migrate --noinput
	$(BIN)/wangge demo
	@echo "Serving at http://$(HOST)/  (Ctrl-C to stop); background worker and scheduler started."
	$(BIN)/wangge db_worker --no-reload --interval 0.5 & worker=$$!; \
	$(BIN)/wangge scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	$(BIN)/wangge runserver $(HOST)

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy wangge config tests bench
	$(BIN)/lint-imports
	DJANGO_SETTINGS_MODULE=config.settings.test $(BIN)/wangge makemigrations --check --dry-run

# Two workers (pytest-xdist): the machines have two cores. `loadgroup` keeps a module that
# shares one expensive load (tests/demo/test_month.py) on one worker.
test: $(VENV)/.test lint
	scripts/ensure-browser
	$(BIN)/pytest -n 2 --dist loadgroup

# The same suite on a throwaway PostgreSQL cluster (CI runs both), a year and a month ahead:
# a test that silently depends on the day it was written fails here, not weeks after it lands.
# It runs the tests that touch the database (WANGGE_TEST_DATABASE_ONLY, tests/conftest.py): a
# pure calculator or partition test says nothing more on PostgreSQL. The browser tests run once,
# in `make test`: what they add (a page in Chromium) does not depend on the database. So does
# the OpenAPI fuzz (schemathesis builds every operation's cases while collecting: a minute of
# CPU per worker; the schema is the API's, and every app's API tests still run here). The
# demo loads (a minute for the month; the loaders write through the same services the apps'
# tests run here) and the hostile query strings on pages (the list endpoints, same parsing,
# still run) stay in SQLite, and so do the query budgets (188 pages and endpoints, a second
# each here: how many queries a page makes is the ORM's doing; the searches' PostgreSQL paths
# are tested by crm's own tests): CI's 25 minutes on two cores.
test-pg: $(VENV)/.test
	WANGGE_TEST_CLOCK_SHIFT_DAYS=$${WANGGE_TEST_CLOCK_SHIFT_DAYS:-400} WANGGE_TEST_DATABASE_ONLY=1 \
	  scripts/with-postgres $(BIN)/pytest -n 2 --dist loadgroup -m "not browser" \
	  --ignore=tests/partition --ignore=tests/core/test_api_schema.py \
	  --ignore=tests/demo --ignore=tests/test_query_budgets.py \
	  --deselect tests/test_query_strings.py::test_a_list_page_answers_hostile_query_strings_without_an_error

messages: $(VENV)/.app
	$(BIN)/wangge makemessages -l en -l zh_Hans --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "tests/*" --ignore "bench/*"
	$(BIN)/wangge compilemessages --ignore ".venv/*"

clean:
	rm -rf $(VENV) var
