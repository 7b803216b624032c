"""People counts for one store-day, vectorised over the day's intervals.

Expected entries = the store's base day x weekday/season/holiday/event factors x an
hour-of-day curve for its type x the rain effect, inside opening hours only. Counts are
Poisson around a gamma-jittered expectation; exits follow entries after a dwell time and
everyone is out by closing; staff arriving before opening and leaving after closing are the
only counts outside the opening hours. Passers-by are several times the footfall, spread
over the mall's hours (mall stores) or the whole day with commuting peaks (street stores).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.demo.calendar import DayContext, DayGrid
from ingestion.demo.chain import Store
from ingestion.demo.weather import HourlyWeather

# Relative traffic by local hour 0..23.
ENTRANCE_CURVE = {
    # malls fill up in the afternoon and stay busy into the evening
    "mall": (0, 0, 0, 0, 0, 0, 0, 0, 0.05, 0.2, 0.45, 0.7, 0.95, 1.0, 1.05, 1.2, 1.35, 1.4,
             1.3, 1.1, 0.85, 0.55, 0.3, 0),
    # streets live off the lunch break and the way home from work
    "street": (0, 0, 0, 0, 0, 0, 0, 0.2, 0.5, 0.7, 0.75, 0.95, 1.5, 1.55, 1.0, 0.85, 0.95,
               1.25, 1.1, 0.5, 0.3, 0.15, 0.05, 0),
}
STREET_PASSERBY_CURVE = (0.05, 0.03, 0.02, 0.02, 0.03, 0.08, 0.2, 0.7, 1.4, 1.0, 0.8, 0.9,
                         1.3, 1.3, 0.9, 0.9, 1.1, 1.5, 1.3, 0.9, 0.7, 0.5, 0.35, 0.2)
# Rain effect per unit of rain intensity: streets empty, malls fill.
RAIN_EFFECT = {"mall": (0.12, 0.15), "street": (-0.30, -0.35)}  # (entrance, passer-by)
STAFF_WINDOW_MINUTES = 30
MEAN_DWELL_MINUTES = 18.0


def curve_at(curve: tuple[float, ...], local_minute: np.ndarray, interval: int) -> np.ndarray:
    """The hourly curve at each interval's midpoint, linearly interpolated between hours."""
    hours = np.arange(24) + 0.5
    mid = (local_minute + interval / 2.0) / 60.0
    return np.interp(mid, hours, np.asarray(curve, dtype=float), period=24)


def per_interval_share(curve: tuple[float, ...], grid: DayGrid) -> np.ndarray:
    """Share of a full day's traffic falling in each interval (sums to ~1 over 24 hours)."""
    return curve_at(curve, grid.local_minute, grid.interval_minutes) * (
        grid.interval_minutes / 60.0
    ) / float(sum(curve))


def open_mask(grid: DayGrid, hours: tuple[int, int] | None, before: int = 0,
              after: int = 0) -> np.ndarray:
    if hours is None:
        return np.zeros(grid.n, dtype=bool)
    return (grid.local_minute >= hours[0] - before) & (grid.local_minute < hours[1] + after)


@dataclass(frozen=True)
class Expectation:
    """The expected entries per interval, before sampling (used to plan staff too)."""

    entrance: np.ndarray
    passerby: np.ndarray


def expected_traffic(store: Store, ctx: DayContext, grid: DayGrid, weather: HourlyWeather,
                     rng: np.random.Generator) -> Expectation:
    day_noise = float(rng.lognormal(0.0, 0.07))
    rain = weather.rain_at(grid.start_utc)
    rain_in, rain_pass = RAIN_EFFECT[store.site_type]
    entrance = (
        store.base_footfall * ctx.traffic * day_noise
        * per_interval_share(ENTRANCE_CURVE[store.site_type], grid)
        * (1.0 + rain_in * rain) * open_mask(grid, ctx.hours)
    )
    daily_passersby = store.base_footfall * store.passerby_ratio * ctx.passerby * day_noise
    if store.site_type == "mall":
        # the mall opens an hour before its shops and closes half an hour after them
        mask = open_mask(grid, ctx.hours, before=60, after=30)
        shape = per_interval_share(ENTRANCE_CURVE["mall"], grid)
    else:
        mask = np.ones(grid.n, dtype=bool)
        shape = per_interval_share(STREET_PASSERBY_CURVE, grid)
    passerby = daily_passersby * shape * (1.0 + rain_pass * rain) * mask
    return Expectation(entrance, passerby)


@dataclass(frozen=True)
class StoreDayCounts:
    """True counts per interval in the site's orientation (in = into the store)."""

    customers_in: np.ndarray  # entries without staff: what sales follow
    entrance_in: np.ndarray
    entrance_out: np.ndarray
    passerby_in: np.ndarray
    passerby_out: np.ndarray
    ignore_in: np.ndarray
    ignore_out: np.ndarray

    def line(self, role: str) -> tuple[np.ndarray, np.ndarray]:
        return {
            "entrance": (self.entrance_in, self.entrance_out),
            "passerby": (self.passerby_in, self.passerby_out),
            "ignore": (self.ignore_in, self.ignore_out),
        }[role]


def _jitter(expected: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    return rng.poisson(expected * rng.gamma(30.0, 1.0 / 30.0, len(expected))).astype(np.int64)


def _dwell_kernel(interval: int) -> np.ndarray:
    steps = max(2, int(np.ceil(90 / interval)))
    edges = np.exp(-np.arange(steps + 1) * interval / MEAN_DWELL_MINUTES)
    kernel = edges[:-1] - edges[1:]
    kernel[-1] += edges[-1]
    return kernel / kernel.sum()


def _exits(entries: np.ndarray, grid: DayGrid, last_exit: int,
           rng: np.random.Generator) -> np.ndarray:
    """Spread each interval's entries over the next intervals; all out by `last_exit`."""
    kernel = _dwell_kernel(grid.interval_minutes)
    spread = rng.multinomial(entries, kernel)  # shape (n, len(kernel))
    exits = np.zeros(grid.n + len(kernel), dtype=np.int64)
    for k in range(len(kernel)):
        exits[k : k + grid.n] += spread[:, k]
    exits[last_exit] += exits[last_exit + 1 :].sum()
    exits[last_exit + 1 :] = 0
    return exits[: grid.n]


def _staff_counts(grid: DayGrid, hours: tuple[int, int] | None, arriving: int, leaving: int,
                  rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    staff_in = np.zeros(grid.n, dtype=np.int64)
    staff_out = np.zeros(grid.n, dtype=np.int64)
    if hours is None:
        return staff_in, staff_out
    before = np.flatnonzero((grid.local_minute >= hours[0] - STAFF_WINDOW_MINUTES)
                            & (grid.local_minute < hours[0]))
    after = np.flatnonzero((grid.local_minute >= hours[1])
                           & (grid.local_minute < hours[1] + STAFF_WINDOW_MINUTES))
    if len(before) and arriving:
        np.add.at(staff_in, rng.choice(before, arriving), 1)
    if len(after) and leaving:
        np.add.at(staff_out, rng.choice(after, leaving), 1)
    return staff_in, staff_out


def sample_counts(store: Store, ctx: DayContext, grid: DayGrid, expected: Expectation,
                  staff_arriving: int, staff_leaving: int,
                  rng: np.random.Generator) -> StoreDayCounts:
    entries = _jitter(expected.entrance, rng)
    is_open = np.flatnonzero(open_mask(grid, ctx.hours))
    last_exit = int(min(grid.n - 1, is_open[-1] + 1)) if len(is_open) else grid.n - 1
    exits = _exits(entries, grid, last_exit, rng)
    staff_in, staff_out = _staff_counts(grid, ctx.hours, staff_arriving, staff_leaving, rng)
    passing = _jitter(expected.passerby, rng)
    passing_in = rng.binomial(passing, 0.5).astype(np.int64)
    # a staff door sees deliveries and breaks: a trickle during the open hours
    trickle = rng.poisson(0.4 * open_mask(grid, ctx.hours)).astype(np.int64)
    return StoreDayCounts(
        customers_in=entries,
        entrance_in=entries + staff_in,
        entrance_out=exits + staff_out,
        passerby_in=passing_in,
        passerby_out=passing - passing_in,
        ignore_in=trickle,
        ignore_out=rng.poisson(0.4 * open_mask(grid, ctx.hours)).astype(np.int64),
    )
