"""Forecast benchmark: training time, and the 4-hour forecast of every store end to end.

For `--stores` stores x `--days` days hourly (default 500 x 365; `--quick` = 50 x 120) of
`models_ml.synthetic.make_chain`, written into a fresh DuckDB file under
data/bench/forecast/ (`synthetic.write_duckdb`: marts.fct_site_hourly, raw.sites,
raw.weather, raw.events), for one target (default footfall):

  read          `read_inputs(conn, "duckdb", target)`: the whole mart, as the forecast
                assets read it (connection opened in the span)
  train         `Forecaster(spec, MlSettings(...).config(spec), intervals="both").fit(inputs)`
                for the nowcast and the 14-day spec (`pipeline.spec_for(target, "nowcast" /
                "day_ahead")`), as `pipeline.train` fits them: point, P10, P90 and the
                conformal hold-out model (4 boosters of the pipeline's rounds). Seconds,
                training rows, rows/s; beside it, timed apart, the share that is Panel +
                training rows + design matrix (the rest is LightGBM).
  forecast      THE 4-hour forecast of every store, end to end, as the `ml/nowcast` asset
                runs it: connect, `pipeline.read_recent` (the spec's look-back, 70 days,
                before the newest hour, and the last 3 days of weather),
                `pipeline.forecast(inputs, model, "nowcast")` (Panel, first open hour per
                store, design rows, predict with intervals) and `pipeline.write_forecasts`
                into the same DuckDB file, closed.
                Broken down into read, panel + design (forecast minus predict), predict
                (`Forecaster.predict_matrix`: point, P10, P90 boosters and the bands) and
                write; the panel + design part is also split into Panel(), the first open
                hours and design(), timed apart on the same inputs.
  baseline      a bare `Booster.predict` of the point booster on the same design rows (the
                level-scaled X the booster sees, built once outside the timed span; the
                benchmark checks it equals the matrix the forecast predicted on), timed in
                the same run, interleaved with the forecasts: machines differ, the ratio
                travels.

`--repeats` (default 5) forecasts and baselines are run and medians reported (the 2-core
machine is shared and noisy), with every run's figures and the 1-minute load average.
Beside it the same forecast reading the whole mart (`read_inputs` of every hour) is timed
and checked to give the same forecast: what reading only the look-back saves.
LightGBM runs with `--threads` (default 1, the pipeline's BLIPEE_ML_THREADS default).

Target (issue "Forecasts", Done when): the 4-hour forecast of all stores end to end under
1 s (the product promises 10 s). Results go to bench/results/forecast.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / "data" / "bench" / "forecast"
TARGET_END_TO_END_S = 1.0
PROMISED_END_TO_END_S = 10.0
QUICK = {"stores": 50, "days": 120}


def _connect(db: Path) -> Any:
    from infra.warehouse import connect_duckdb

    return connect_duckdb(db)


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def generate(db: Path, stores: int, days: int) -> dict[str, Any]:
    """A fresh DuckDB file holding a synthetic chain; row counts and seconds."""
    from models_ml import synthetic

    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    chain = synthetic.make_chain(n_sites=stores, days=days)
    made = time.perf_counter() - started
    conn = _connect(db)
    synthetic.write_duckdb(conn, chain)
    conn.close()
    return {"make_chain_seconds": round(made, 2),
            "seconds": round(time.perf_counter() - started, 2),
            "rows": {"fct_site_hourly": len(chain.hourly), "sites": len(chain.sites),
                     "weather": len(chain.weather), "events": len(chain.events)},
            "hours": [chain.hourly["hour_start_at"].min().isoformat(),
                      chain.hourly["hour_start_at"].max().isoformat()]}


def time_read(db: Path, target: str) -> tuple[Any, float]:
    from models_ml.data import read_inputs

    started = time.perf_counter()
    conn = _connect(db)
    inputs = read_inputs(conn, "duckdb", target)
    conn.close()
    return inputs, time.perf_counter() - started


def train(inputs: Any, horizon: str, settings: Any) -> tuple[Any, dict[str, Any]]:
    """Fit one horizon's forecaster as pipeline.train does (without saving); then, apart,
    the Panel + training rows + design part of the fit."""
    from models_ml import pipeline
    from models_ml.features import Panel, ceil_hours
    from models_ml.model import Forecaster

    spec = pipeline.spec_for(inputs.target, horizon)
    config = settings.config(spec)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    model = Forecaster(spec, config, intervals="both").fit(inputs)
    seconds = time.perf_counter() - started
    # the feature part of the same fit, timed apart (fit's own code path, no LightGBM)
    started = time.perf_counter()
    panel = Panel(inputs, spec)
    panel_seconds = time.perf_counter() - started
    last = inputs.series["hour_start_at"].max()
    rows = model.training_rows(panel, int(ceil_hours([last])[0]) + 1)
    rows_seconds = time.perf_counter() - started - panel_seconds
    X = panel.design(*rows[:4])
    design_seconds = time.perf_counter() - started - panel_seconds - rows_seconds
    features = panel_seconds + rows_seconds + design_seconds
    n = model.info.rows
    return model, {
        "horizon": horizon, "max_horizon_hours": spec.max_horizon_hours,
        "seconds": round(seconds, 2), "training_rows": n,
        "rows_per_second": round(n / seconds), "features": X.shape[1],
        "boosters": sorted(model.boosters) + (["conformal_holdout"] if model.conformal else []),
        "num_boost_round": config.params["num_boost_round"],
        "num_threads": config.params["num_threads"], "max_rows": config.max_rows,
        "history_days": config.history_days,
        "feature_part_seconds": {"panel": round(panel_seconds, 3),
                                 "training_rows": round(rows_seconds, 3),
                                 "design": round(design_seconds, 3),
                                 "total": round(features, 2)},
        "lightgbm_seconds_approx": round(seconds - features, 2),
        "model_version": model.version, "load_1min": round(load, 2),
    }


def design_rows(inputs: Any, model: Any) -> tuple[np.ndarray, np.ndarray, int]:
    """The nowcast's design rows, built as pipeline.forecast builds them: the matrix and
    the level-scaled one the point booster sees, and the rows forecast keeps."""
    from models_ml import pipeline
    from models_ml.features import Panel, ceil_hours

    panel = Panel(inputs, model.spec, model.categories)
    origins = pipeline._first_open_hours(panel, pipeline.live_origin(inputs),
                                         pipeline.HORIZONS["day_ahead"])
    site_idx = origins["site_id"].map(panel.index).to_numpy(np.int64)
    origin_h = ceil_hours(origins["origin"])
    pair, target_h, slot = panel.open_hours(site_idx, origin_h,
                                            pipeline.HORIZONS["nowcast"])
    X = panel.design(site_idx[pair], origin_h[pair], target_h, slot)
    kept = int(((target_h - origin_h[pair] + 1) <= pipeline.NOWCAST_HOURS).sum())
    return X, model._scaled(X)[0], kept


def forecast_once(db: Path, model: Any, full: bool = False
                  ) -> tuple[dict[str, float], pd.DataFrame, list[np.ndarray]]:
    """One end-to-end nowcast of every store; seconds per phase, the rows, the matrices
    predict_matrix was given."""
    from models_ml import pipeline
    from models_ml.data import read_inputs

    seen: list[np.ndarray] = []
    predict_seconds = [0.0]
    bound = type(model).predict_matrix.__get__(model)

    def timed_predict(X, origin_h, target_h):
        started = time.perf_counter()
        out = bound(X, origin_h, target_h)
        predict_seconds[0] += time.perf_counter() - started
        seen.append(X)
        return out

    model.predict_matrix = timed_predict  # instance attribute: this run only
    try:
        t0 = time.perf_counter()
        conn = _connect(db)
        if full:
            inputs = read_inputs(conn, "duckdb", model.spec.target)
        else:
            inputs = pipeline.read_recent(conn, "duckdb", model.spec.target, model.spec)
        t1 = time.perf_counter()
        rows = pipeline.forecast(inputs, model, "nowcast")
        t2 = time.perf_counter()
        written = pipeline.write_forecasts(conn, "duckdb", rows)
        conn.close()
        t3 = time.perf_counter()
    finally:
        del model.predict_matrix
    assert written == len(rows)
    return {"end_to_end": t3 - t0, "read": t1 - t0,
            "panel_design": (t2 - t1) - predict_seconds[0],
            "predict": predict_seconds[0], "write": t3 - t2}, rows, seen


def forecast_parts(inputs: Any, model: Any) -> dict[str, float]:
    """pipeline.forecast's steps before predict, timed one by one on the same inputs."""
    from models_ml import pipeline
    from models_ml.features import Panel, ceil_hours

    t0 = time.perf_counter()
    panel = Panel(inputs, model.spec, model.categories)
    t1 = time.perf_counter()
    origins = pipeline._first_open_hours(panel, pipeline.live_origin(inputs),
                                         pipeline.HORIZONS["day_ahead"])
    t2 = time.perf_counter()
    site_idx = origins["site_id"].map(panel.index).to_numpy(np.int64)
    origin_h = ceil_hours(origins["origin"])
    pair, target_h, slot = panel.open_hours(site_idx, origin_h, pipeline.HORIZONS["nowcast"])
    t3 = time.perf_counter()
    panel.design(site_idx[pair], origin_h[pair], target_h, slot)
    t4 = time.perf_counter()
    return {"panel": t1 - t0, "first_open_hours": t2 - t1, "open_hours": t3 - t2,
            "design": t4 - t3}


def history_weeks(spec: Any) -> int:
    """How many weeks back the spec's longest feature reads."""
    if hasattr(spec, "history_weeks"):
        return int(spec.history_weeks())
    return max(spec.same_weekhour_mean_weeks, 2)


def time_bare_predict(booster: Any, X: np.ndarray, threads: int) -> float:
    started = time.perf_counter()
    booster.predict(X, num_threads=threads)
    return time.perf_counter() - started


def _med(values: list[float], digits: int = 4) -> float:
    return round(statistics.median(values), digits)


def run_forecasts(db: Path, model: Any, repeats: int, threads: int) -> dict[str, Any]:
    from models_ml.data import read_inputs

    conn = _connect(db)
    inputs = read_inputs(conn, "duckdb", model.spec.target)
    conn.close()
    X, X_scaled, kept = design_rows(inputs, model)  # outside every timed span
    booster = model.boosters["point"]
    booster.predict(X_scaled[:10], num_threads=threads)  # warm
    forecast_once(db, model)  # warm: imports, first write creates schema ml
    runs: list[dict[str, float]] = []
    bare: list[float] = []
    parts: list[dict[str, float]] = []
    windowed: list[dict[str, float]] = []
    loads: list[float] = []
    same_matrix = True
    rows = pd.DataFrame()
    for _ in range(repeats):
        loads.append(os.getloadavg()[0])
        timing, rows, seen = forecast_once(db, model)
        runs.append(timing)
        same_matrix &= len(seen) == 1 and np.array_equal(seen[0], X, equal_nan=True)
        bare.append(time_bare_predict(booster, X_scaled, threads))
        parts.append(forecast_parts(inputs, model))
        windowed.append(forecast_once(db, model, full=True)[0])
    conn = _connect(db)
    stored = conn.execute("select count(*) from ml.forecasts where horizon = 'nowcast'"
                          ).fetchone()[0]
    conn.close()
    e2e = _med([r["end_to_end"] for r in runs])
    base = _med(bare, 6)
    result: dict[str, Any] = {
        "repeats": repeats, "sites": int(rows["site_id"].nunique()), "rows": len(rows),
        "design_rows": len(X), "design_rows_kept": kept,
        "predicted_matrix_equals_baseline_matrix": bool(same_matrix),
        "rows_in_ml_forecasts_after_all_runs": int(stored),
        "end_to_end_seconds_median": e2e,
        "end_to_end_seconds_all": [round(r["end_to_end"], 4) for r in runs],
        "breakdown_seconds_median": {k: _med([r[k] for r in runs])
                                     for k in ("read", "panel_design", "predict", "write")},
        "panel_design_parts_seconds_median": {k: _med([p[k] for p in parts])
                                              for k in parts[0]},
        "bare_predict_seconds_median": base,
        "bare_predict_seconds_all": [round(b, 6) for b in bare],
        "ratio_end_to_end_to_bare_predict": round(e2e / base, 1) if base else None,
        "ratio_predict_to_bare_predict": round(
            _med([r["predict"] for r in runs], 6) / base, 1) if base else None,
        "load_1min_all": [round(x, 2) for x in loads],
        "origin": str(rows["origin"].min()) if len(rows) else None,
    }
    if windowed:
        w_rows = forecast_once(db, model, full=True)[1]
        merged = rows.merge(w_rows, on=["site_id", "origin", "hour_start_at"],
                            suffixes=("", "_w"))
        same = (len(merged) == len(rows) == len(w_rows)
                and np.allclose(merged["yhat"], merged["yhat_w"], equal_nan=True)
                and np.allclose(merged["p10"], merged["p10_w"], equal_nan=True)
                and np.allclose(merged["p90"], merged["p90_w"], equal_nan=True))
        result["whole_mart_read"] = {
            "lookback_days": model.spec.lookback_days(),
            "end_to_end_seconds_median": _med([r["end_to_end"] for r in windowed]),
            "breakdown_seconds_median": {k: _med([r[k] for r in windowed])
                                         for k in ("read", "panel_design", "predict",
                                                   "write")},
            "same_forecast_as_lookback_read": bool(same),
        }
    return result


def print_table(payload: dict[str, Any]) -> None:
    shape = payload["shape"]
    print(f"\nforecast benchmark, {shape['stores']} stores x {shape['days']} days hourly, "
          f"target {payload['target']}, LightGBM threads {payload['threads']}")
    print(f"{'step':34s} {'seconds':>9s} {'rows':>10s} {'rows/s':>10s}")
    print(f"{'generate (make_chain + write)':34s} {payload['generate']['seconds']:>9.2f} "
          f"{payload['generate']['rows']['fct_site_hourly']:>10,d}")
    print(f"{'read_inputs (whole mart)':34s} {payload['read']['seconds']:>9.2f} "
          f"{payload['read']['series_rows']:>10,d}")
    for name, t in payload["train"].items():
        print(f"{'train ' + name + ' (4 boosters)':34s} {t['seconds']:>9.2f} "
              f"{t['training_rows']:>10,d} {t['rows_per_second']:>10,d}   "
              f"load {t['load_1min']:.2f}")
        print(f"{'  of which panel+rows+design':34s} {t['feature_part_seconds']['total']:>9.2f}")
    f = payload["forecast"]
    print(f"\nnowcast of every store end to end ({f['sites']} stores, {f['rows']} rows), "
          f"medians of {f['repeats']}, 1-min load {statistics.median(f['load_1min_all']):.2f}:")
    print(f"{'end to end':34s} {f['end_to_end_seconds_median']:>9.3f}   "
          f"all: {' '.join(f'{x:.3f}' for x in f['end_to_end_seconds_all'])}")
    for name, value in f["breakdown_seconds_median"].items():
        print(f"{'  ' + name:34s} {value:>9.3f}")
    for name, value in f["panel_design_parts_seconds_median"].items():
        print(f"{'    (apart) ' + name:34s} {value:>9.3f}")
    print(f"{'bare Booster.predict (point)':34s} {f['bare_predict_seconds_median']:>9.4f}")
    print(f"{'ratio end to end / bare predict':34s} "
          f"{f['ratio_end_to_end_to_bare_predict']:>9.1f}x")
    print(f"{'ratio predict (3 boosters) / bare':34s} "
          f"{f['ratio_predict_to_bare_predict']:>9.1f}x")
    if "whole_mart_read" in f:
        w = f["whole_mart_read"]
        print(f"{'end to end, reading the whole mart':34s} "
              f"{w['end_to_end_seconds_median']:>9.3f}   (read "
              f"{w['breakdown_seconds_median']['read']:.3f} s; same forecast as the "
              f"{w['lookback_days']}-day read: {w['same_forecast_as_lookback_read']})")
    e2e = f["end_to_end_seconds_median"]
    print(f"\ntarget: end to end < {TARGET_END_TO_END_S:.0f} s: "
          f"{'ok' if e2e < TARGET_END_TO_END_S else 'MISSED'} ({e2e:.2f} s; the product "
          f"promises {PROMISED_END_TO_END_S:.0f} s: "
          f"{'ok' if e2e < PROMISED_END_TO_END_S else 'MISSED'})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=None, help="default 500 (quick: 50)")
    parser.add_argument("--days", type=int, default=None, help="default 365 (quick: 120)")
    parser.add_argument("--quick", action="store_true",
                        help=f"a small run to try it: --stores {QUICK['stores']} "
                             f"--days {QUICK['days']} unless given")
    parser.add_argument("--repeats", type=int, default=5,
                        help="end-to-end forecasts and bare predicts timed (medians)")
    parser.add_argument("--threads", type=int, default=1,
                        help="LightGBM num_threads for training and predicting")
    parser.add_argument("--target", default="footfall")
    parser.add_argument("--rounds", type=int, default=None,
                        help="boosting rounds (default: the pipeline's)")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="where the DuckDB file goes (emptied first)")
    parser.add_argument("--keep", action="store_true", help="keep the DuckDB file")
    args = parser.parse_args(argv)
    stores = args.stores or (QUICK["stores"] if args.quick else 500)
    days = args.days or (QUICK["days"] if args.quick else 365)

    from models_ml import pipeline

    work = args.workdir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    generated = generate(db, stores, days)
    print(f"generated {stores} stores x {days} days: {json.dumps(generated)}", flush=True)

    inputs, read_seconds = time_read(db, args.target)
    read = {"seconds": round(read_seconds, 3), "series_rows": len(inputs.series),
            "weather_rows": len(inputs.weather), "holiday_rows": len(inputs.holidays)}
    print(f"read {json.dumps(read)}", flush=True)

    settings = pipeline.MlSettings(models_dir=work / "models", num_threads=args.threads,
                                   rounds=args.rounds)
    trained: dict[str, dict[str, Any]] = {}
    models = {}
    for horizon in ("nowcast", "day_ahead"):
        models[horizon], trained[horizon] = train(inputs, horizon, settings)
        print(f"train {json.dumps(trained[horizon])}", flush=True)
    del inputs
    saved = models["nowcast"].save(settings.models_dir)
    started = time.perf_counter()
    type(models["nowcast"]).load(saved)
    load_seconds = time.perf_counter() - started

    forecast = run_forecasts(db, models["nowcast"], args.repeats, args.threads)
    forecast["model_load_seconds"] = round(load_seconds, 3)
    print(f"forecast {json.dumps(forecast)}", flush=True)

    e2e = forecast["end_to_end_seconds_median"]
    targets_met = {
        f"end_to_end_under_{TARGET_END_TO_END_S:.0f}s": e2e < TARGET_END_TO_END_S,
        f"end_to_end_under_{PROMISED_END_TO_END_S:.0f}s_promised": e2e < PROMISED_END_TO_END_S,
        "every_store_forecast": forecast["sites"] == stores,
        "same_design_rows_as_baseline": forecast["predicted_matrix_equals_baseline_matrix"],
        "rewrite_idempotent": forecast["rows_in_ml_forecasts_after_all_runs"]
        == forecast["rows"],
        "lookback_read_forecasts_as_the_whole_mart":
            forecast["whole_mart_read"]["same_forecast_as_lookback_read"],
    }
    payload = {
        "benchmark": "forecast",
        "measured_at": datetime.now(UTC).isoformat(),
        "shape": {"stores": stores, "days": days},
        "target": args.target, "threads": args.threads, "cpu_count": os.cpu_count(),
        "generate": generated, "read": read, "train": trained, "forecast": forecast,
        "peak_rss_mb": _peak_rss_mb(),
        "uptime_load_at_end": [round(x, 2) for x in os.getloadavg()],
        "targets": {"end_to_end_seconds": TARGET_END_TO_END_S,
                    "promised_end_to_end_seconds": PROMISED_END_TO_END_S},
        "targets_met": targets_met,
    }
    print_table(payload)
    print(f"targets: {targets_met}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "forecast.json").write_text(json.dumps(payload, indent=2) + "\n")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if all(targets_met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
