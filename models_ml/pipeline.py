"""The forecasting steps the Dagster assets and the command line share.

backtest -> train (calibrated by the backtest) -> forecast (nowcast, 14 days) and estimate
the hours lost to outages -> write schema `ml`. Each step reads the warehouse through one
connection and writes only its own rows (models_ml/store.py), so a re-run replaces them.

Origins of a live forecast: the hour after the newest loaded hour of the chain. Closed
hours are not forecast, so the nowcast starts at each site's first open hour at or after
that origin (nothing is observed while a store is closed, so an origin at opening time sees
exactly what one at closing time saw) and covers its next 4 open hours.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from models_ml import store
from models_ml.backtest import (
    BacktestResult,
    backtest,
    backtest_config,
    calibrate_on_backtest,
    horizon_name,
    rolling_origins,
)
from models_ml.data import Inputs, fetch_frame, read_inputs, utc_series
from models_ml.features import Panel, ceil_hours, hours_to_utc
from models_ml.model import Forecaster
from models_ml.spec import DAY_AHEAD_HOURS, NOWCAST_HOURS, TARGETS, FeatureSpec, TrainConfig

HORIZONS = {"nowcast": NOWCAST_HOURS, "day_ahead": DAY_AHEAD_HOURS}
BACKTEST_DAYS = {"nowcast": 21, "day_ahead": 21}
# days of weather before the newest hour a live forecast reads (features.Panel: the last
# temperature within 48 hours of the origin, the rain of the 24 before it)
WEATHER_DAYS = 3
# nowcast origins every 3 hours through the trading day; one 14-day origin a day
BACKTEST_EVERY_HOURS = {"nowcast": 3, "day_ahead": 24}


@dataclass(frozen=True)
class MlSettings:
    """Where models live and how hard to train (smaller rounds for a quick demo)."""

    models_dir: Path
    targets: tuple[str, ...] = TARGETS
    num_threads: int = 1
    rounds: int | None = None
    refit_days: int = 7

    @classmethod
    def from_env(cls, data_dir: Path, environ: dict[str, str]) -> MlSettings:
        """BLIPEE_ML_TARGETS (comma-separated), BLIPEE_ML_ROUNDS, BLIPEE_ML_THREADS."""
        targets = tuple(t.strip() for t in environ.get("BLIPEE_ML_TARGETS", "").split(",")
                        if t.strip()) or TARGETS
        for target in targets:
            spec_for(target, "nowcast")  # a clear error for an unknown target
        rounds = environ.get("BLIPEE_ML_ROUNDS")
        return cls(models_dir=data_dir / "models", targets=targets,
                   num_threads=int(environ.get("BLIPEE_ML_THREADS", "1")),
                   rounds=int(rounds) if rounds else None)

    def inputs_dir(self, target: str) -> Path:
        return self.models_dir.parent / "ml" / "inputs" / target

    def config(self, spec: FeatureSpec) -> TrainConfig:
        return backtest_config(spec, num_threads=self.num_threads, rounds=self.rounds)


def spec_for(target: str, horizon: str) -> FeatureSpec:
    if target not in TARGETS:
        raise ValueError(f"target must be one of {', '.join(TARGETS)}, not {target!r}")
    if horizon not in HORIZONS:
        raise ValueError(f"horizon must be one of {', '.join(HORIZONS)}, not {horizon!r}")
    return FeatureSpec(target=target, max_horizon_hours=HORIZONS[horizon])


# -- backtest ---------------------------------------------------------------------------
def run_backtest(inputs: Inputs, horizon: str, settings: MlSettings,
                 origins: pd.DataFrame | None = None, progress=None) -> BacktestResult:
    spec = spec_for(inputs.target, horizon)
    if origins is None:
        origins = rolling_origins(inputs, spec.max_horizon_hours, BACKTEST_DAYS[horizon],
                                  BACKTEST_EVERY_HOURS[horizon])
    return backtest(inputs, spec, settings.config(spec), origins,
                    refit_days=settings.refit_days, progress=progress)


def backtest_dir(settings: MlSettings) -> Path:
    return settings.models_dir / "backtests"


def save_backtest(result: BacktestResult, settings: MlSettings) -> Path:
    """The residuals and interval choice the deployed model is calibrated with."""
    folder = backtest_dir(settings)
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{result.target}-{horizon_name(result.horizon_hours)}"
    result.residuals.to_parquet(folder / f"{stem}.residuals.parquet", index=False)
    (folder / f"{stem}.json").write_text(json.dumps({
        "model_version": result.model_version, "chosen_interval": result.chosen_interval,
        "coverage_by_interval": result.coverage_by_interval, "folds": result.folds,
        "seconds": result.seconds}, indent=2) + "\n")
    return folder / f"{stem}.json"


def load_backtest(target: str, horizon: str, settings: MlSettings) -> BacktestResult | None:
    stem = backtest_dir(settings) / f"{target}-{horizon}"
    if not (stem.with_suffix(".json")).exists():
        return None
    meta = json.loads(stem.with_suffix(".json").read_text())
    residuals = pd.read_parquet(f"{stem}.residuals.parquet")
    return BacktestResult(target=target, horizon_hours=HORIZONS[horizon],
                          forecasts=pd.DataFrame(), scores=pd.DataFrame(),
                          chosen_interval=meta["chosen_interval"],
                          coverage_by_interval=meta["coverage_by_interval"],
                          residuals=residuals, model_version=meta["model_version"],
                          folds=meta["folds"], seconds=meta["seconds"])


def score_rows(result: BacktestResult) -> pd.DataFrame:
    """The backtest's scores in ml.backtest_scores' layout."""
    frame = result.scores.copy()
    frame["model_version"] = result.model_version
    frame["evaluated_at"] = datetime.now(UTC)
    return frame


# -- train ------------------------------------------------------------------------------
def train(inputs: Inputs, horizon: str, settings: MlSettings,
          calibration: BacktestResult | None = None) -> Forecaster:
    """The model that forecasts: all loaded hours, the backtest's interval choice."""
    spec = spec_for(inputs.target, horizon)
    model = Forecaster(spec, settings.config(spec), intervals="both").fit(inputs)
    if calibration is not None:
        calibrate_on_backtest(model, calibration)
    model.save(settings.models_dir)
    _write_current(settings, inputs.target, horizon, model)
    return model


def _current_file(settings: MlSettings) -> Path:
    return settings.models_dir / "current.json"


def _write_current(settings: MlSettings, target: str, horizon: str, model: Forecaster) -> None:
    path = _current_file(settings)
    current = json.loads(path.read_text()) if path.exists() else {}
    current[f"{target}/{horizon}"] = f"{target}-h{model.spec.max_horizon_hours}-{model.version}"
    path.write_text(json.dumps(current, indent=2, sort_keys=True) + "\n")


def load_current(settings: MlSettings, target: str, horizon: str) -> Forecaster:
    """The model the last training run deployed for this target and horizon."""
    path = _current_file(settings)
    current = json.loads(path.read_text()) if path.exists() else {}
    name = current.get(f"{target}/{horizon}")
    if name is None:
        raise LookupError(f"no trained {target} {horizon} model under {settings.models_dir}: "
                          "materialise ml/forecast_models (or run `blipee forecast`) first")
    return Forecaster.load(settings.models_dir / name)


# -- forecast ---------------------------------------------------------------------------
def read_recent(conn: Any, dialect: str, target: str, spec: FeatureSpec) -> Inputs:
    """What a live forecast needs: the hours of the spec's look-back before the newest
    loaded hour, not the whole history (a year of 500 stores reads in 2 s, ten weeks in
    0.2-0.3 s on a quiet 2-core machine; bench/forecast.py), in the warehouse's row order
    (the forecast does not depend on it, and an ORDER BY would cost a fifth of the read),
    and the weather of the last WEATHER_DAYS only: what a forecast from the live origin
    (or later) reads."""
    newest = utc_series(fetch_frame(
        conn, dialect, "select max(hour_start_at) as newest from marts.fct_site_hourly"
    )["newest"]).iloc[0]
    if pd.isna(newest):
        return read_inputs(conn, dialect, target)
    since = newest - pd.Timedelta(days=spec.lookback_days())
    # the weather features read the 48 hours before an origin, and a live origin is after
    # the newest hour: 3 days of weather, not 72 (900,000 rows for 500 stores)
    weather_since = newest - pd.Timedelta(days=WEATHER_DAYS)
    return read_inputs(conn, dialect, target, since=since.to_pydatetime(), ordered=False,
                       weather_since=weather_since.to_pydatetime())


def live_origin(inputs: Inputs) -> pd.Timestamp:
    """The hour after the newest loaded hour of the chain."""
    last = inputs.series["hour_start_at"].max()
    if pd.isna(last):
        raise ValueError("fct_site_hourly has no hours yet: nothing to forecast from")
    return pd.Timestamp(last) + pd.Timedelta(hours=1)


def forecast(inputs: Inputs, model: Forecaster, horizon: str,
             origin: pd.Timestamp | None = None) -> pd.DataFrame:
    """The live forecast of every site in ml.forecasts' layout."""
    origin = origin if origin is not None else live_origin(inputs)
    panel = Panel(inputs, model.spec, model.categories)
    site_ids = panel.site_ids
    if horizon == "nowcast":
        origins = _first_open_hours(panel, origin, HORIZONS["day_ahead"])
    else:
        origins = pd.DataFrame({"site_id": site_ids, "origin": origin})
    frame = model.predict(inputs, origins, HORIZONS[horizon], panel=panel)
    if horizon == "nowcast":  # the next 4 open hours from the (opening-time) origin
        frame = frame[frame["horizon_hours"] <= NOWCAST_HOURS]
    return forecast_rows(frame, model, horizon)


def _first_open_hours(panel: Panel, origin: pd.Timestamp, within: int,
                      first_pass: int = 48) -> pd.DataFrame:
    """Each site's first open hour in [origin, origin + within); a site with none is left
    out. The next `first_pass` hours are searched first and the whole span only for the
    sites closed throughout them (500 sites x 48 hours, not x 336)."""
    site_idx = np.arange(len(panel.site_ids))
    origin_h = ceil_hours([origin])[0]
    step = min(within, first_pass)
    pair, target_h, _ = panel.open_hours(site_idx, np.full(len(site_idx), origin_h), step)
    first = pd.Series(target_h).groupby(pair).min()
    closed = np.setdiff1d(site_idx, first.index.to_numpy())
    if step < within and len(closed):
        pair, target_h, _ = panel.open_hours(closed, np.full(len(closed), origin_h), within)
        later = pd.Series(target_h).groupby(closed[pair]).min()
        first = pd.concat([first, later]).sort_index() if len(first) else later
    return pd.DataFrame({"site_id": np.asarray(panel.site_ids, dtype=object)[first.index],
                         "origin": hours_to_utc(first.to_numpy())})


def forecast_rows(frame: pd.DataFrame, model: Forecaster, horizon: str) -> pd.DataFrame:
    return pd.DataFrame({
        "model_version": model.version, "target": model.spec.target, "horizon": horizon,
        "site_id": frame["site_id"].to_numpy(), "origin": frame["origin"].to_numpy(),
        "hour_start_at": frame["hour_start_at"].to_numpy(),
        "hours_ahead": frame["horizon_hours"].to_numpy(), "yhat": frame["yhat"].to_numpy(),
        "p10": frame["p10"].to_numpy(), "p90": frame["p90"].to_numpy(),
        "interval_method": model.chosen_interval, "created_at": datetime.now(UTC),
    })


# -- estimated hours --------------------------------------------------------------------
def estimate_missing_hours(inputs: Inputs, model: Forecaster,
                           since: pd.Timestamp | None = None) -> pd.DataFrame:
    """An estimate for each open hour whose count is missing: forecast from the origin the
    outage began at (the hour after the last observed one), so it uses only what was known
    before the outage. Hours more than the model's horizon into an outage get none."""
    series = inputs.series.sort_values(["site_id", "hour_start_at"])
    observed_at = series["hour_start_at"].where(series["y"].notna())
    last_seen = observed_at.groupby(series["site_id"]).ffill()
    origin = (last_seen + pd.Timedelta(hours=1)).fillna(series["hour_start_at"])
    missing = series.assign(origin=origin)[series["y"].isna()]
    if since is not None:
        missing = missing[missing["hour_start_at"] >= since]
    ahead = (missing["hour_start_at"] - missing["origin"]) / pd.Timedelta(hours=1) + 1
    missing = missing[ahead <= model.spec.max_horizon_hours]
    if missing.empty:
        return pd.DataFrame(columns=store.ESTIMATED_HOURS.column_names)
    panel = Panel(inputs, model.spec, model.categories)
    known = missing["site_id"].isin(panel.index)
    missing = missing[known]
    site = missing["site_id"].map(panel.index).to_numpy(np.int64)
    origin_h = ceil_hours(missing["origin"])
    target_h = ceil_hours(missing["hour_start_at"])
    slot = panel.local_slots(site, target_h)
    frame = model.predict_rows(panel, site, origin_h, target_h, slot)
    return pd.DataFrame({
        "model_version": model.version, "target": model.spec.target,
        "site_id": missing["site_id"].to_numpy(),
        "hour_start_at": missing["hour_start_at"].to_numpy(),
        "origin": missing["origin"].to_numpy(), "yhat": frame["yhat"].to_numpy(),
        "p10": frame["p10"].to_numpy(), "p90": frame["p90"].to_numpy(),
        "created_at": datetime.now(UTC),
    })


# -- writes -----------------------------------------------------------------------------
def write_forecasts(conn: Any, dialect: str, rows: pd.DataFrame) -> int:
    """Add this run's forecasts to ml.forecasts; a re-run of the same origin replaces its
    rows, and earlier origins stay, so live accuracy can be measured on them."""
    return store.replace_rows(conn, dialect, store.FORECASTS, rows)


def write_scores(conn: Any, dialect: str, result: BacktestResult) -> int:
    return store.replace_rows(conn, dialect, store.BACKTEST_SCORES, score_rows(result))


def write_estimates(conn: Any, dialect: str, rows: pd.DataFrame) -> int:
    return store.replace_rows(conn, dialect, store.ESTIMATED_HOURS, rows)
