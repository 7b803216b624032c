"""Time for the demo chain: day grids across DST, opening hours, holidays and events.

A store-day is the local calendar day, so its grid has 92, 96 or 100 quarter-hours on DST
days. Holiday rules (documented in docs/demo-chain.md): Christmas Day and Easter Sunday
close every store; German stores also close on every German public holiday and on Sundays;
other British bank holidays open with Sunday hours, lifting mall traffic and dropping
street traffic (no commuters or office lunch crowd); the pre-Christmas weeks, Black Friday
and the January sales lift traffic everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from ingestion.demo.chain import REGIONS, Store

# Weekday (Mon=0) traffic factors by store type: malls peak on Saturday, streets are
# carried by weekday commuters and office workers and fall away on Sunday.
WEEKDAY_FACTOR = {
    "mall": (0.85, 0.80, 0.85, 0.95, 1.10, 1.55, 1.10),
    "street": (1.00, 1.00, 1.05, 1.05, 1.10, 1.00, 0.60),
}


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def weekly_hours(store: Store) -> tuple[tuple[str, str] | None, ...]:
    """Opening hours Mon..Sun as local HH:MM pairs (None = closed)."""
    if store.region.country == "DE":
        week = ("10:00", "20:00") if store.site_type == "mall" else ("09:00", "19:00")
        return (week,) * 6 + (None,)
    if store.site_type == "mall":
        return (("10:00", "22:00"),) * 7
    return (("09:00", "19:00"),) * 6 + (("11:00", "17:00"),)


@lru_cache(maxsize=64)
def _holidays(country: str, subdivision: str, year: int) -> dict[date, str]:
    return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))


def public_holiday(country: str, subdivision: str, day: date) -> str | None:
    return _holidays(country, subdivision, day.year).get(day)


def black_friday(year: int) -> date:
    """The Friday after the fourth Thursday of November."""
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


@dataclass(frozen=True)
class Event:
    """A promotion, mall event or holiday, with the lifts the traffic model applies."""

    event_id: str
    event_type: str
    name: str
    start_date: date
    end_date: date
    region_id: str | None = None
    site_id: str | None = None
    traffic_uplift: float = 0.0
    conversion_uplift: float = 0.0
    passerby_uplift: float = 0.0

    def applies(self, store: Store, day: date) -> bool:
        if not self.start_date <= day <= self.end_date:
            return False
        if self.site_id is not None:
            return self.site_id == store.site_id
        return self.region_id is None or self.region_id == store.region.region_id


def plan_events(chain: tuple[Store, ...], first: date, last: date) -> tuple[Event, ...]:
    """Promotions and a mall event placed at fixed fractions of the window, plus holidays."""
    days = (last - first).days + 1

    def at(fraction: float) -> date:
        return first + timedelta(days=int(days * fraction))

    events = []
    sale = at(0.25)
    events.append(Event(f"promo_{sale:%Y%m%d}_org", "promotion", f"{sale:%B} Sale", sale,
                        min(last, sale + timedelta(days=2)), traffic_uplift=0.15,
                        conversion_uplift=0.20))
    loyalty = at(0.70)
    events.append(Event(f"promo_{loyalty:%Y%m%d}_north", "promotion", "Double Points Weekend",
                        loyalty, min(last, loyalty + timedelta(days=1)),
                        region_id=REGIONS[1].region_id, traffic_uplift=0.10,
                        conversion_uplift=0.25))
    malls = [store for store in chain if store.site_type == "mall"]
    if malls:
        night = at(0.50)
        events.append(Event(f"mall_{night:%Y%m%d}_{malls[0].site_id}", "mall_event",
                            "Late-night Fashion Event", night,
                            min(last, night + timedelta(days=1)), site_id=malls[0].site_id,
                            traffic_uplift=0.30, passerby_uplift=0.40))
    for year in range(first.year, last.year + 1):
        friday = black_friday(year)
        if first <= friday <= last:
            events.append(Event(f"shop_{friday:%Y%m%d}_black_friday", "shopping_day",
                                "Black Friday", friday, min(last, friday + timedelta(days=3)),
                                traffic_uplift=0.40, conversion_uplift=0.15))
    seen = {store.region.region_id for store in chain}
    for region in REGIONS:
        if region.region_id not in seen:
            continue
        for year in range(first.year, last.year + 1):
            for day, name in sorted(_holidays(region.country, region.subdivision, year).items()):
                if first <= day <= last:
                    events.append(Event(f"hol_{region.region_id}_{day:%Y%m%d}", "holiday", name,
                                        day, day, region_id=region.region_id))
    return tuple(sorted(events, key=lambda e: (e.start_date, e.event_id)))


@dataclass(frozen=True)
class DayContext:
    """What shapes one store-day: its hours and the multipliers on traffic and sales."""

    hours: tuple[int, int] | None  # local minutes since midnight [open, close)
    traffic: float
    passerby: float
    conversion: float
    holiday: str | None = None
    events: tuple[str, ...] = field(default=())


def _seasonal(store: Store, day: date) -> float:
    mall = store.site_type == "mall"
    if day.month == 12 and day.day <= 24:
        ramp = (day.day - 1) / 23
        return 1.0 + ramp * (0.6 if mall else 0.3)
    if day.month == 1 and 2 <= day.day <= 10:
        return 1.15
    return 1.0


def day_context(store: Store, day: date, events: tuple[Event, ...]) -> DayContext:
    region = store.region
    weekday = day.weekday()
    spec = weekly_hours(store)[weekday]
    hours = None if spec is None else (_minutes(spec[0]), _minutes(spec[1]))
    traffic = WEEKDAY_FACTOR[store.site_type][weekday] * _seasonal(store, day)
    passerby = traffic
    holiday = public_holiday(region.country, region.subdivision, day)
    if holiday is not None:
        closing_day = (day.month, day.day) == (12, 25) or "Easter Sunday" in holiday
        if region.country == "DE" or closing_day:
            hours = None
        else:
            sunday = weekly_hours(store)[6] or ("11:00", "17:00")
            hours = (_minutes(sunday[0]), _minutes(sunday[1]))
            boxing = (day.month, day.day) in ((12, 26), (12, 28))
            if store.site_type == "mall":
                traffic = WEEKDAY_FACTOR["mall"][6] * (1.6 if boxing else 1.25)
            else:
                traffic = WEEKDAY_FACTOR["street"][0] * 0.7
            passerby = traffic
    if (day.month, day.day) == (12, 24) and hours is not None:
        hours = (hours[0], min(hours[1], 14 * 60 if region.country == "DE" else 17 * 60))
    if weekday == 6 and store.sunday_closed:
        hours = None
    conversion = 1.0
    names = []
    for event in events:
        if event.event_type != "holiday" and event.applies(store, day):
            traffic *= 1 + event.traffic_uplift
            passerby *= 1 + event.passerby_uplift + event.traffic_uplift / 2
            conversion *= 1 + event.conversion_uplift
            names.append(event.event_id)
    return DayContext(hours, traffic, passerby, conversion, holiday, tuple(names))


@dataclass(frozen=True)
class DayGrid:
    """The intervals of one local day in one zone: UTC starts and local wall-clock times."""

    day: date
    timezone: str
    interval_minutes: int
    start_utc: np.ndarray  # int64 epoch seconds
    offset: np.ndarray  # int64 seconds east of UTC at each start
    local_minute: np.ndarray  # float: wall-clock minutes since local midnight

    @property
    def n(self) -> int:
        return len(self.start_utc)

    @property
    def step(self) -> int:
        return self.interval_minutes * 60

    @property
    def midnight_utc(self) -> int:
        return int(self.start_utc[0])


def _local_midnight(tz: ZoneInfo, day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=tz).timestamp())


@lru_cache(maxsize=16)  # the days in flight: a few zones, today and tomorrow
def day_grid(timezone: str, day: date, interval_minutes: int) -> DayGrid:
    tz = ZoneInfo(timezone)
    t0 = _local_midnight(tz, day)
    t1 = _local_midnight(tz, day + timedelta(days=1))
    starts = np.arange(t0, t1, interval_minutes * 60, dtype=np.int64)
    first = datetime.fromtimestamp(t0, tz).utcoffset()
    last = datetime.fromtimestamp(t1 - 1, tz).utcoffset()
    if first == last:
        offsets = np.full(len(starts), int(first.total_seconds()), dtype=np.int64)
    else:
        offsets = np.array(
            [datetime.fromtimestamp(int(t), tz).utcoffset().total_seconds() for t in starts],
            dtype=np.int64,
        )
    naive_midnight = int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())
    local_minute = (starts + offsets - naive_midnight) / 60.0
    return DayGrid(day, timezone, interval_minutes, starts, offsets, local_minute)


def offset_text(seconds: int, zero: str = "+00:00") -> str:
    if seconds == 0:
        return zero
    sign = "+" if seconds > 0 else "-"
    minutes = abs(seconds) // 60
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def local_text(epoch: np.ndarray, offset: np.ndarray, sep: str = "T") -> np.ndarray:
    """Wall-clock 'YYYY-MM-DD[T| ]HH:MM:SS' strings, vectorised."""
    text = np.datetime_as_string((epoch + offset).astype("datetime64[s]"), unit="s")
    return text if sep == "T" else np.char.replace(text, "T", sep)


def iso_text(epoch: np.ndarray, offset: np.ndarray, zero: str = "+00:00") -> list[str]:
    """ISO 8601 local times with their offset, e.g. 2026-10-25T01:15:00+01:00."""
    wall = local_text(epoch, offset)
    return [f"{w}{offset_text(int(o), zero)}" for w, o in zip(wall, offset, strict=True)]

