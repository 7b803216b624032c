"""Running the repo's dbt project against a scratch warehouse from a test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT = Path(sys.executable).parent / "dbt"


def run_dbt(args: list[str], target: str, env: dict[str, str], work_dir: Path) -> str:
    """Run `dbt <args>` on `target` with its artefacts under work_dir; fail with dbt's log."""
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "BLIPEE_"))},
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        **env,
    }
    command = [
        str(DBT), *args, "--target", target,
        "--project-dir", str(REPO_ROOT), "--profiles-dir", str(REPO_ROOT / "dbt_project"),
        "--target-path", str(work_dir / f"target-{target}"),
        "--log-path", str(work_dir / "logs"),
    ]
    result = subprocess.run(
        command, env=environ, cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise AssertionError(f"dbt {' '.join(args)} failed on {target}:\n{result.stdout[-6000:]}")
    return result.stdout
