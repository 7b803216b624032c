"""A global LightGBM forecaster per target, in the shape of Nixtla's mlforecast:
`fit(inputs, cutoff)`, `predict(inputs, origins, horizon)`, `save(dir)` / `load(dir)`.

Direct multi-horizon: one model per target and horizon family (the 4-hour nowcast, the
14-day forecast) learns y(origin + h) from features known at the origin, with h itself a
feature. No forecast is fed back as an input, so errors do not compound over 336 steps and
every hour of the 14 days costs one tree walk (recursive forecasting would need 336
sequential feature rebuilds per origin).

Intervals (80%): either P10/P90 quantile models (`objective=quantile`, alpha 0.1 / 0.9) or
split-conformal bands from the residuals of a model fitted without the last
`calibration_days` (relative residuals (y - yhat) / (yhat + 1), per horizon bucket). With
intervals="both" the forecaster fits both and `predict` returns both, so a backtest can
choose the one that covers closer to 80%.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from models_ml.data import Inputs
from models_ml.features import Panel, ceil_hours, hours_to_utc
from models_ml.spec import FeatureSpec, TrainConfig, model_version

INTERVALS = ("quantile", "conformal")


@dataclass
class FitInfo:
    version: str
    target: str
    max_horizon_hours: int
    cutoff: str
    data_start: str | None
    data_end: str | None
    rows: int
    seconds: float
    intervals: str
    chosen_interval: str
    trained_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat())


def _bucket(horizon: np.ndarray, max_horizon: int) -> np.ndarray:
    """Conformal buckets: each hour of the nowcast, each day of a longer horizon."""
    if max_horizon <= 24:
        return np.clip(horizon, 1, max_horizon).astype(int) - 1
    return np.clip((horizon - 1) // 24, 0, (max_horizon - 1) // 24).astype(int)


def relative_residuals(y: np.ndarray, yhat: np.ndarray) -> np.ndarray:
    """(y - yhat) / (|yhat| + 1): scale-free, so one band fits small and large stores."""
    return (np.asarray(y, float) - yhat) / (np.abs(yhat) + 1.0)


def conformal_bands(rel: np.ndarray, horizon: np.ndarray, max_horizon: int,
                    quantiles: tuple[float, float], min_count: int = 30) -> dict[str, list]:
    """Per horizon bucket, the lower and upper quantiles of the relative residuals (the
    pooled ones where a bucket has fewer than `min_count`)."""
    ok = np.isfinite(rel)
    rel, horizon = rel[ok], horizon[ok]
    lo_q, hi_q = quantiles
    pooled = (float(np.quantile(rel, lo_q)), float(np.quantile(rel, hi_q))) if len(rel) \
        else (0.0, 0.0)
    buckets = _bucket(horizon, max_horizon)
    n_buckets = int(_bucket(np.array([max_horizon]), max_horizon)[0]) + 1
    lo, hi = [], []
    for b in range(n_buckets):
        r = rel[buckets == b]
        enough = len(r) >= min_count
        lo.append(float(np.quantile(r, lo_q)) if enough else pooled[0])
        hi.append(float(np.quantile(r, hi_q)) if enough else pooled[1])
    return {"lo": lo, "hi": hi}


class Forecaster:
    def __init__(self, spec: FeatureSpec, config: TrainConfig | None = None,
                 intervals: str = "quantile") -> None:
        if intervals not in (*INTERVALS, "both"):
            raise ValueError(f"intervals must be quantile, conformal or both, not {intervals}")
        self.spec = spec
        self.config = config or TrainConfig()
        self.intervals = intervals
        self.chosen_interval = "quantile" if intervals == "both" else intervals
        self.boosters: dict[str, lgb.Booster] = {}
        self.conformal: dict[str, list[float]] = {}
        self.categories: dict[str, list[str]] | None = None
        self.level_fallback = 0.0
        self.info: FitInfo | None = None

    # -- level normalisation --------------------------------------------------------------
    def _level(self, X: np.ndarray) -> np.ndarray:
        """Each row's level known at its origin (+1, so a quiet store is never divided by
        0); a site with no week of history yet takes the training rows' median level."""
        names = self.spec.feature_names()
        level = X[:, names.index(self.spec.level_feature)].astype(float)
        if "mean_24h" in names:
            fill = ~np.isfinite(level)
            level[fill] = X[fill, names.index("mean_24h")]
        fill = ~np.isfinite(level) | (level < 0)
        level[fill] = self.level_fallback
        return level + 1.0

    def _scaled(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.spec.normalize_by_level:
            return X, np.ones(len(X))
        level = self._level(X)
        names = self.spec.feature_names()
        cols = [names.index(n) for n in self.spec.level_features() if n in names]
        out = X.copy()
        out[:, cols] = out[:, cols] / level[:, None].astype(np.float32)
        return out, level

    # -- training rows --------------------------------------------------------------------
    def training_rows(self, panel: Panel, cutoff_h: int):
        """Rows (site, origin, target, slot, y) with every target hour before the cutoff;
        origins are the target hour minus 0..H-1 hours (all of them for the nowcast, a
        seeded draw of a few for longer horizons), capped at max_rows."""
        cfg, spec = self.config, self.spec
        since = cutoff_h - cfg.history_days * 24
        site, target, slot, y = panel.observed_rows(since, cutoff_h)
        rng = np.random.default_rng(cfg.seed)
        horizon = spec.max_horizon_hours
        per_row = horizon if horizon <= 24 else 8
        if per_row == horizon:
            ahead = np.tile(np.arange(horizon), len(site))
            rep = np.repeat(np.arange(len(site)), horizon)
        else:
            ahead = rng.integers(0, horizon, size=len(site) * per_row)
            rep = np.repeat(np.arange(len(site)), per_row)
        if len(rep) > cfg.max_rows:
            keep = np.sort(rng.choice(len(rep), size=cfg.max_rows, replace=False))
            rep, ahead = rep[keep], ahead[keep]
        return site[rep], target[rep] - ahead, target[rep], slot[rep], y[rep]

    # -- fit ------------------------------------------------------------------------------
    def _train(self, X: np.ndarray, y: np.ndarray, objective: dict,
               weight: np.ndarray | None = None) -> lgb.Booster:
        params = {**self.config.params, **objective}
        rounds = int(params.pop("num_boost_round", 300))
        names = self.spec.feature_names()
        categorical = [n for n in self.spec.categorical if n in names]
        data = lgb.Dataset(X, label=y, weight=weight, feature_name=names,
                           categorical_feature=categorical, free_raw_data=True)
        return lgb.train(params, data, num_boost_round=rounds)

    def fit(self, inputs: Inputs, cutoff: datetime | None = None,
            calibration_days: int = 7, calibrate: bool = True) -> Forecaster:
        """Train on the hours of `inputs` that start before `cutoff` (default: all).

        calibrate=False skips the conformal hold-out model, for a caller that calibrates
        the bands on residuals of its own (a backtest's later folds)."""
        started = datetime.now(UTC)
        if cutoff is not None:
            inputs = inputs.until(cutoff)
        panel = Panel(inputs, self.spec)
        self.categories = panel.categories
        if cutoff is None:
            last = inputs.series["hour_start_at"].max()
            cutoff_h = (int(ceil_hours([last])[0]) + 1) if pd.notna(last) else 0
        else:
            cutoff_h = int(ceil_hours([cutoff])[0])
        site, origin, target, slot, y = self.training_rows(panel, cutoff_h)
        if len(y) == 0:
            raise ValueError("no observed hours before the cutoff to train on")
        X = panel.design(site, origin, target, slot)
        if self.spec.normalize_by_level:
            level = X[:, self.spec.feature_names().index(self.spec.level_feature)]
            level = level[np.isfinite(level)]
            self.level_fallback = float(np.median(level)) if len(level) else 0.0
        X, scale = self._scaled(X)
        y = y / scale
        weight = scale if self.config.weight_by_level else None
        self.boosters = {"point": self._train(X, y, {}, weight)}
        lo_q, hi_q = self.config.quantiles
        if self.intervals in ("quantile", "both"):
            self.boosters["p10"] = self._train(X, y, {"objective": "quantile", "alpha": lo_q})
            self.boosters["p90"] = self._train(X, y, {"objective": "quantile", "alpha": hi_q})
        if self.intervals in ("conformal", "both") and calibrate:
            self._calibrate(X, y, scale, origin, target, cutoff_h, calibration_days)
        t = inputs.series["hour_start_at"]
        start = t.min() if len(t) else None
        end = t.max() if len(t) else None
        version = model_version(self.spec, self.config, start, end, len(y))
        self.info = FitInfo(
            version=version, target=self.spec.target,
            max_horizon_hours=self.spec.max_horizon_hours,
            cutoff=hours_to_utc(np.array([cutoff_h]))[0].isoformat(),
            data_start=start.isoformat() if start is not None else None,
            data_end=end.isoformat() if end is not None else None, rows=len(y),
            seconds=round((datetime.now(UTC) - started).total_seconds(), 2),
            intervals=self.intervals, chosen_interval=self.chosen_interval)
        return self

    def _calibrate(self, X, y, scale, origin, target, cutoff_h: int, days: int) -> None:
        """Split conformal: a model without the last `days` of origins predicts them."""
        split = cutoff_h - days * 24
        early = target < split
        late = origin >= split
        if early.sum() < 100 or late.sum() < 20:
            early = np.arange(len(y)) < int(len(y) * 0.8)
            late = ~early
        weight = scale[early] if self.config.weight_by_level else None
        booster = self._train(X[early], y[early], {}, weight)
        yhat = self._clip(booster.predict(X[late], num_threads=self.config.params.get(
            "num_threads", 1)) * scale[late])
        horizon = target[late] - origin[late] + 1
        self.conformal = conformal_bands(relative_residuals(y[late] * scale[late], yhat),
                                         horizon,
                                         self.spec.max_horizon_hours, self.config.quantiles)

    def _clip(self, values: np.ndarray) -> np.ndarray:
        # counts are never negative; net sales can be (refunds), so they are left alone
        return values if self.spec.target == "net_sales" else np.clip(values, 0, None)

    # -- predict --------------------------------------------------------------------------
    def predict_rows(self, panel: Panel, site, origin_h, target_h, slot) -> pd.DataFrame:
        return self.predict_matrix(panel.design(site, origin_h, target_h, slot), origin_h,
                                   target_h)

    def predict_matrix(self, X: np.ndarray, origin_h: np.ndarray, target_h: np.ndarray
                       ) -> pd.DataFrame:
        """yhat and both kinds of 80% bands for a design matrix; p10 / p90 are the chosen
        kind's."""
        threads = self.config.params.get("num_threads", 1)
        X, scale = self._scaled(X)

        def run(name: str) -> np.ndarray:
            return self._clip(self.boosters[name].predict(X, num_threads=threads) * scale)

        yhat = run("point")
        out = {"yhat": yhat}
        if "p10" in self.boosters:
            q = np.sort(np.column_stack([run("p10"), yhat, run("p90")]), axis=1)
            out["p10_quantile"], out["p90_quantile"] = q[:, 0], q[:, 2]
        if self.conformal:
            b = _bucket(target_h - origin_h + 1, self.spec.max_horizon_hours)
            scale = np.abs(yhat) + 1.0
            lo = np.asarray(self.conformal["lo"])[b]
            hi = np.asarray(self.conformal["hi"])[b]
            out["p10_conformal"] = self._clip(np.minimum(yhat + lo * scale, yhat))
            out["p90_conformal"] = np.maximum(yhat + hi * scale, yhat)
        chosen = self.chosen_interval
        if f"p10_{chosen}" not in out:
            chosen = "quantile" if "p10_quantile" in out else "conformal"
        out["p10"], out["p90"] = out[f"p10_{chosen}"], out[f"p90_{chosen}"]
        return pd.DataFrame(out)

    def predict(self, inputs: Inputs, origins: pd.DataFrame, horizon: int | None = None,
                panel: Panel | None = None) -> pd.DataFrame:
        """One row per site, origin and open hour in [origin, origin + horizon).

        `origins` has site_id and origin (UTC); features see only hours before the origin.
        Sites unknown to the warehouse are skipped; a site with no history is forecast.
        """
        horizon = horizon or self.spec.max_horizon_hours
        panel = panel or Panel(inputs, self.spec, self.categories)
        known = origins["site_id"].astype(str).isin(panel.index)
        origins = origins[known].reset_index(drop=True)
        site_idx = origins["site_id"].astype(str).map(panel.index).to_numpy(np.int64)
        origin_h = ceil_hours(origins["origin"])
        pair, target_h, slot = panel.open_hours(site_idx, origin_h, horizon)
        site, o = site_idx[pair], origin_h[pair]
        frame = self.predict_rows(panel, site, o, target_h, slot)
        frame.insert(0, "site_id", np.asarray(panel.site_ids, dtype=object)[site])
        frame.insert(1, "origin", hours_to_utc(o))
        frame.insert(2, "hour_start_at", hours_to_utc(target_h))
        frame.insert(3, "horizon_hours", (target_h - o + 1).astype(int))
        frame["model_version"] = self.version
        frame.attrs["slots"] = slot
        frame.attrs["site_idx"] = site
        return frame

    @property
    def version(self) -> str:
        return self.info.version if self.info else "unfitted"

    # -- save / load ----------------------------------------------------------------------
    def save(self, models_dir: Path) -> Path:
        """<models_dir>/<target>-h<H>-<version>/: one LightGBM text file per booster and
        metadata.json (version, data window, spec, parameters, intervals, categories)."""
        if self.info is None:
            raise ValueError("fit the forecaster before saving it")
        path = Path(models_dir) / f"{self.spec.target}-h{self.spec.max_horizon_hours}-" \
                                  f"{self.version}"
        path.mkdir(parents=True, exist_ok=True)
        for name, booster in self.boosters.items():
            booster.save_model(str(path / f"{name}.txt"))
        meta = {"info": asdict(self.info), "spec": self.spec.as_dict(),
                "config": self.config.as_dict(), "intervals": self.intervals,
                "chosen_interval": self.chosen_interval, "conformal": self.conformal,
                "categories": self.categories, "level_fallback": self.level_fallback,
                "features": self.spec.feature_names()}
        (path / "metadata.json").write_text(json.dumps(meta, indent=2, default=str) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> Forecaster:
        path = Path(path)
        meta = json.loads((path / "metadata.json").read_text())
        spec_fields = {k: tuple(v) if isinstance(v, list) else v
                       for k, v in meta["spec"].items()}
        config = dict(meta["config"])
        config["quantiles"] = tuple(config["quantiles"])
        self = cls(FeatureSpec(**spec_fields), TrainConfig(**config), meta["intervals"])
        self.chosen_interval = meta["chosen_interval"]
        self.conformal = meta["conformal"]
        self.categories = meta["categories"]
        self.level_fallback = float(meta.get("level_fallback", 0.0))
        self.info = FitInfo(**meta["info"])
        for file in sorted(path.glob("*.txt")):
            self.boosters[file.stem] = lgb.Booster(model_file=str(file))
        return self
