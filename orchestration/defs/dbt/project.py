"""The one dbt project: `dbt_project.yml` at the repository root, its files in dbt_project/."""

from __future__ import annotations

import json
import os
import shutil
import sys
from functools import cache
from pathlib import Path
from typing import Any

from dagster_dbt import DbtCliResource, DbtProject

from infra.dbt_show import environ
from orchestration.resources import BlipeeResource

REPO_ROOT = Path(__file__).resolve().parents[3]

# DBT_TARGET_PATH (dbt's own variable) moves the manifest and run artifacts, e.g. into a
# scratch dir for tests; by default they sit in <repo>/target.
DBT_PROJECT = DbtProject(
    project_dir=REPO_ROOT,
    profiles_dir=REPO_ROOT / "dbt_project",
    target_path=Path(os.environ.get("DBT_TARGET_PATH") or REPO_ROOT / "target"),
)


# The dbt installed beside this Python (the project's venv), found without an activated venv.
DBT_EXECUTABLE = shutil.which("dbt", path=str(Path(sys.executable).parent)) or "dbt"


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, profiles_dir=str(DBT_PROJECT.profiles_dir),
                          dbt_executable=DBT_EXECUTABLE)


def _sources_newer_than_manifest() -> bool:
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        return True
    built = manifest.stat().st_mtime
    folder = REPO_ROOT / "dbt_project"
    watched = [REPO_ROOT / "dbt_project.yml", *folder.rglob("*.sql"), *folder.rglob("*.yml"),
               *folder.rglob("*.csv")]
    return any(path.stat().st_mtime > built for path in watched if "target" not in path.parts)


def ensure_manifest() -> Path:
    """Parse the project when its manifest is missing or older than its files.

    `dagster dev` re-parses on every load anyway; this makes a fresh clone, the CLI and the
    tests work without a separate `dbt parse` step.
    """
    if _sources_newer_than_manifest():
        # parsed against the configured warehouse: the manifest names its database
        with environ(BlipeeResource().dbt_environment()):
            dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()
    return DBT_PROJECT.manifest_path


@cache
def manifest() -> dict[str, Any]:
    """The parsed manifest (parsed first if missing or stale), read once per process."""
    return json.loads(ensure_manifest().read_text())
