"""One settings object for every part of blipee.

Values come from `BLIPEE_*` environment variables, then an optional `blipee.toml` in the
working directory, then the embedded defaults. Secrets are read from the environment only
and never appear in `repr`, so a settings object can be logged safely.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Warehouse = Literal["duckdb", "postgres"]


def _toml_values(path: Path) -> dict[str, object]:
    if not path.is_file():
        return {}
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return dict(data.get("blipee", data))


@dataclass(frozen=True)
class Settings:
    """Where blipee keeps its data and which warehouse it writes to."""

    data_dir: Path
    landing_dir: Path
    warehouse: Warehouse = "duckdb"
    duckdb_path: Path = Path("data/warehouse.duckdb")
    pg_dsn: str | None = field(default=None, repr=False)
    serving_dsn: str | None = field(default=None, repr=False)
    customer_salt: str = field(default="blipee-demo-salt", repr=False)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        toml = _toml_values(Path(env.get("BLIPEE_CONFIG", "blipee.toml")))

        def pick(name: str, default: str | None = None) -> str | None:
            value = env.get(f"BLIPEE_{name.upper()}")
            if value is None:
                value = toml.get(name.lower())
            return default if value is None else str(value)

        data_dir = Path(pick("data_dir", "data")).resolve()
        landing = Path(pick("landing_dir", str(data_dir / "landing"))).resolve()
        warehouse = (pick("warehouse", "duckdb") or "duckdb").lower()
        if warehouse not in ("duckdb", "postgres"):
            raise ValueError(f"BLIPEE_WAREHOUSE must be duckdb or postgres, not {warehouse!r}")
        duckdb_path = Path(pick("duckdb_path", str(data_dir / "warehouse.duckdb"))).resolve()
        return cls(
            data_dir=data_dir,
            landing_dir=landing,
            warehouse=warehouse,  # type: ignore[arg-type]
            duckdb_path=duckdb_path,
            pg_dsn=env.get("BLIPEE_PG_DSN") or _dsn_from_parts(env),
            serving_dsn=env.get("BLIPEE_SERVING_DSN"),
            customer_salt=env.get("BLIPEE_CUSTOMER_SALT", "blipee-demo-salt"),
        )


def _dsn_from_parts(env: dict[str, str]) -> str | None:
    """Build a libpq DSN from BLIPEE_PG_HOST/PORT/USER/PASSWORD/DATABASE when set."""
    if "BLIPEE_PG_HOST" not in env:
        return None
    parts = {
        "host": env["BLIPEE_PG_HOST"],
        "port": env.get("BLIPEE_PG_PORT", "5432"),
        "user": env.get("BLIPEE_PG_USER", "postgres"),
        "dbname": env.get("BLIPEE_PG_DATABASE", "blipee"),
    }
    if env.get("BLIPEE_PG_PASSWORD"):
        parts["password"] = env["BLIPEE_PG_PASSWORD"]
    return " ".join(f"{key}={value}" for key, value in parts.items())
