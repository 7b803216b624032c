"""The forecaster's tests read a real DuckDB file holding each module's synthetic `chain`."""

import pytest

from infra.warehouse import connect_duckdb
from models_ml.synthetic import write_duckdb


@pytest.fixture
def warehouse(tmp_path, chain):
    conn = connect_duckdb(tmp_path / "w.duckdb")
    write_duckdb(conn, chain)
    yield conn
    conn.close()
