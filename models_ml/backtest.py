"""Rolling-origin backtests of the forecaster against baselines computed in the same run.

Origins are grouped into folds of `refit_days`; each fold's model is trained only on hours
that start before the fold's first day (UTC midnight), and every feature of every origin is
masked at that origin, so no value at or after an origin reaches its forecast. The
baselines read the same masked history:

- `seasonal_naive_week`: the same local hour a week earlier (two weeks when a week earlier
  is not known yet at the origin),
- `seasonal_naive_day`: the same local hour a day earlier (or the latest known day),
- `mean_4_weekdays`: the mean of the last 4 known same weekday-hours.

Intervals: besides the model's own P10/P90 quantile boosters, the `conformal` band of fold k
is calibrated on the relative residuals of folds before k (online split conformal; the first
fold uses the model's own hold-out). The kind covering closer to 80% is the one chosen, and
its residuals calibrate the model that goes on to forecast.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from models_ml import metrics
from models_ml.data import Inputs
from models_ml.features import Panel, ceil_hours, hours_to_utc
from models_ml.model import INTERVALS, Forecaster, conformal_bands, relative_residuals
from models_ml.spec import NOWCAST_HOURS, FeatureSpec, TrainConfig

BASELINES = {
    "seasonal_naive_week": "last_same_weekhour",
    "seasonal_naive_day": "last_same_hour",
    "mean_4_weekdays": "mean_last_4_weekhours",
}
METHODS = ("lightgbm", *BASELINES)
WINDOW_HOURS = 4


def horizon_name(hours: int) -> str:
    """`nowcast` (up to 4 hours), `day_ahead` (14 days), else `h<hours>`."""
    if hours <= NOWCAST_HOURS:
        return "nowcast"
    return "day_ahead" if hours == 14 * 24 else f"h{hours}"


class NotEnoughHistory(ValueError):
    """Too few loaded days for a backtest: the step says so instead of failing."""


@dataclass
class BacktestResult:
    target: str
    horizon_hours: int
    forecasts: pd.DataFrame  # one row per site, origin, hour ahead: y, yhat, bands, baselines
    scores: pd.DataFrame  # one row per method (METHODS)
    chosen_interval: str
    coverage_by_interval: dict[str, float]
    residuals: pd.DataFrame  # horizon_hours, rel: what calibrates the deployed model
    model_version: str
    folds: int
    seconds: float
    fold_versions: list[str] = field(default_factory=list)


def rolling_origins(inputs: Inputs, horizon_hours: int, days: int, every_hours: int = 24,
                    hour_utc: int = 8, sites: list[str] | None = None,
                    min_history_days: int = 14) -> pd.DataFrame:
    """Origins every `every_hours` over the last `days` whose whole horizon is loaded: one
    per site, starting at `hour_utc` on the first day, and none before `min_history_days`
    of history (empty when the chain is younger than that)."""
    first, last = inputs.series["hour_start_at"].min(), inputs.series["hour_start_at"].max()
    if pd.isna(last):
        return pd.DataFrame(columns=["site_id", "origin"])
    end = pd.Timestamp(last) + pd.Timedelta(hours=1) - pd.Timedelta(hours=horizon_hours)
    start = (end - pd.Timedelta(days=days)).floor("D") + pd.Timedelta(hours=hour_utc)
    earliest = (pd.Timestamp(first) + pd.Timedelta(days=min_history_days)).ceil("D")
    start = max(start, earliest + pd.Timedelta(hours=hour_utc))
    stamps = pd.date_range(start, end, freq=f"{every_hours}h")
    site_ids = sites or sorted(inputs.series["site_id"].unique())
    frame = pd.DataFrame([(s, t) for t in stamps for s in site_ids], columns=["site_id",
                                                                              "origin"])
    return frame.sort_values(["origin", "site_id"]).reset_index(drop=True)


def _folds(origins: pd.DataFrame, refit_days: int) -> list[tuple[pd.Timestamp, pd.DataFrame]]:
    """(training cutoff, origins) per fold: the cutoff is the UTC midnight of the fold's
    first origin, and a fold holds the origins of `refit_days` days from there."""
    days = origins["origin"].dt.floor("D")
    first = days.min()
    fold_no = ((days - first).dt.days // refit_days).to_numpy()
    return [(origins.loc[fold_no == k, "origin"].min().floor("D"), origins[fold_no == k])
            for k in np.unique(fold_no)]


def _mase_scale(panel: Panel, until_h: int, period: int = 168) -> float:
    """Mean |y_t - y_{t-1 week}| over the observed hours before the first origin: the
    in-sample seasonal naive error MASE divides by (one scale for the whole chain)."""
    site, _, slot, y = panel.observed_rows(np.iinfo(np.int64).min, until_h)
    idx = slot - period - panel.base
    earlier = np.full(len(idx), np.nan)
    ok = idx >= 0
    earlier[ok] = panel.Y[site[ok], idx[ok]]
    diff = np.abs(y - earlier)
    diff = diff[np.isfinite(diff)]
    return float(diff.mean()) if len(diff) else float("nan")


def backtest(inputs: Inputs, spec: FeatureSpec, config: TrainConfig | None = None,
             origins: pd.DataFrame | None = None, refit_days: int = 7,
             progress: Callable[[int, int], None] | None = None) -> BacktestResult:
    """Forecast every origin with a model trained before its fold; score it and the
    baselines over the same hours."""
    started = datetime.now(UTC)
    horizon = spec.max_horizon_hours
    if origins is None:
        origins = rolling_origins(inputs, horizon, days=28)
    origins = origins.assign(site_id=origins["site_id"].astype(str),
                             origin=pd.to_datetime(origins["origin"], utc=True))
    if origins.empty:
        raise NotEnoughHistory("no forecast origins to backtest: the chain needs at least "
                               "14 days of history before the first origin plus the horizon")
    folds = _folds(origins, refit_days)
    names = spec.feature_names()
    base_cols = {method: names.index(col) for method, col in BASELINES.items()}
    frames, residuals, versions = [], [], []
    rel_seen: list[np.ndarray] = []
    hz_seen: list[np.ndarray] = []
    model: Forecaster | None = None
    panel: Panel | None = None
    for k, (cutoff, fold) in enumerate(folds):
        model = Forecaster(spec, config, intervals="both").fit(
            inputs, cutoff.to_pydatetime(), calibrate=not rel_seen)
        versions.append(model.version)
        if rel_seen:  # calibrate on the residuals of the folds before this one
            model.conformal = conformal_bands(np.concatenate(rel_seen),
                                              np.concatenate(hz_seen), horizon,
                                              model.config.quantiles)
        if panel is None or panel.categories != model.categories:
            panel = Panel(inputs, spec, model.categories)  # the same grids for every fold
        known = fold["site_id"].isin(panel.index).to_numpy()
        fold = fold[known]
        site_idx = fold["site_id"].map(panel.index).to_numpy(np.int64)
        origin_h = ceil_hours(fold["origin"])
        pair, target_h, slot = panel.open_hours(site_idx, origin_h, horizon)
        site, o = site_idx[pair], origin_h[pair]
        X = panel.design(site, o, target_h, slot)
        frame = model.predict_matrix(X, o, target_h)
        frame.insert(0, "site_id", np.asarray(panel.site_ids, dtype=object)[site])
        frame.insert(1, "origin", hours_to_utc(o))
        frame.insert(2, "hour_start_at", hours_to_utc(target_h))
        frame.insert(3, "horizon_hours", (target_h - o + 1).astype(int))
        frame["y"] = panel.actual(site, slot, target_h)
        for method, col in base_cols.items():
            frame[method] = X[:, col].astype(float)
        frame["fold"] = k
        frame["model_version"] = model.version
        frames.append(frame)
        rel = relative_residuals(frame["y"].to_numpy(), frame["yhat"].to_numpy())
        rel_seen.append(rel)
        hz_seen.append(frame["horizon_hours"].to_numpy())
        residuals.append(pd.DataFrame({"horizon_hours": frame["horizon_hours"], "rel": rel}))
        if progress:
            progress(k + 1, len(folds))
    forecasts = pd.concat(frames, ignore_index=True)
    first_h = int(ceil_hours([origins["origin"].min()])[0])
    scale = _mase_scale(panel, first_h)  # observed hours before the first origin only
    coverage = {kind: metrics.coverage(forecasts["y"], forecasts[f"p10_{kind}"],
                                       forecasts[f"p90_{kind}"]) for kind in INTERVALS}
    chosen = choose_interval(coverage)
    forecasts["p10"] = forecasts[f"p10_{chosen}"]
    forecasts["p90"] = forecasts[f"p90_{chosen}"]
    scores = score_methods(forecasts, scale, chosen)
    scores.insert(0, "target", spec.target)
    scores.insert(1, "horizon", horizon_name(horizon))
    return BacktestResult(
        target=spec.target, horizon_hours=horizon, forecasts=forecasts, scores=scores,
        chosen_interval=chosen, coverage_by_interval=coverage,
        residuals=pd.concat(residuals, ignore_index=True),
        model_version=versions[-1], folds=len(folds),
        seconds=round((datetime.now(UTC) - started).total_seconds(), 2),
        fold_versions=versions)


def choose_interval(coverage: dict[str, float], nominal: float = 0.8) -> str:
    """The interval kind whose backtest coverage is closest to the nominal 80%."""
    return min(INTERVALS, key=lambda kind: abs(coverage[kind] - nominal)
               if np.isfinite(coverage[kind]) else 1.0)


def window_ids(forecasts: pd.DataFrame) -> np.ndarray:
    """Each (site, origin)'s hours ahead in blocks of 4: the 4-hour totals' windows."""
    block = (forecasts["horizon_hours"].to_numpy() - 1) // WINDOW_HOURS
    keys = forecasts["site_id"].astype(str) + "|" + forecasts["origin"].astype(str) + "|" \
        + pd.Series(block, index=forecasts.index).astype(str)
    return pd.factorize(keys)[0]


def score_methods(forecasts: pd.DataFrame, mase_scale: float, interval: str) -> pd.DataFrame:
    """One row per method over the hours every method has a value for (so the baselines
    and the model are scored on the same hours)."""
    y = forecasts["y"].to_numpy(float)
    common = np.isfinite(y)
    for method in BASELINES:
        common &= np.isfinite(forecasts[method].to_numpy(float))
    sub = forecasts[common]
    windows = window_ids(sub)
    rows = []
    for method in METHODS:
        column = "yhat" if method == "lightgbm" else method
        lo = sub["p10"] if method == "lightgbm" else None
        hi = sub["p90"] if method == "lightgbm" else None
        s = metrics.score(sub["y"], sub[column], lo, hi, windows, mase_scale)
        rows.append({
            "method": method, "origins": int(sub[["site_id", "origin"]].drop_duplicates()
                                              .shape[0]),
            "sites": int(sub["site_id"].nunique()), "hours": s["n_hours"],
            "first_origin": sub["origin"].min(), "last_origin": sub["origin"].max(),
            "wape": s["wape"], "wape_4h": s.get("wape_4h"),
            "share_4h_within_5pct": s.get("share_4h_within_5pct"),
            "share_4h_within_10pct": s.get("share_4h_within_10pct"),
            "bias": s["bias"], "mase": s["mase"],
            "coverage_80": s.get("coverage_80"), "width_80": s.get("interval_width"),
            "interval_method": interval if method == "lightgbm" else None,
        })
    return pd.DataFrame(rows)


def calibrate_on_backtest(model: Forecaster, result: BacktestResult) -> Forecaster:
    """Give the deployed model the interval kind the backtest chose, and when that is the
    conformal band, the band of every backtest residual."""
    model.chosen_interval = result.chosen_interval
    if model.info is not None:
        model.info.chosen_interval = result.chosen_interval
    if result.chosen_interval == "conformal":
        model.conformal = conformal_bands(result.residuals["rel"].to_numpy(),
                                          result.residuals["horizon_hours"].to_numpy(),
                                          model.spec.max_horizon_hours, model.config.quantiles)
    return model


def backtest_config(spec: FeatureSpec, num_threads: int = 2,
                    rounds: int | None = None) -> TrainConfig:
    """The training configuration of a backtest fold (the same as the deployed model's)."""
    from models_ml.spec import default_params

    params = default_params(num_threads=num_threads)
    if rounds is not None:
        params["num_boost_round"] = rounds
    return TrainConfig(params=params)


# -- `blipee backtest`: origins from a file, forecasts to a file --------------------------
OUTPUT_COLUMNS = ["site_id", "origin", "hour_start_at", "yhat", "p10", "p90"]


class BacktestInputError(ValueError):
    """An origins file, output path or setting `blipee backtest` cannot use: what is wrong
    and where (the command exits 2 with it)."""


def read_origins(path) -> pd.DataFrame:
    """site_id, origin (UTC ISO 8601) from a CSV; a bad line is an error naming it."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as error:
        raise BacktestInputError(f"{path}: cannot read the origins CSV: {error}") from error
    missing = {"site_id", "origin"} - set(frame.columns)
    if missing:
        raise BacktestInputError(f"{path}: needs columns site_id and origin; missing "
                           f"{', '.join(sorted(missing))} (found {', '.join(frame.columns)})")
    parsed = pd.to_datetime(frame["origin"], utc=True, errors="coerce", format="ISO8601")
    bad = parsed.isna() | (frame["site_id"].str.strip() == "")
    if bad.any():
        line = int(np.nonzero(bad.to_numpy())[0][0]) + 2  # 1-based, after the header
        raise BacktestInputError(f"{path}: line {line}: site_id {frame['site_id'].iloc[line - 2]!r}"
                           f", origin {frame['origin'].iloc[line - 2]!r} is not a site and a "
                           "UTC ISO 8601 time (e.g. 2026-11-20T09:00:00Z)")
    return pd.DataFrame({"site_id": frame["site_id"].str.strip(), "origin": parsed}) \
        .drop_duplicates().reset_index(drop=True)


def write_output(frame: pd.DataFrame, path) -> None:
    """CSV (times as ISO 8601 with offset) or Parquet, by the file's extension."""
    from pathlib import Path

    path = Path(path)
    out = frame[OUTPUT_COLUMNS].sort_values(["site_id", "origin", "hour_start_at"])
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".parquet", ".pq"):
        out.to_parquet(path, index=False)
    elif path.suffix.lower() == ".csv":
        text = out.assign(origin=out["origin"].map(lambda t: t.isoformat()),
                          hour_start_at=out["hour_start_at"].map(lambda t: t.isoformat()))
        text.to_csv(path, index=False, float_format="%.4f")
    else:
        raise BacktestInputError(f"{path}: the output must end in .csv or .parquet")


def custom_spec(target: str, horizon_hours: int, spec_json: str | None = None,
                params_json: str | None = None, history_days: int | None = None,
                num_threads: int = 1) -> tuple[FeatureSpec, TrainConfig]:
    """The feature spec and training config of a backtest, with overrides given as JSON
    (`{"profile_persistence": true}`, `{"objective": "regression_l1"}`): an unknown field is
    an error naming it and the fields there are."""
    import dataclasses
    import json

    from models_ml.spec import default_params

    def parsed(text: str | None, what: str) -> dict:
        if not text:
            return {}
        try:
            value = json.loads(text)
        except json.JSONDecodeError as error:
            raise BacktestInputError(f"{what} is not JSON: {error}") from error
        if not isinstance(value, dict):
            raise BacktestInputError(f"{what} must be a JSON object, not {text!r}")
        return value

    fields = {f.name for f in dataclasses.fields(FeatureSpec)} - {"target",
                                                                 "max_horizon_hours"}
    overrides = parsed(spec_json, "--spec")
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise BacktestInputError(f"--spec: unknown field(s) {', '.join(unknown)}; FeatureSpec has "
                           f"{', '.join(sorted(fields))}")
    overrides = {k: tuple(v) if isinstance(v, list) else v for k, v in overrides.items()}
    spec = FeatureSpec(target=target, max_horizon_hours=horizon_hours, **overrides)
    params = {**default_params(num_threads=num_threads), **parsed(params_json, "--params")}
    config = TrainConfig(params=params) if history_days is None else \
        TrainConfig(params=params, history_days=history_days)
    return spec, config
