"""`landing_sensor`: launch an ingestion run when new files land.

The cursor is the newest file modification time seen (ns) and the number of files at that
instant, so a tick only launches a run when something arrived since the last one; the
loader's manifest makes a spurious run harmless anyway.
"""

from __future__ import annotations

import json
from pathlib import Path

from dagster import (
    AssetSelection,
    DefaultSensorStatus,
    RunRequest,
    SensorEvaluationContext,
    SkipReason,
    define_asset_job,
    sensor,
)

from infra.settings import Settings
from orchestration.defs.ingestion.assets import pos_data, reference_data, sensor_data

ingest_job = define_asset_job(
    "ingest_landing_job",
    selection=AssetSelection.assets(reference_data, sensor_data, pos_data),
    description="Load everything new in the landing area into the raw tables.",
)


def landing_state(landing: Path) -> tuple[int, int]:
    """(newest mtime in ns, number of files) under the landing dir."""
    newest, count = 0, 0
    if landing.is_dir():
        for path in landing.rglob("*"):
            if path.is_file() and not path.name.startswith("."):
                count += 1
                newest = max(newest, path.stat().st_mtime_ns)
    return newest, count


@sensor(
    job=ingest_job,
    minimum_interval_seconds=60,
    default_status=DefaultSensorStatus.STOPPED,
    description="Watches $BLIPEE_DATA_DIR/landing and launches an ingestion run for new files.",
)
def landing_sensor(context: SensorEvaluationContext):
    newest, count = landing_state(Settings.from_env().landing_dir)
    previous = json.loads(context.cursor) if context.cursor else {"newest": 0, "count": 0}
    if newest == previous["newest"] and count == previous["count"]:
        return SkipReason("no new files in the landing area")
    context.update_cursor(json.dumps({"newest": newest, "count": count}))
    return RunRequest(run_key=f"landing-{newest}-{count}")
