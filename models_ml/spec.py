"""The declarative feature spec and LightGBM parameters of one forecaster, and its version.

One `FeatureSpec` says everything a model sees (as mlforecast's `MLForecast(lags=...,
lag_transforms=..., date_features=...)` does); `feature_names()` is the fixed column order
of the design matrix. A model's version is a hash of the data window it was trained on, the
spec and the LightGBM parameters, so two models trained on the same data with the same
settings share a version and anything else gets a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime

TARGETS = ("footfall", "transactions", "net_sales")
# which completeness flag of marts.fct_site_hourly makes an hour of each target known
COMPLETENESS = {
    "footfall": "is_traffic_complete",
    "transactions": "is_sales_complete",
    "net_sales": "is_sales_complete",
}
NOWCAST_HOURS = 4
DAY_AHEAD_HOURS = 14 * 24


@dataclass(frozen=True)
class FeatureSpec:
    """What the model sees for one (site, target hour, origin): all known at the origin."""

    target: str = "footfall"
    max_horizon_hours: int = NOWCAST_HOURS
    # same local hour k days back (masked when that hour starts at or after the origin)
    same_hour_lags_days: tuple[int, ...] = (1, 7, 14)
    # the last observed local hours before the origin (1 = the hour just before it)
    recent_hours: tuple[int, ...] = (1, 2, 3)
    # means / std of the hours before the origin, by window length in hours
    rolling_means_hours: tuple[int, ...] = (24, 168)
    rolling_std_hours: tuple[int, ...] = (168,)
    # mean of the same local hour over the last N known weeks (the baseline "mean of 4")
    same_weekhour_mean_weeks: int = 4
    # mean of the same local hour over the last N known days
    same_hour_mean_days: int = 7
    # a longer same-week-hour mean (less noise than 4 weeks; 0 = none), and the last 168
    # hours' mean over the 168 before them (the level's trend)
    long_weekhour_mean_weeks: int = 8
    week_over_week: bool = True
    # seasonally adjusted persistence: the same-week-hour values of the target hour scaled
    # by how the recent hours ran against theirs (a product trees do not build themselves)
    profile_persistence: bool = False
    calendar: tuple[str, ...] = (
        "local_hour", "day_of_week", "day_of_month", "month", "retail_week",
        "retail_period", "hours_since_open", "hours_until_close",
    )
    holidays: tuple[str, ...] = ("is_holiday", "days_to_holiday", "days_from_holiday")
    holiday_window_days: int = 30
    weather: tuple[str, ...] = ("temperature_c_last", "precipitation_mm_24h")
    events: tuple[str, ...] = ("event_count", "event_uplift")
    site: tuple[str, ...] = (
        "site_type", "region", "area_sqm", "open_hours_per_week", "site_age_days",
    )
    categorical: tuple[str, ...] = ("site_type", "region")
    # learn y / level with the level features divided by the same level (the mean of the
    # 168 hours before the origin): one scale-free model fits a small and a large store
    normalize_by_level: bool = True
    level_feature: str = "mean_168h"

    def _long_terms(self) -> list[str]:
        names = []
        if self.long_weekhour_mean_weeks:
            names.append(f"mean_last_{self.long_weekhour_mean_weeks}_weekhours_long")
        if self.week_over_week:
            names.append("week_over_week")
        if self.profile_persistence:
            names += ["scaled_last_weekhour", "scaled_mean_weekhours", "recent_vs_profile"]
        return names

    def history_weeks(self) -> int:
        """How many weeks back the longest feature reads."""
        return max(self.same_weekhour_mean_weeks, self.long_weekhour_mean_weeks, 2)

    def lookback_days(self) -> int:
        """Days of history before an origin that every feature but `last_observed` of a
        site silent for longer reads: the same-week-hour means start at most one week
        before the origin, whatever the horizon, then reach back history_weeks; a week
        more for the 14-day lag, the 336-hour trend and slack."""
        return 7 * (self.history_weeks() + 2)

    def level_features(self) -> list[str]:
        """The features in the target's units, divided by the level when normalising."""
        names = [f"lag_{d}d" for d in self.same_hour_lags_days]
        names += ["last_same_hour", "last_same_weekhour",
                  f"mean_last_{self.same_weekhour_mean_weeks}_weekhours",
                  f"mean_last_{self.same_hour_mean_days}_same_hours"]
        names += [f"prev_{h}h" for h in self.recent_hours] + ["last_observed"]
        names += [f"mean_{w}h" for w in self.rolling_means_hours]
        names += [f"std_{w}h" for w in self.rolling_std_hours]
        if self.long_weekhour_mean_weeks:
            names.append(f"mean_last_{self.long_weekhour_mean_weeks}_weekhours_long")
        if self.profile_persistence:
            names += ["scaled_last_weekhour", "scaled_mean_weekhours"]
        return [n for n in names if n != self.level_feature]

    def feature_names(self) -> list[str]:
        names = ["horizon_hours"]
        names += [f"lag_{d}d" for d in self.same_hour_lags_days]
        names += ["last_same_hour", "last_same_weekhour",
                  f"mean_last_{self.same_weekhour_mean_weeks}_weekhours",
                  f"mean_last_{self.same_hour_mean_days}_same_hours"]
        names += [f"prev_{h}h" for h in self.recent_hours]
        names += ["last_observed", "hours_since_observed", "recent_vs_last_week"]
        names += [f"mean_{w}h" for w in self.rolling_means_hours]
        names += [f"std_{w}h" for w in self.rolling_std_hours]
        names += self._long_terms()
        names += list(self.calendar) + list(self.holidays) + list(self.weather)
        names += list(self.events) + list(self.site)
        return names

    def as_dict(self) -> dict:
        return asdict(self)


def default_params(num_threads: int = 1, seed: int = 13) -> dict:
    """Seeded LightGBM parameters (lightgbm.readthedocs.io Parameters): quiet, deterministic."""
    return {
        "objective": "regression",
        "learning_rate": 0.05,
        "num_leaves": 63,
        "min_data_in_leaf": 40,
        "feature_fraction": 0.9,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "num_boost_round": 300,
        "seed": seed,
        "deterministic": True,
        "force_row_wise": True,
        "verbosity": -1,
        "num_threads": num_threads,
    }


@dataclass(frozen=True)
class TrainConfig:
    """How training rows are drawn: origins before the cutoff, at most max_rows, seeded."""

    history_days: int = 120  # days of history before the cutoff the model trains on
    origin_every_hours: int = 1  # candidate origins (every open hour for the nowcast)
    max_rows: int = 400_000
    seed: int = 13
    quantiles: tuple[float, float] = (0.1, 0.9)
    # weight each row of the point model by its level: with y / level learned, the loss
    # then sums errors in the target's units, as WAPE does (the quantile models stay unweighted)
    weight_by_level: bool = False
    params: dict = field(default_factory=default_params)

    def as_dict(self) -> dict:
        return asdict(self)


def model_version(spec: FeatureSpec, config: TrainConfig, data_start: datetime | None,
                  data_end: datetime | None, n_rows: int) -> str:
    """12 hex digits of sha256 over the data window, the feature spec and the parameters.

    num_threads is left out: it changes speed, not the model (LightGBM is run with
    deterministic=True).
    """
    params = {k: v for k, v in config.params.items() if k != "num_threads"}
    payload = {
        "data_start": data_start.isoformat() if data_start else None,
        "data_end": data_end.isoformat() if data_end else None,
        "rows": n_rows,
        "spec": spec.as_dict(),
        "config": {**config.as_dict(), "params": params},
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:12]
