"""The whole code location loads, and every asset is where a user expects it."""

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from dagster import (
    AssetKey,
    AssetMaterialization,
    DagsterInstance,
    evaluate_automation_conditions,
)

from ingestion import schemas
from orchestration.definitions import defs
from orchestration.defs.dbt.project import DBT_PROJECT
from orchestration.lib.automation import HOURLY_CRON, NIGHTLY_CRON
from orchestration.lib.concurrency import DUCKDB_POOL
from orchestration.lib.freshness import NO_FRESHNESS_POLICY


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
    ml = {AssetKey(["ml", name]) for name in ("training_frame", "backtest_scores",
                                                "forecast_models", "day_ahead", "nowcast",
                                                "estimated_hours")}
    expected = raw | {AssetKey(["landing", "pos_api_pages"])} | _dbt_keys() | ml
    assert set(graph.get_all_asset_keys()) == expected
    assert AssetKey(["marts", "fct_site_hourly"]) in expected
    assert AssetKey(["marts", "dim_date"]) in expected


def test_every_asset_has_a_group_an_owner_kinds_and_a_freshness_policy_or_a_reason() -> None:
    graph = defs.resolve_asset_graph()
    specs = {spec.key: spec for spec in defs.resolve_all_asset_specs()}
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    forecast_keys = {AssetKey([n["schema"], n["name"]]) for n in manifest["nodes"].values()
                     if "forecasts" in n.get("tags", ()) and n["resource_type"] == "model"}
    assert AssetKey(["marts", "fct_forecasts"]) in forecast_keys
    # the benchmark and targets folders (models and seeds) form groups of their own
    folder_groups = {AssetKey([n["schema"], n["name"]]): folder
                     for n in manifest["nodes"].values()
                     for folder in ("benchmarks", "targets") if folder in n["fqn"][1:-1]
                     and n["resource_type"] in ("model", "seed")}
    assert folder_groups[AssetKey(["marts", "fct_benchmarks"])] == "benchmarks"
    assert folder_groups[AssetKey(["marts", "fct_targets"])] == "targets"
    for key in graph.get_all_asset_keys():
        node, spec = graph.get(key), specs[key]
        where = key.to_user_string()
        # ingestion for what lands; the forecaster and its dbt read-back in ml; other dbt
        # nodes sit in the group of their layer
        if key.path[0] in ("raw", "landing"):
            expected_group = "ingestion"
        elif key.path[0] == "ml" or key in forecast_keys:
            expected_group = "ml"
        elif key in folder_groups:
            expected_group = folder_groups[key]
        else:
            expected_group = key.path[0]
        assert expected_group in ("ingestion", "staging", "intermediate", "marts", "ml",
                                  "benchmarks", "targets"), where
        assert node.group_name == expected_group, where
        assert node.description and "Raw SQL" not in node.description, where
        assert node.owners, where
        assert spec.kinds, where
        reason = (spec.metadata or {}).get(NO_FRESHNESS_POLICY)
        assert (node.freshness_policy is None) != (reason is None), where
        assert "dagster_dbt/project" not in (spec.metadata or {}), where  # unserializable


def test_raw_facts_and_hourly_marts_carry_the_dbt_sources_freshness() -> None:
    graph = defs.resolve_asset_graph()
    manifest = json.loads(DBT_PROJECT.manifest_path.read_text())
    source = manifest["sources"]["source.blipee.raw.sensor_counts"]["freshness"]
    for key in (["raw", "sensor_counts"], ["raw", "pos_transactions"],
                ["marts", "fct_site_hourly"], ["marts", "fct_site_daily"]):
        policy = graph.get(AssetKey(key)).freshness_policy
        assert policy is not None, key
        assert policy.fail_window.to_timedelta() == timedelta(
            hours=source["error_after"]["count"])
        assert policy.warn_window.to_timedelta() == timedelta(hours=source["warn_after"]["count"])


def test_hourly_and_nightly_refreshes_are_declarative_automation() -> None:
    graph = defs.resolve_asset_graph()

    def label(*path: str) -> str:
        return graph.get(AssetKey(list(path))).automation_condition.get_label()

    assert label("raw", "sensor_counts") == f"on_cron({HOURLY_CRON}, UTC)"
    assert label("marts", "fct_site_hourly") == f"on_cron({HOURLY_CRON}, UTC)"
    assert label("marts", "fct_site_daily") == f"on_cron({HOURLY_CRON}, UTC)"
    assert label("marts", "dim_date") == f"on_cron({NIGHTLY_CRON}, UTC)"
    assert label("raw", "quarantine") == "eager"
    # the nowcast follows the hourly marts; the forecast read-back whatever writes it
    assert label("ml", "nowcast") == f"on_cron({HOURLY_CRON}, UTC)"
    assert label("marts", "fct_forecasts") == "eager"
    assert label("staging", "stg_ml__forecasts") == "eager"
    assert graph.get(AssetKey(["ml", "forecast_models"])).automation_condition is None
    sensors = {s.name: s for s in defs.sensors}
    assert set(sensors) == {"landing_sensor", "blipee_automation"}


def test_dbt_checks_are_named_and_described_for_what_they_assert() -> None:
    graph = defs.resolve_asset_graph()
    checks = graph.asset_check_keys
    daily = {c.name for c in checks if c.asset_key == AssetKey(["marts", "fct_site_daily"])}
    assert {"one_row_per_site_id_local_date", "site_id_is_not_null",
            "assert_daily_footfall_equals_sum_of_hourly"} <= daily
    for key in checks:
        spec = graph.get_check_spec(key)
        assert spec.description, key
        assert not key.name.startswith(("not_null_", "unique_", "accepted_range_")), key


def test_every_warehouse_step_is_in_the_duckdb_pool() -> None:
    graph = defs.resolve_asset_graph()
    job = defs.resolve_job_def("nightly_build_job")
    assert job.executor_def.name == "multiprocess_one_duckdb_writer"
    for key in (["raw", "sensor_counts"], ["raw", "quarantine"], ["marts", "fct_site_daily"]):
        assert graph.get(AssetKey(key)).pools == {DUCKDB_POOL}, key


def test_dbt_sources_hang_off_the_ingestion_assets() -> None:
    graph = defs.resolve_asset_graph()
    staging = graph.get(AssetKey(["staging", "stg_raw__sensor_counts"]))
    assert AssetKey(["raw", "sensor_counts"]) in staging.parent_keys
    assert graph.get(AssetKey(["raw", "sensor_counts"])).is_materializable


def test_jobs_schedules_and_the_landing_sensor_are_defined() -> None:
    assert {s.name for s in defs.schedules} == {"pos_api_sync_every_15_minutes",
                                                 "weekly_full_refresh", "nightly_retrain"}
    retrain = defs.resolve_job_def("ml_retrain_job")
    retrain_keys = {k.to_user_string() for k in retrain.asset_layer.executable_asset_keys}
    assert {"ml/backtest_scores", "ml/forecast_models", "ml/day_ahead",
            "staging/stg_ml__forecasts", "marts/fct_forecast_accuracy"} <= retrain_keys
    assert "marts/fct_site_hourly" not in retrain_keys
    weekly = defs.resolve_job_def("weekly_full_refresh_job")
    weekly_keys = {k.to_user_string() for k in weekly.asset_layer.executable_asset_keys}
    assert {"marts/fct_site_hourly", "marts/fct_site_daily"} <= weekly_keys
    assert "marts/dim_date" not in weekly_keys  # dimensions are not incremental
    nightly = defs.resolve_job_def("nightly_build_job")
    nightly_keys = {k.to_user_string() for k in nightly.asset_layer.executable_asset_keys}
    assert {"raw/sensor_counts", "raw/quarantine", "marts/dim_date"} <= nightly_keys
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


def test_the_hourly_tick_requests_the_load_and_the_hourly_marts_not_the_dimensions() -> None:
    graph = defs.resolve_asset_graph()
    start = (datetime.now(UTC) + timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    with DagsterInstance.ephemeral() as instance:
        for key in graph.get_all_asset_keys():  # everything built once, before the tick
            instance.report_runless_asset_event(AssetMaterialization(asset_key=key))
        before = evaluate_automation_conditions(defs=defs, instance=instance,
                                                evaluation_time=start)
        after = evaluate_automation_conditions(defs=defs, instance=instance,
                                               cursor=before.cursor,
                                               evaluation_time=start + timedelta(minutes=6))
    requested = {k.to_user_string() for k in graph.get_all_asset_keys()
                 if after.get_num_requested(k)}
    assert {"raw/sensor_counts", "raw/pos_transactions", "staging/stg_raw__sensor_counts",
            "marts/fct_site_hourly", "marts/fct_site_daily"} <= requested
    # nightly, not hourly: the dimensions and the rollups dbt does not tag `hourly`
    assert not {"marts/dim_date", "marts/dim_site", "marts/fct_site_weekly",
                "marts/fct_site_monthly"} & requested
    # checks carry no condition of their own, so each rides along in its asset's run
    assert all(graph.get(c).automation_condition is None for c in graph.asset_check_keys)
