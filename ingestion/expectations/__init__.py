"""Great Expectations suites for the raw fact tables, kept in the repo as JSON.

They declare the loader's row rules (ingestion/loader/validation.py implements them as
vectorised polars checks, because a GE run per file costs seconds at our volumes; see
docs/ingestion.md). The suites run in tests, and in Dagster asset checks over a loaded
table or a file's canonical frame, through `run_suite`. GE is imported on first use: the
import alone takes ~2 s.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from ingestion.plausible_time import FUTURE_TOLERANCE

HERE = Path(__file__).resolve().parent


def suite_names() -> list[str]:
    return sorted(p.stem for p in HERE.glob("*.json"))


def suite_spec(name: str) -> dict[str, Any]:
    """The suite as stored: {name, meta, expectations: [{type, kwargs, meta}]}."""
    return json.loads((HERE / f"{name}.json").read_text())


@dataclass
class SuiteOutcome:
    """Whether a frame met its suite, and which expectations (with reason codes) failed."""

    suite: str
    success: bool
    evaluated: int
    failed: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_reason_codes(self) -> set[str]:
        return {f["reason_code"] for f in self.failed if f.get("reason_code")}


@cache
def _batch_definition() -> Any:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    context = gx.get_context(mode="ephemeral")
    try:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False)
    except (ImportError, AttributeError):  # cosmetic only
        pass
    asset = context.data_sources.add_pandas("blipee_frames").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _with_count_limit(frame: pl.DataFrame, sensors: pl.DataFrame | None) -> pl.DataFrame:
    """Add `max_count`: the sensor line's maximum scaled to the row's period length."""
    if sensors is None or sensors.is_empty():
        return frame.with_columns(pl.lit(None, pl.Float64).alias("max_count"))
    limits = sensors.select(
        "sensor_id", "line_id",
        pl.col("max_count_per_interval").cast(pl.Float64).alias("_max"),
        pl.col("interval_minutes").cast(pl.Float64).alias("_interval"),
    ).unique(["sensor_id", "line_id"], keep="last")
    minutes = (pl.col("period_end") - pl.col("period_start")).dt.total_minutes()
    scale = pl.max_horizontal(pl.lit(1.0), minutes / pl.col("_interval")).fill_null(1.0)
    return (frame.join(limits, on=["sensor_id", "line_id"], how="left", maintain_order="left")
            .with_columns((pl.col("_max") * scale).alias("max_count"))
            .drop("_max", "_interval"))


def run_suite(frame: pl.DataFrame, name: str, *, now: datetime,
              sensors: pl.DataFrame | None = None) -> SuiteOutcome:
    """Validate a canonical frame (a file's rows or a table read back) against a suite."""
    import great_expectations as gx

    spec = suite_spec(name)
    suite = gx.ExpectationSuite(name=spec["name"], expectations=spec["expectations"])
    if name == "sensor_counts":
        frame = _with_count_limit(frame, sensors)
    pandas = frame.to_pandas()
    result = _batch_definition().get_batch(batch_parameters={"dataframe": pandas}).validate(
        suite, expectation_parameters={"future_horizon": now + FUTURE_TOLERANCE},
    )
    codes = [e.get("meta", {}).get("reason_code") for e in spec["expectations"]]
    by_config = {json.dumps(e["kwargs"], sort_keys=True, default=str) + e["type"]: code
                 for e, code in zip(spec["expectations"], codes, strict=True)}
    failed = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
        key = json.dumps(kwargs, sort_keys=True, default=str) + config.type
        failed.append({"type": config.type, "kwargs": kwargs,
                       "reason_code": by_config.get(key, _code_by_type(spec, config))})
    return SuiteOutcome(name, bool(result.success), len(result.results), failed)


def _code_by_type(spec: dict[str, Any], config: Any) -> str | None:
    """Fallback match on type and column(s) when GE normalised the kwargs."""
    for expectation in spec["expectations"]:
        kwargs = expectation["kwargs"]
        if expectation["type"] == config.type and all(
            config.kwargs.get(k) == kwargs.get(k)
            for k in ("column", "column_A", "column_B", "column_list") if k in kwargs
        ):
            return expectation.get("meta", {}).get("reason_code")
    return None
