"""Settings: environment first, then blipee.toml, then the embedded defaults."""

from pathlib import Path

import pytest

from infra.settings import Settings


def test_defaults_put_everything_under_the_data_dir(tmp_path: Path) -> None:
    settings = Settings.from_env({"BLIPEE_DATA_DIR": str(tmp_path), "BLIPEE_CONFIG": "none"})
    assert settings.data_dir == tmp_path.resolve()
    assert settings.landing_dir == tmp_path.resolve() / "landing"
    assert settings.duckdb_path == tmp_path.resolve() / "warehouse.duckdb"
    assert settings.warehouse == "duckdb"
    assert settings.pg_dsn is None


def test_toml_is_read_and_environment_wins(tmp_path: Path) -> None:
    config = tmp_path / "blipee.toml"
    config.write_text(f'data_dir = "{tmp_path / "from-toml"}"\nwarehouse = "postgres"\n')
    settings = Settings.from_env({"BLIPEE_CONFIG": str(config), "BLIPEE_WAREHOUSE": "duckdb"})
    assert settings.data_dir == (tmp_path / "from-toml").resolve()
    assert settings.warehouse == "duckdb"


def test_pg_dsn_from_parts_and_secrets_not_in_repr() -> None:
    settings = Settings.from_env({
        "BLIPEE_CONFIG": "none", "BLIPEE_PG_HOST": "db.example", "BLIPEE_PG_PASSWORD": "s3cret",
        "BLIPEE_CUSTOMER_SALT": "pepper",
    })
    assert settings.pg_dsn == (
        "host=db.example port=5432 user=postgres dbname=blipee password=s3cret"
    )
    assert "s3cret" not in repr(settings)
    assert "pepper" not in repr(settings)


def test_unknown_warehouse_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="duckdb or postgres"):
        Settings.from_env({"BLIPEE_CONFIG": "none", "BLIPEE_WAREHOUSE": "oracle"})
