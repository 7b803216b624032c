"""The design matrix: one row per (site, target hour, origin), built only from what is known
at the origin.

A `Panel` holds one site x local-hour grid per input (the target, its UTC hour, weather on a
UTC grid, opening hours, holidays, the retail calendar, events). Every observed value is
looked up together with the UTC start of its hour and used only when that hour starts before
the row's origin, so the same code serves training (many origins per cutoff), backtests and
the live forecast. Lags are taken on the local wall-clock grid, so "the same hour a day
back" is the same opening hour across a change of clocks. A missing hour is NaN in every
feature (LightGBM's missing-value branch), never a zero; a site with no history at all has
NaN lags and is forecast from its calendar and attributes by the global model.
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from models_ml.data import WEEKDAYS, Inputs, hhmm_minutes
from models_ml.spec import FeatureSpec

NEVER = np.iinfo(np.int64).max
HOLIDAY_KEY = 1_000_000  # site index * this + day number: one sorted array for all sites


_PER_HOUR = {"s": 3600, "ms": 3_600_000, "us": 3_600_000_000, "ns": 3_600_000_000_000}


def hour_numbers(stamps: np.ndarray) -> np.ndarray:
    """datetime64 -> int hours since 1970, floored, NaT as NaT's integer: what
    astype("datetime64[h]") gives, by one integer division (3x faster on 900,000 rows)."""
    if stamps.dtype.kind != "M":
        return stamps.astype("datetime64[h]").astype(np.int64)
    unit, count = np.datetime_data(stamps.dtype)
    per = _PER_HOUR.get(unit)
    if per is None or count != 1:
        return stamps.astype("datetime64[h]").astype(np.int64)
    ints = stamps.view(np.int64)
    out = ints // per
    nat = ints == np.iinfo(np.int64).min
    if nat.any():
        out[nat] = ints[nat]
    return out


def utc_hours(values) -> np.ndarray:
    """UTC timestamps (tz-aware or naive UTC) -> int hours since 1970 (floored)."""
    stamps = pd.to_datetime(pd.Series(values))
    if getattr(stamps.dt, "tz", None) is not None:
        stamps = stamps.dt.tz_convert(None)  # to UTC and naive in one step
    return hour_numbers(stamps.to_numpy())


def ceil_hours(values) -> np.ndarray:
    """An origin that is not on the hour: forecasts start at the next whole hour."""
    stamps = pd.to_datetime(pd.Series(values), utc=True).dt.tz_localize(None)
    ns = stamps.to_numpy().astype("datetime64[ns]").astype(np.int64)
    hour = 3_600_000_000_000
    return -(-ns // hour)


def hours_to_utc(hours: np.ndarray) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(np.asarray(hours, np.int64).astype("datetime64[h]")).tz_localize(UTC)


def _to_local(utc_h: np.ndarray, tz: str) -> np.ndarray:
    """UTC hour numbers -> the zone's wall-clock hour numbers (floored)."""
    local = hours_to_utc(utc_h).tz_convert(tz).tz_localize(None)
    return local.to_numpy().astype("datetime64[h]").astype(np.int64)


def _runs(values: pd.Series) -> tuple[np.ndarray, list] | None:
    """(first row of each run of equal values, its value) of an Arrow string column that
    comes in few runs (the warehouse returns rows site by site); None for any other."""
    n = len(values)
    if n < 2 or getattr(values.dtype, "storage", None) != "pyarrow":
        return None
    arr = pa.array(values)
    change = pc.not_equal(arr[1:], arr[:-1]).fill_null(True)
    starts = np.flatnonzero(np.concatenate([[True], change.to_numpy(zero_copy_only=False)]))
    if len(starts) * 8 > n:
        return None
    return starts, arr.take(pa.array(starts)).to_pylist()


def _positions(values: pd.Series, index: dict, runs: tuple | None = None) -> np.ndarray:
    """index[value] per value, -1 where unknown: one look-up per run of equal values, else
    per distinct value, since Series.map(dict) over millions of Arrow strings takes
    seconds (and hashing 900,000 of them for factorize twice as long as finding runs)."""
    runs = runs or _runs(values)
    if runs is not None:
        starts, heads = runs
        lookup = np.array([index.get(h, -1) if h is not None else -1 for h in heads],
                          dtype=np.int64)
        return np.repeat(lookup, np.diff(np.append(starts, len(values))))
    codes, uniques = pd.factorize(values)
    lookup = np.array([index.get(u, -1) for u in uniques] + [-1], dtype=np.int64)
    return lookup[codes]  # a missing value's code -1 takes the trailing -1


def _site_day_key(site, day):
    """One sortable int64 per (site index, day number), for any day since year 1."""
    return np.asarray(site, np.int64) * (1 << 32) + (np.asarray(day, np.int64) + (1 << 31))


def _minutes(values: pd.Series) -> np.ndarray:
    """hhmm_minutes of each value, parsed once per distinct value (most sites share hours)."""
    codes, uniques = pd.factorize(values)
    parsed = np.array([hhmm_minutes(u) for u in uniques] + [np.nan], dtype=float)
    return parsed[codes]  # a missing value's code -1 takes the trailing NaN


def _latest_per_slot(cells: np.ndarray, utc: np.ndarray, y: np.ndarray, n_sites: int,
                     n_slots: int) -> tuple[np.ndarray, np.ndarray]:
    """The Y and U grids from rows in any order: where two hours of a site share a local
    slot (the repeated hour when clocks go back) the later UTC hour's value is kept, as
    writing the rows sorted by UTC hour would; no sort of the frame, so the live read can
    skip its ORDER BY."""
    latest = np.full(n_sites * n_slots, np.iinfo(np.int64).min)
    np.maximum.at(latest, cells, utc)
    win = latest[cells] == utc
    Y = np.full(n_sites * n_slots, np.nan)
    Y[cells[win]] = y[win]
    U = np.where(latest == np.iinfo(np.int64).min, NEVER, latest)
    return Y.reshape(n_sites, n_slots), U.reshape(n_sites, n_slots)


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique of an int array by sort and compare (numpy 2.4's hashing np.unique takes
    25x longer on 20,000 holiday keys)."""
    values = np.sort(values)
    if len(values) < 2:
        return values
    return values[np.concatenate([[True], values[1:] != values[:-1]])]


def _cumulative(values: np.ndarray) -> np.ndarray:
    """Row-wise cumulative sums (float) with a leading column of 0, written in place."""
    out = np.zeros((values.shape[0], values.shape[1] + 1))
    np.cumsum(values, axis=1, out=out[:, 1:])
    return out


def _day_number(values) -> np.ndarray:
    return pd.to_datetime(pd.Series(values)).to_numpy().astype("datetime64[D]").astype(np.int64)


class Panel:
    """Dense per-site grids of everything the features read."""

    def __init__(self, inputs: Inputs, spec: FeatureSpec,
                 categories: dict[str, list[str]] | None = None) -> None:
        self.spec = spec
        sites = inputs.sites.copy()
        site_runs = _runs(inputs.series["site_id"])
        seen = set(site_runs[1]) if site_runs is not None else set()
        if site_runs is None or None in seen:
            seen = set(inputs.series["site_id"].unique())
        extra = sorted(seen - set(sites["site_id"]))
        if extra:
            sites = pd.concat([sites, pd.DataFrame({"site_id": extra, "timezone": "UTC"})],
                              ignore_index=True)
        sites = sites.sort_values("site_id").reset_index(drop=True)
        self.sites = sites
        self.site_ids = sites["site_id"].tolist()
        self.index = {s: i for i, s in enumerate(self.site_ids)}
        self.timezones = sites["timezone"].fillna("UTC").to_numpy()
        codes, names = pd.factorize(self.timezones)
        self.tz_codes = codes.astype(np.int64)  # per site, into tz_names
        self.tz_names = [str(n) for n in names]
        n_sites = len(sites)

        series = inputs.series
        rows = _positions(series["site_id"], self.index, site_runs)
        slots = hour_numbers(series["local_start_at"].to_numpy())
        utc = utc_hours(series["hour_start_at"])
        y = series["y"].to_numpy(float)
        # the grid starts at the first loaded hour: every look-up before it is bounds-checked
        # (NaN, or a 0 of the cumulative grids), as an empty margin would give
        if len(slots):
            self.base = int(slots.min())
            last = int(slots.max())
        else:
            self.base = int(datetime.now(UTC).timestamp() // 3600)
            last = self.base
        self.n_slots = last - self.base + 1
        self.Y, self.U = _latest_per_slot(rows * self.n_slots + (slots - self.base), utc, y,
                                          n_sites, self.n_slots)
        finite = np.isfinite(self.Y)
        self.C = _cumulative(np.where(finite, self.Y, 0.0))
        self.C2 = _cumulative(np.where(finite, self.Y ** 2, 0.0))
        self.N = _cumulative(finite)
        positions = np.where(finite, np.arange(self.n_slots)[None, :], -1)
        self.last_idx = np.maximum.accumulate(positions, axis=1)

        self._weather(inputs)
        self._opening(inputs)
        self._days(inputs)
        self._static(categories)

    # -- grids ---------------------------------------------------------------------------
    def _weather(self, inputs: Inputs) -> None:
        weather = inputs.weather
        n_sites = len(self.site_ids)
        rows = _positions(weather["site_id"], self.index) if len(weather) else None
        known = rows >= 0 if rows is not None else None
        if rows is not None and not known.all():
            rows = rows[known]
        if rows is None or not len(rows):
            self.w_base, self.w_n = 0, 1
            self.T = np.full((n_sites, 1), np.nan)
            self.T_last = np.full((n_sites, 1), -1)
            self.P = np.zeros((n_sites, 2))
            self.has_weather = self._weather_sites(inputs, np.zeros(n_sites, bool))
            return

        def known_only(values: np.ndarray) -> np.ndarray:
            return values if known.all() else values[known]

        hours = known_only(utc_hours(weather["ts"]))
        self.w_base = int(hours.min())
        self.w_n = int(hours.max()) - self.w_base + 1
        self.T = np.full((n_sites, self.w_n), np.nan)
        precip = np.full((n_sites, self.w_n), np.nan)
        self.T[rows, hours - self.w_base] = known_only(weather["temperature_c"].to_numpy(float))
        precip[rows, hours - self.w_base] = known_only(
            weather["precipitation_mm"].to_numpy(float))
        positions = np.where(np.isfinite(self.T), np.arange(self.w_n)[None, :], -1)
        self.T_last = np.maximum.accumulate(positions, axis=1)
        self.P = _cumulative(np.nan_to_num(precip))
        self.has_weather = self._weather_sites(inputs, np.bincount(rows, minlength=n_sites) > 0)

    def _weather_sites(self, inputs: Inputs, from_rows: np.ndarray) -> np.ndarray:
        """Which sites have weather at all: inputs.weather_sites where the read gave only
        the last days of weather (read_recent), else the sites of the weather rows."""
        listed = getattr(inputs, "weather_sites", None)
        if listed is None:
            return from_rows
        out = np.zeros(len(self.site_ids), bool)
        out[[self.index[s] for s in listed if s in self.index]] = True
        return out

    def _opening(self, inputs: Inputs) -> None:
        sites = self.sites
        self.open_min = np.full((len(sites), 7), np.nan)
        self.close_min = np.full((len(sites), 7), np.nan)
        for d, day in enumerate(WEEKDAYS):
            if f"{day}_open" in sites:
                self.open_min[:, d] = _minutes(sites[f"{day}_open"])
                self.close_min[:, d] = _minutes(sites[f"{day}_close"])
        self.closures: dict[tuple[int, int], tuple[float, float]] = {}
        closures = inputs.closures
        if len(closures):
            closures = closures[closures["site_id"].isin(self.index)]
            days = _day_number(closures["local_date"])
            for row, day in zip(closures.itertuples(), days, strict=True):
                if bool(row.is_closed):
                    hours = (np.nan, np.nan)
                else:
                    hours = (hhmm_minutes(row.open_time), hhmm_minutes(row.close_time))
                self.closures[(self.index[row.site_id], int(day))] = hours
        # the same closures as sorted keys, so a row's day is looked up without a Python loop
        keys = sorted(self.closures)
        self.closure_keys = np.array([_site_day_key(s, d) for s, d in keys], dtype=np.int64)
        self.closure_open = np.array([self.closures[k][0] for k in keys], dtype=float)
        self.closure_close = np.array([self.closures[k][1] for k in keys], dtype=float)

        def day_or_none(values):
            out = np.full(len(sites), np.nan)
            if values is None:
                return out
            parsed = pd.to_datetime(pd.Series(values), errors="coerce")
            ok = parsed.notna().to_numpy()
            out[ok] = parsed[ok].to_numpy().astype("datetime64[D]").astype(np.int64)
            return out

        self.open_day = day_or_none(sites.get("open_date"))
        self.close_day = day_or_none(sites.get("close_date"))

    def _days(self, inputs: Inputs) -> None:
        calendar = inputs.calendar
        days = _day_number(calendar["date_day"])
        self.cal_base = int(days.min()) if len(days) else 0
        n_days = (int(days.max()) - self.cal_base + 1) if len(days) else 1
        self.cal_n = n_days
        self.retail_week = np.full(n_days, np.nan)
        self.retail_period = np.full(n_days, np.nan)
        if len(days):
            self.retail_week[days - self.cal_base] = calendar["retail_week"].to_numpy(float)
            self.retail_period[days - self.cal_base] = calendar["retail_period"].to_numpy(float)
        holidays = inputs.holidays
        rows = _positions(holidays["site_id"], self.index)
        known = rows >= 0  # a holiday of a site the panel does not have is left out
        keys = rows[known] * HOLIDAY_KEY + _day_number(holidays["holiday_date"])[known]
        self.holiday_keys = _sorted_unique(keys)
        self.has_country = np.array(
            [isinstance(c, str) and bool(c) for c in self.sites.get(
                "country", pd.Series([None] * len(self.sites)))])
        # events: per site and day, how many are on and their expected uplift
        self.event_count = np.zeros((len(self.site_ids), n_days))
        self.event_uplift = np.zeros((len(self.site_ids), n_days))
        for event in inputs.events.itertuples():
            start, end = _day_number([event.start_date, event.end_date])
            lo, hi = max(start - self.cal_base, 0), min(end - self.cal_base, n_days - 1)
            if hi < lo:
                continue
            scope = np.ones(len(self.site_ids), bool)
            if isinstance(event.site_id, str) and event.site_id:
                scope = (self.sites["site_id"] == event.site_id).to_numpy()
            elif isinstance(event.region_id, str) and event.region_id:
                scope = (self.sites["region_id"] == event.region_id).to_numpy()
            elif isinstance(event.organization_id, str) and event.organization_id:
                scope = (self.sites["organization_id"] == event.organization_id).to_numpy()
            uplift = float(event.expected_uplift) if pd.notna(event.expected_uplift) else 0.0
            self.event_count[scope, lo:hi + 1] += 1
            self.event_uplift[scope, lo:hi + 1] += uplift

    def _static(self, categories: dict[str, list[str]] | None) -> None:
        sites = self.sites
        source = {"site_type": "site_type", "region": "region_id"}
        self.categories = categories or {
            name: sorted({str(v) for v in sites.get(col, pd.Series(dtype=str)).dropna()})
            for name, col in source.items()}
        self.static: dict[str, np.ndarray] = {}
        for name, col in source.items():
            lookup = {v: i for i, v in enumerate(self.categories.get(name, []))}
            values = sites.get(col, pd.Series([None] * len(sites)))
            self.static[name] = np.array([lookup.get(str(v), np.nan) if pd.notna(v) else np.nan
                                          for v in values], dtype=float)
        self.static["area_sqm"] = pd.to_numeric(
            sites.get("area_sqm", pd.Series([np.nan] * len(sites))), errors="coerce"
        ).to_numpy(float)
        with np.errstate(invalid="ignore"):
            spans = np.clip(self.close_min - self.open_min, 0, None)
        self.static["open_hours_per_week"] = np.nansum(spans, axis=1) / 60.0

    # -- time ----------------------------------------------------------------------------
    def local_slots(self, site_idx: np.ndarray, utc_h: np.ndarray) -> np.ndarray:
        """Local wall-clock hour numbers (hours since 1970 in the site's zone).

        Each zone converts each distinct hour of the span once (a table looked up per row)
        where the span is no longer than the rows: the nowcast asks 500 sites x 336 hours,
        168,000 rows over 336 distinct hours. The result is the element-wise conversion."""
        utc_h = np.asarray(utc_h, np.int64)
        out = np.empty(len(utc_h), np.int64)
        if not len(utc_h):
            return out
        codes = self.tz_codes[np.asarray(site_idx, np.int64)]
        for code in np.flatnonzero(np.bincount(codes, minlength=len(self.tz_names))):
            m = codes == code
            hours = utc_h[m]
            tz = self.tz_names[code]
            if tz == "UTC":
                out[m] = hours
                continue
            lo, hi = int(hours.min()), int(hours.max())
            if hi - lo + 1 <= len(hours):
                out[m] = _to_local(np.arange(lo, hi + 1), tz)[hours - lo]
            else:
                out[m] = _to_local(hours, tz)
        return out

    def day_hours(self, site: np.ndarray, day: np.ndarray, weekday: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Opening and closing minute of each row's local day: the weekly hours, or that
        day's closure (NaN, NaN when closed all day) where raw.site_closures has one."""
        open_m = self.open_min[site, weekday]
        close_m = self.close_min[site, weekday]
        if len(self.closure_keys) and len(site):
            key = _site_day_key(site, day)
            at = np.clip(np.searchsorted(self.closure_keys, key), 0,
                         len(self.closure_keys) - 1)
            hit = self.closure_keys[at] == key
            open_m[hit] = self.closure_open[at[hit]]
            close_m[hit] = self.closure_close[at[hit]]
        return open_m, close_m

    def open_hours(self, site_idx: np.ndarray, origin_h: np.ndarray, horizon: int
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The open hours in [origin, origin + horizon) per (site, origin) pair: closed hours
        are not forecast. Returns (row of the pair, target UTC hour, target local slot)."""
        pair = np.repeat(np.arange(len(site_idx)), horizon)
        site = np.repeat(site_idx, horizon)
        target = np.repeat(origin_h, horizon) + np.tile(np.arange(horizon), len(site_idx))
        slot = self.local_slots(site, target)
        day = slot // 24
        weekday = (day + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0
        open_m, close_m = self.day_hours(site, day, weekday)
        minute = (slot % 24) * 60
        with np.errstate(invalid="ignore"):
            is_open = (minute < close_m) & (minute + 60 > open_m)
            is_open &= ~(day < self.open_day[site]) & ~(day > self.close_day[site])
        return pair[is_open], target[is_open], slot[is_open]

    # -- features ------------------------------------------------------------------------
    def _take(self, grid: np.ndarray, site: np.ndarray, idx: np.ndarray) -> np.ndarray:
        ok = (idx >= 0) & (idx < grid.shape[1])
        out = np.full(len(idx), np.nan)
        out[ok] = grid[site[ok], idx[ok]]
        return out

    def _known(self, site: np.ndarray, idx: np.ndarray, origin: np.ndarray) -> np.ndarray:
        """Y at idx where that hour started before the origin, else NaN."""
        ok = (idx >= 0) & (idx < self.n_slots)
        out = np.full(len(idx), np.nan)
        s, i = site[ok], idx[ok]
        values = self.Y[s, i]
        values[self.U[s, i] >= origin[ok]] = np.nan
        out[ok] = values
        return out

    def _first_known(self, site, t, origin, period: int, start: np.ndarray, tries: int = 2):
        out = np.full(len(t), np.nan)
        for extra in range(tries):
            value = self._known(site, t - period * (start + extra), origin)
            fill = np.isnan(out)
            out[fill] = value[fill]
        return out

    def _mean_known(self, site, t, origin, period: int, start: np.ndarray, count: int):
        total = np.zeros(len(t))
        n = np.zeros(len(t))
        for k in range(count):
            value = self._known(site, t - period * (start + k), origin)
            ok = np.isfinite(value)
            total[ok] += value[ok]
            n[ok] += 1
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, total / n, np.nan)

    def _window(self, cum: np.ndarray, site, end, width):
        """Sum over slots [end - width, end) from a cumulative grid with a leading 0."""
        hi = np.clip(end, 0, cum.shape[1] - 1)
        lo = np.clip(end - width, 0, cum.shape[1] - 1)
        return cum[site, hi] - cum[site, lo]

    def design(self, site: np.ndarray, origin_h: np.ndarray, target_h: np.ndarray,
               target_slot: np.ndarray | None = None) -> np.ndarray:
        """Feature matrix (float32, columns = spec.feature_names()) for the given rows."""
        spec = self.spec
        site = np.asarray(site, np.int64)
        origin_h = np.asarray(origin_h, np.int64)
        target_h = np.asarray(target_h, np.int64)
        if target_slot is None:
            target_slot = self.local_slots(site, target_h)
        origin_slot = self.local_slots(site, origin_h)
        t = np.asarray(target_slot, np.int64) - self.base
        so = origin_slot - self.base
        ahead = np.maximum(t - so, 0)
        cols: dict[str, np.ndarray] = {"horizon_hours": (target_h - origin_h + 1).astype(float)}
        for d in spec.same_hour_lags_days:
            cols[f"lag_{d}d"] = self._known(site, t - 24 * d, origin_h)
        day_start = ahead // 24 + 1
        week_start = ahead // 168 + 1
        cols["last_same_hour"] = self._first_known(site, t, origin_h, 24, day_start)
        cols["last_same_weekhour"] = self._first_known(site, t, origin_h, 168, week_start)
        cols[f"mean_last_{spec.same_weekhour_mean_weeks}_weekhours"] = self._mean_known(
            site, t, origin_h, 168, week_start, spec.same_weekhour_mean_weeks)
        cols[f"mean_last_{spec.same_hour_mean_days}_same_hours"] = self._mean_known(
            site, t, origin_h, 24, day_start, spec.same_hour_mean_days)
        recent = []
        for h in spec.recent_hours:
            cols[f"prev_{h}h"] = self._known(site, so - h, origin_h)
            recent.append((cols[f"prev_{h}h"], self._known(site, so - h - 168, origin_h)))
        last = self._take(self.last_idx, site, np.clip(so - 1, -1, None))
        last[~np.isfinite(last)] = -1
        last = last.astype(np.int64)
        has_last = last >= 0
        cols["last_observed"] = np.where(has_last, self._take(self.Y, site, last), np.nan)
        cols["hours_since_observed"] = np.where(has_last, so - last, np.nan).astype(float)
        now = sum(r[0] for r in recent)
        before = sum(r[1] for r in recent)
        with np.errstate(invalid="ignore", divide="ignore"):
            cols["recent_vs_last_week"] = np.where(before > 0, now / before, np.nan)
        for w in spec.rolling_means_hours:
            s = self._window(self.C, site, so, w)
            n = self._window(self.N, site, so, w)
            with np.errstate(invalid="ignore", divide="ignore"):
                cols[f"mean_{w}h"] = np.where(n > 0, s / n, np.nan)
        for w in spec.rolling_std_hours:
            s = self._window(self.C, site, so, w)
            s2 = self._window(self.C2, site, so, w)
            n = self._window(self.N, site, so, w)
            with np.errstate(invalid="ignore", divide="ignore"):
                var = np.where(n > 1, (s2 - s * s / np.maximum(n, 1)) / np.maximum(n - 1, 1),
                               np.nan)
            cols[f"std_{w}h"] = np.sqrt(np.clip(var, 0, None))
        if spec.long_weekhour_mean_weeks:
            cols[f"mean_last_{spec.long_weekhour_mean_weeks}_weekhours_long"] = \
                self._mean_known(site, t, origin_h, 168, week_start,
                                 spec.long_weekhour_mean_weeks)
        if spec.week_over_week:
            this = self._window(self.C, site, so, 168)
            n_this = self._window(self.N, site, so, 168)
            prior = self._window(self.C, site, so - 168, 168)
            n_prior = self._window(self.N, site, so - 168, 168)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = (this / n_this) / (prior / n_prior)
            cols["week_over_week"] = np.where((n_this > 0) & (n_prior > 0) & (prior > 0),
                                              ratio, np.nan)
        if spec.profile_persistence:
            weeks = spec.same_weekhour_mean_weeks
            profile = sum(self._mean_known(site, so - h, origin_h, 168, np.ones_like(so), weeks)
                          for h in spec.recent_hours)
            with np.errstate(invalid="ignore", divide="ignore"):
                ratio = np.where(profile > 0, now / profile, np.nan)
            cols["recent_vs_profile"] = ratio
            cols["scaled_last_weekhour"] = cols["last_same_weekhour"] * \
                cols["recent_vs_last_week"]
            cols["scaled_mean_weekhours"] = cols[f"mean_last_{weeks}_weekhours"] * ratio
        # calendar of the target hour, in the site's zone
        local = np.asarray(target_slot, np.int64)
        day = local // 24
        weekday = (day + 3) % 7
        dates = day.astype("datetime64[D]")
        months = dates.astype("datetime64[M]")
        cols["local_hour"] = (local % 24).astype(float)
        cols["day_of_week"] = weekday.astype(float)
        cols["day_of_month"] = ((dates - months).astype(np.int64) + 1).astype(float)
        cols["month"] = (months.astype(np.int64) % 12 + 1).astype(float)
        cal = day - self.cal_base
        cal_ok = (cal >= 0) & (cal < self.cal_n)
        calc = np.clip(cal, 0, self.cal_n - 1)
        cols["retail_week"] = np.where(cal_ok, self.retail_week[calc], np.nan)
        cols["retail_period"] = np.where(cal_ok, self.retail_period[calc], np.nan)
        open_m, close_m = self.day_hours(site, day, weekday)
        cols["hours_since_open"] = (local % 24) - open_m / 60.0
        cols["hours_until_close"] = close_m / 60.0 - (local % 24)
        # public holidays of the site's own country
        window = spec.holiday_window_days
        key = site * HOLIDAY_KEY + day
        keys = self.holiday_keys
        nxt = np.searchsorted(keys, key, side="left")
        prv = np.searchsorted(keys, key, side="right") - 1
        big = np.full(len(key), float(window))
        to = big.copy()
        frm = big.copy()
        if len(keys):
            ok = nxt < len(keys)
            same = ok & (keys[np.clip(nxt, 0, len(keys) - 1)] // HOLIDAY_KEY == site)
            to[same] = np.minimum(keys[nxt[same]] - key[same], window)
            ok = prv >= 0
            same = ok & (keys[np.clip(prv, 0, len(keys) - 1)] // HOLIDAY_KEY == site)
            frm[same] = np.minimum(key[same] - keys[prv[same]], window)
        unknown = ~self.has_country[site]
        to[unknown] = np.nan
        frm[unknown] = np.nan
        cols["is_holiday"] = np.where(unknown, np.nan, (to == 0).astype(float))
        cols["days_to_holiday"] = to
        cols["days_from_holiday"] = frm
        # weather observed before the origin (a weather forecast feed would go here)
        wo = origin_h - self.w_base
        last_t = self._take(self.T_last, site, np.clip(wo - 1, -1, None))
        last_t = np.where(np.isfinite(last_t), last_t, -1).astype(np.int64)
        temp = np.where(last_t >= 0, self._take(self.T, site, last_t), np.nan)
        stale = (wo - last_t) > 48
        temp[stale] = np.nan
        cols["temperature_c_last"] = temp
        rain = self._window(self.P, site, np.clip(wo, 0, None), 24)
        rain[~self.has_weather[site] | (wo <= 0)] = np.nan
        cols["precipitation_mm_24h"] = rain
        cols["event_count"] = np.where(cal_ok, self.event_count[site, calc], 0.0)
        cols["event_uplift"] = np.where(cal_ok, self.event_uplift[site, calc], 0.0)
        for name in ("site_type", "region", "area_sqm", "open_hours_per_week"):
            cols[name] = self.static[name][site]
        cols["site_age_days"] = day - self.open_day[site]
        names = spec.feature_names()
        return np.column_stack([cols[n] for n in names]).astype(np.float32)

    # -- rows ----------------------------------------------------------------------------
    def observed_rows(self, since_h: int, until_h: int):
        """(site, utc hour, local slot, y) of every observed hour in [since, until)."""
        site, idx = np.nonzero(np.isfinite(self.Y))
        utc = self.U[site, idx]
        keep = (utc >= since_h) & (utc < until_h)
        return site[keep], utc[keep], idx[keep] + self.base, self.Y[site[keep], idx[keep]]

    def actual(self, site: np.ndarray, target_slot: np.ndarray, target_h: np.ndarray):
        """The observed value of each target hour (NaN where missing or not loaded)."""
        idx = np.asarray(target_slot, np.int64) - self.base
        ok = (idx >= 0) & (idx < self.n_slots)
        out = np.full(len(idx), np.nan)
        s, i = site[ok], idx[ok]
        values = self.Y[s, i].copy()
        values[self.U[s, i] != target_h[ok]] = np.nan
        out[ok] = values
        return out
