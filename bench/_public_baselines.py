"""Nixtla baselines for bench/public_dataset.py, run in the eval interpreter (pandas < 3).

Reads `series.parquet` (unique_id, ds, y: a full hourly grid, y NaN where the hour is not
known) and `origins.parquet` (fold, cutoff, origin); writes `forecasts_<model>.parquet`
(unique_id, origin, ds, <model>) with, for every origin, the next `--horizon` hours.

- mlforecast_lgbm: mlforecast's documented default set-up, `MLForecast(models=
  [lgb.LGBMRegressor(verbosity=-1)], freq='h', lags=[24, 168], date_features=['hour',
  'dayofweek'])` (num_threads=1 here), fitted once per fold on the `--history-days` before
  the fold's cutoff, then `predict(h, new_df=<history up to the origin>)` per origin.
- mstl: statsforecast `MSTL(season_length=[24, 168])` (its default trend model), fitted at
  every origin on the `--mstl-weeks` weeks before it.
- Both need gap-free series: an unknown hour is filled, after the history is cut at the
  fold's cutoff or the origin, with the value a week earlier (else a week later, else
  linearly), so nothing at or after the origin is used.

Times: `ds` is the UTC hour shifted by +12 h (New Zealand standard time, a regular hourly
grid without DST jumps), so `hour` and `dayofweek` are the local standard-time ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd


def mlforecast_predictions(series: pd.DataFrame, origins: pd.DataFrame, horizon: int,
                           history_days: int) -> pd.DataFrame:
    import lightgbm as lgb
    from mlforecast import MLForecast

    out = []
    for fold, part in origins.groupby("fold"):
        cutoff = part["cutoff"].iloc[0]
        train = filled(series[(series["ds"] < cutoff)
                              & (series["ds"] >= cutoff - pd.Timedelta(days=history_days))])
        mlf = MLForecast(models={"mlforecast_lgbm": lgb.LGBMRegressor(verbosity=-1,
                                                                      n_jobs=1)},
                         freq="h", lags=[24, 168], date_features=["hour", "dayofweek"])
        mlf.fit(train, static_features=[])
        for origin in sorted(part["origin"].unique()):
            new = filled(series[(series["ds"] < origin)
                                & (series["ds"] >= origin - pd.Timedelta(weeks=3))])
            pred = mlf.predict(horizon, new_df=new)
            pred["origin"] = origin
            out.append(pred)
        print(f"mlforecast fold {fold}: {part['origin'].nunique()} origins", flush=True)
    return pd.concat(out, ignore_index=True)


def _fill(y: pd.Series) -> pd.Series:
    return y.fillna(y.shift(168)).fillna(y.shift(-168)).interpolate(limit_direction="both")


def filled(part: pd.DataFrame) -> pd.DataFrame:
    """Unknown hours filled from the history itself (both models need gap-free series);
    the part is cut at the origin first, so nothing after it is used."""
    part = part.copy()
    part["y"] = part.groupby("unique_id")["y"].transform(_fill)
    return part.dropna(subset=["y"])


def mstl_predictions(series: pd.DataFrame, origins: pd.DataFrame, horizon: int,
                     weeks: int) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import MSTL

    out = []
    for origin in sorted(origins["origin"].unique()):
        hist = filled(series[(series["ds"] < origin)
                             & (series["ds"] >= origin - pd.Timedelta(weeks=weeks + 1))])
        hist = hist[hist["ds"] >= origin - pd.Timedelta(weeks=weeks)]
        sf = StatsForecast(models=[MSTL(season_length=[24, 168], alias="mstl")], freq="h",
                           n_jobs=1)
        pred = sf.forecast(df=hist, h=horizon)
        pred["origin"] = origin
        out.append(pred)
    return pd.concat(out, ignore_index=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--horizon", type=int, default=4)
    parser.add_argument("--history-days", type=int, default=120)
    parser.add_argument("--mstl-weeks", type=int, default=6)
    parser.add_argument("--models", default="mlforecast_lgbm,mstl")
    args = parser.parse_args(argv)
    series = pd.read_parquet(args.folder / "series.parquet")
    origins = pd.read_parquet(args.folder / "origins.parquet")
    models = args.models.split(",")
    for name in models:
        started = time.perf_counter()
        if name == "mlforecast_lgbm":
            frame = mlforecast_predictions(series, origins, args.horizon, args.history_days)
        elif name == "mstl":
            frame = mstl_predictions(series, origins, args.horizon, args.mstl_weeks)
        else:
            raise SystemExit(f"unknown model {name}")
        print(f"{name}: {len(frame):,} rows in {time.perf_counter() - started:.1f} s",
              flush=True)
        frame = frame[["unique_id", "origin", "ds", name]].copy()
        frame[name] = np.clip(frame[name].astype(float), 0, None)
        frame.to_parquet(args.folder / f"forecasts_{name}.parquet", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
