"""The Dagster instance `make demo` and the CLI run jobs on: the one `make ui` shows.

`DAGSTER_HOME` when set (the Makefile sets it to data/dagster_home), else
`$BLIPEE_DATA_DIR/dagster_home`; a home without a dagster.yaml gets blipee's, so the DuckDB
pool limit and freshness evaluation are in force however the instance was reached.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dagster import DagsterInstance, JobDefinition, execute_job, reconstructable

from infra.settings import Settings

HERE = Path(__file__).resolve().parent
# The run's own console log at INFO: what the assets say, not every Dagster event (those are
# all in the UI).
QUIET = {"loggers": {"console": {"config": {"log_level": "INFO"}}}}


def dagster_home(settings: Settings) -> Path:
    home = Path(os.environ.get("DAGSTER_HOME") or settings.data_dir / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        template = "dagster_postgres.yaml" if os.environ.get("DAGSTER_PG_DSN") else "dagster.yaml"
        shutil.copyfile(HERE / template, config)
    return home


def nightly_build_job() -> JobDefinition:
    """The nightly job from the code location (a module-level function: reconstructable)."""
    from orchestration.definitions import defs

    return defs.resolve_job_def("nightly_build_job")


@dataclass(frozen=True)
class JobOutcome:
    """What a run did, read from the instance's event log before it closes."""

    run_id: str
    success: bool
    steps_succeeded: list[str]
    steps_failed: list[str]
    checks_passed: list[str]
    checks_failed: list[str]
    materialized: int
    step_windows: dict[str, tuple[float, float]] = field(default_factory=dict)


def _outcome(instance: DagsterInstance, result: Any) -> JobOutcome:
    starts: dict[str, float] = {}
    windows: dict[str, tuple[float, float]] = {}
    for entry in instance.all_logs(result.run_id):
        event = entry.dagster_event
        if event is None or entry.step_key is None:
            continue
        if event.event_type_value == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            windows[entry.step_key] = (starts.get(entry.step_key, entry.timestamp),
                                       entry.timestamp)
    checks = list(result.get_asset_check_evaluations())
    name = lambda c: f"{c.asset_key.to_user_string()}:{c.check_name}"  # noqa: E731
    return JobOutcome(
        run_id=result.run_id,
        success=result.success,
        steps_succeeded=sorted({e.step_key for e in result.get_step_success_events()}),
        steps_failed=sorted({e.step_key for e in result.get_step_failure_events()}),
        checks_passed=sorted(name(c) for c in checks if c.passed),
        checks_failed=sorted(name(c) for c in checks if not c.passed),
        materialized=len(result.get_asset_materialization_events()),
        step_windows=windows,
    )


def run_nightly_build(settings: Settings, tags: dict[str, str] | None = None) -> JobOutcome:
    """Run `nightly_build_job` on the instance, one process per step as the UI would."""
    home = dagster_home(settings)
    with DagsterInstance.from_config(str(home)) as instance:
        result = execute_job(reconstructable(nightly_build_job), instance=instance,
                             tags=tags or {}, raise_on_error=False, run_config=QUIET)
        return _outcome(instance, result)
