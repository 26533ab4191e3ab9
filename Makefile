# Stride Clinic: `make run` starts everything on the embedded default, `make test` runs the suite.
# Needs only Python 3.11, git and make; uv is installed into .tools/ and the app into .venv/.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
UV_VERSION := 0.13.9
UV := .tools/bin/uv
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
PY := .venv/bin/python
PYTEST_ARGS ?=
TEST_WORKERS ?= 2
LOAD_ARGS ?=

.PHONY: setup run test lint format check-migrations bench load clean

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

.venv/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --frozen --compile-bytecode --python "$(PYTHON)"
	@touch $@

setup: .venv/.synced

run: setup
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Stride Clinic is starting at http://127.0.0.1:$${WEB_PORT:-8000}/  (Ctrl+C stops web and worker)"
	@echo ""
	.venv/bin/honcho --procfile Procfile.embedded start

# Each run gets its own var/ (test database file, broker folders), so runs never share state.
# Two passes (tests/suite.py): the suite on TEST_WORKERS processes at once, then the tests marked
# serial alone; either failing fails. One file on its own: .venv/bin/python -m pytest tests/...
test: setup
	@.ci/ensure-chromium
	STRIDE_VAR_DIR="$${STRIDE_VAR_DIR:-$$(mktemp -d -t stride-test-XXXXXX)}" TEST_WORKERS=$(TEST_WORKERS) \
	  $(PY) -m tests.suite $(PYTEST_ARGS)

lint: setup
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/mypy

format: setup
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

check-migrations: setup
	$(PY) manage.py makemigrations --check --dry-run

bench: setup
	$(PY) manage.py bench_analysis

# Load run on gunicorn + PostgreSQL + Redis (127.0.0.1): seeds the stride_load database, 50 users
# for 60 s, prints req/s and read/write percentiles (loadtest/run.py --help for LOAD_ARGS).
load: setup
	$(PY) loadtest/run.py $(LOAD_ARGS)

clean:
	rm -rf .venv .tools var
