"""Run one inline dbt query in this process and hand back its rows.

For commands that answer on demand with the project's own SQL (macros, refs) rather than a
copy of it in Python: `dbt show --inline` compiles the Jinja against the built warehouse.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class DbtShowError(RuntimeError):
    """dbt could not compile or run the query; the message is dbt's."""


@contextmanager
def environ(values: Mapping[str, str]) -> Iterator[None]:
    """Set environment variables for the length of a block (dbt, in process or through
    dagster-dbt, reads its profile from os.environ), then put back what was there."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def show(sql: str, *, project_dir: Path, env: Mapping[str, str], work_dir: Path
         ) -> list[dict[str, Any]]:
    """Every row of `sql` (dbt Jinja) as a dict, run with dbt's profile under `env`."""
    from dbt.cli.main import dbtRunner

    args = ["show", "--inline", sql, "--limit", "-1", "--log-level", "none",
            "--project-dir", str(project_dir), "--profiles-dir", str(project_dir / "dbt_project"),
            "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs")]
    with environ({"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", **env}):
        result = dbtRunner().invoke(args)
    if not result.success or result.result is None:
        raise DbtShowError(str(result.exception or "dbt show failed; see its log in "
                               f"{work_dir / 'logs'}"))
    table = result.result.results[0].agate_table
    return [dict(zip(table.column_names, row, strict=True)) for row in table.rows]
