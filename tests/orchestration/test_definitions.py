"""The whole code location loads, and every asset is where a user expects it."""

import json
import os
import subprocess
import sys
from pathlib import Path

from dagster import AssetKey

from ingestion import schemas
from orchestration.definitions import defs
from orchestration.defs.dbt.project import DBT_PROJECT


def _dbt_keys() -> set[AssetKey]:
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    return {
        AssetKey([node["schema"], node["name"]])
        for node in manifest["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    }


def test_asset_keys_are_the_raw_tables_the_pos_sync_and_every_dbt_model() -> None:
    graph = defs.resolve_asset_graph()
    raw = {AssetKey(["raw", name]) for name in schemas.ALL_TABLES}
    expected = raw | {AssetKey(["landing", "pos_api_pages"])} | _dbt_keys()
    assert set(graph.get_all_asset_keys()) == expected
    assert AssetKey(["marts", "fct_site_hourly"]) in expected
    assert AssetKey(["marts", "dim_date"]) in expected


def test_every_asset_has_a_group_a_description_and_owners() -> None:
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        where = key.to_user_string()
        expected_group = "transform" if key.path[0] not in ("raw", "landing") else "ingestion"
        assert node.group_name == expected_group, where
        assert node.description, where
        assert node.owners, where


def test_dbt_sources_hang_off_the_ingestion_assets() -> None:
    graph = defs.resolve_asset_graph()
    staging = graph.get(AssetKey(["staging", "stg_raw__sensor_counts"]))
    assert AssetKey(["raw", "sensor_counts"]) in staging.parent_keys
    assert graph.get(AssetKey(["raw", "sensor_counts"])).is_materializable


def test_jobs_schedules_and_the_landing_sensor_are_defined() -> None:
    assert {s.name for s in defs.schedules} == {"pos_api_sync_every_15_minutes",
                                                 "hourly_refresh", "nightly_build",
                                                 "weekly_full_refresh"}
    hourly = defs.resolve_job_def("hourly_refresh_job")
    hourly_keys = {k.to_user_string() for k in hourly.asset_layer.executable_asset_keys}
    assert {"raw/sensor_counts", "marts/fct_site_hourly", "marts/fct_site_daily"} <= hourly_keys
    assert "marts/dim_date" not in hourly_keys  # dimensions rebuild nightly, not hourly
    assert [s.name for s in defs.sensors] == ["landing_sensor"]
    assert defs.resolve_job_def("ingest_landing_job") is not None
    checks = defs.resolve_asset_graph().asset_check_keys
    assert any(c.name == "sensor_counts_key_is_unique" for c in checks)
    # dbt tests arrive as asset checks too
    assert any(c.asset_key == AssetKey(["marts", "fct_site_hourly"]) for c in checks)


def test_dagster_validates_the_workspace(tmp_path: Path) -> None:
    """What `make ui` loads: `dagster definitions validate -w workspace.yaml`."""
    dagster = Path(sys.executable).parent / "dagster"
    repo = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
        cwd=repo, env={**os.environ, "DAGSTER_HOME": str(tmp_path)},
        capture_output=True, text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stdout + done.stderr
