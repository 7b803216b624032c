# blipee — the two commands a user needs are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export DAGSTER_HOME ?= $(CURDIR)/data/dagster_home

.PHONY: demo test test-fast ui bench eval-public lint clean venv dagster-home

venv: $(STAMP)

# Create the virtual environment on first use and reinstall only when pyproject.toml changes.
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "blipee needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# Dagster's instance: SQLite under DAGSTER_HOME, or dagster-postgres where DAGSTER_PG_DSN is
# set; both limit the DuckDB pool to one step at a time and evaluate freshness.
dagster-home:
	@mkdir -p $(DAGSTER_HOME)
	@if [ -n "$$DAGSTER_PG_DSN" ]; then cp orchestration/dagster_postgres.yaml $(DAGSTER_HOME)/dagster.yaml; \
	else cp orchestration/dagster.yaml $(DAGSTER_HOME)/dagster.yaml; fi

# Demo data, then the nightly job through Dagster on $(DAGSTER_HOME): `make ui` shows it.
demo: $(STAMP) dagster-home
	$(BIN)/blipee demo

test: lint
	$(BIN)/python -m pytest

# The development lane: ruff and the tests that need no dbt run, no PostgreSQL and no demo
# build (markers slow, dbt, postgres; tests/e2e), each within 60 s. `make test` runs them all.
test-fast: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -m "not slow and not dbt and not postgres" --ignore=tests/e2e --timeout=60

UI_PORT ?= 3000
ui: $(STAMP) dagster-home
	$(BIN)/dagster dev -w workspace.yaml -h 127.0.0.1 -p $(UI_PORT)

bench: $(STAMP)
	$(BIN)/python -m bench.run

# The forecast benchmark on a public dataset (bench/public_dataset.py): Auckland's hourly
# pedestrian counts through blipee's ingestion and marts, tuned on 2024, scored once on H2
# 2025 against the baselines, mlforecast and statsforecast MSTL. Those two pin pandas < 3,
# so they get their own interpreter under data/bench/public/evalvenv.
EVAL_VENV := data/bench/public/evalvenv
eval-public: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[eval]'
	@test -x $(EVAL_VENV)/bin/python || $(PYTHON) -m venv $(EVAL_VENV)
	$(EVAL_VENV)/bin/python -m pip install --quiet mlforecast==1.1.0 statsforecast==2.1.1 \
		lightgbm==4.7.0 pandas==2.3.3 pyarrow
	$(BIN)/python -m bench.public_dataset

# ruff over the Python, sqlfluff (.sqlfluff, dbt templater on the duckdb target) over the dbt
# models and tests; sqlfluff's dbt parse writes only under data/.lint.
LINT_DIR := $(CURDIR)/data/.lint
lint: $(STAMP)
	$(BIN)/ruff check .
	@mkdir -p $(LINT_DIR)
	DBT_TARGET=duckdb BLIPEE_DUCKDB_PATH=$(LINT_DIR)/warehouse.duckdb \
	DBT_TARGET_PATH=$(LINT_DIR)/target DBT_LOG_PATH=$(LINT_DIR)/logs \
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests --processes 2

clean:
	rm -rf data target logs dbt_project/target dbt_project/logs .pytest_cache .ruff_cache
