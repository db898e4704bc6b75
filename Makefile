# Quick start: `make demo` and `make test` work on a fresh machine with Python 3.11+.
# Installs come from requirements/lock.txt (exact versions, hashes checked);
# `make lock` refreshes it from pyproject.toml after a dependency changes.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
UV_VERSION := 0.13.8
# Tests (docs/testing.md), in parallel (pytest-xdist; WORKERS=auto is one per core):
#   make test       the fast tier: no @pytest.mark.slow test, each CLI test on one of
#                   local/remote; no PostgreSQL needed; <= 5 minutes on 2 cores
#   make test-rest  everything else on all four backends (CI runs test, then test-rest)
#   make test-all   everything on all four backends (= test + test-rest)
# test-rest and test-all need GUANCE_BILLING_TEST_PG_URL (scripts/pg-test-server.sh start).
# PYTEST_ARGS adds pytest options or paths, e.g. PYTEST_ARGS="tests/test_bind.py -x".
WORKERS ?= auto
PYTEST_ARGS ?=
PYTEST := $(PY) -m pytest -q -n $(WORKERS) --dist worksteal

.PHONY: demo demo-server test test-rest test-all lint bench lock clean catalogs schemas
LOCALE := src/guance_billing_cli/locale
CATALOG_MO := $(LOCALE)/zh_CN/LC_MESSAGES/guance_billing.mo $(LOCALE)/en/LC_MESSAGES/guance_billing.mo
BABEL_KEYWORDS := -k N_ -k _ -k ngettext:1,2 -k translate:1 -k pgettext_noop:1c,2

$(STAMP): $(LOCK) pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes --no-deps -r $(LOCK)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	$(PY) -m pip check
	touch $(STAMP)

# gettext catalogs: the build hook (hatch_build.py) compiles them on install; this
# recompiles after a .po edit. `make catalogs` re-extracts messages from the code
# and merges them into the .po files (then translate the new zh_CN entries).
$(LOCALE)/%/LC_MESSAGES/guance_billing.mo: $(LOCALE)/%/LC_MESSAGES/guance_billing.po $(STAMP)
	$(VENV)/bin/pybabel compile --domain guance_billing --directory $(LOCALE) --locale $* --statistics

catalogs: $(STAMP)
	$(VENV)/bin/pybabel extract -F pyproject.toml $(BABEL_KEYWORDS) --no-location --no-wrap --sort-output \
		--omit-header -c TRANSLATORS: -o $(LOCALE)/guance_billing.pot src
	$(VENV)/bin/pybabel update --domain guance_billing --input-file $(LOCALE)/guance_billing.pot \
		--output-dir $(LOCALE) --no-fuzzy-matching --no-wrap --ignore-obsolete
	$(MAKE) $(CATALOG_MO)


# Regenerate the lock from pyproject.toml (all extras, every platform, Python >= 3.11).
# Run after adding or changing a dependency, then commit requirements/lock.txt.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --extra server --extra build \
		--generate-hashes --universal --python-version 3.11 --no-header --quiet \
		$(LOCK_FLAGS) -o $(LOCK)
	@echo "wrote $(LOCK); now: make test, and commit it"

# The JSON Schema of each command's --json output (docs/output-schemas.md): run after
# changing a model a command prints; `make schemas ARGS=--release` when cutting a release.
schemas: $(STAMP)
	$(PY) scripts/output_schemas.py $(ARGS)

demo: $(STAMP) $(CATALOG_MO)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo.sh

demo-server: $(STAMP) $(CATALOG_MO)
	PATH="$(CURDIR)/$(VENV)/bin:$$PATH" bash scripts/demo-server.sh

test: $(STAMP) $(CATALOG_MO)
	$(PYTEST) --tier fast --backends quick $(PYTEST_ARGS)

test-rest: $(STAMP) $(CATALOG_MO)
	$(PYTEST) --tier rest --backends all $(PYTEST_ARGS)

test-all: $(STAMP) $(CATALOG_MO)
	$(PYTEST) --backends all $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/shellcheck scripts/*.sh .ci/run
	$(PY) -m pytest -q tests/test_layers.py  # the layer contract and zero new import cycles (docs/architecture.md)

bench: $(STAMP)
	$(PY) bench/startup.py
	$(PY) bench/list.py
	$(PY) bench/bind.py
	$(PY) bench/bindings.py
	$(PY) bench/remote.py
	$(PY) bench/limits.py
	$(PY) bench/login.py
	$(PY) bench/audit.py
	$(PY) bench/completion.py
	$(PY) bench/shell.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
