"""Value checks on reference rows that a cast alone would let through.

The loader casts reference CSVs to their columns' types, so `NaN` is a float, `XXX` text and
`25:99` text: stored, they would break every model that reads them. Each row here gets the
first rule it breaks as (reason code, reason naming the column and the value); the row is
quarantined and the rest of the file loads. Values that do not cast at all are left to the
loader's MALFORMED_ROW. The time window is the shared one of ingestion/plausible_time.py.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ingestion import plausible_time
from ingestion.records import BAD_CURRENCY, MALFORMED_ROW, LoadContext
from ingestion.schemas import WEEKDAYS

# A sensor registered to a site that raw.sites does not hold (replayable once it does).
UNKNOWN_SITE = "UNKNOWN_SITE"
_OPENS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CLOSES = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
Problem = tuple[str, str]


@dataclass(frozen=True)
class ReferenceChecks:
    """What the checks of one reference file know: the stored sites and the load clock."""

    sites: frozenset[str] | None  # None: not known (a parser called without a warehouse)
    earliest: dict[str, datetime]
    now: datetime

    @classmethod
    def of(cls, ctx: LoadContext) -> ReferenceChecks:
        sites = ctx.sites if isinstance(ctx.sites, pl.DataFrame) else None
        known = None if sites is None else frozenset(
            str(s) for s in sites["site_id"].drop_nulls())
        now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
        return cls(known, plausible_time.earliest_by_site(sites), now)

    def problem(self, table: str, row: dict[str, str]) -> Problem | None:
        """The first rule `row` (column -> text) of `table` breaks, or None."""
        check = _CHECKS.get(table)
        return None if check is None else check(self, {k: v.strip() for k, v in row.items()})


@cache
def is_time_zone(name: str) -> bool:
    """An IANA zone both Python and polars can convert times in."""
    try:
        ZoneInfo(name)
        pl.Series([0], dtype=pl.Datetime("us")).dt.replace_time_zone(name)
    except (ValueError, KeyError, OSError, pl.exceptions.PolarsError):
        return False
    return True


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None  # not a number at all: the loader's cast rejects it


def _currency(column: str, value: str) -> Problem | None:
    from ingestion.pos.currencies import is_known_currency  # the POS package: when needed

    if value and not is_known_currency(value):
        return BAD_CURRENCY, f"{column} {value!r} is not an ISO 4217 code we trade in"
    return None


def _organization(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    return _currency("reporting_currency", row.get("reporting_currency", ""))


def _site(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    zone = row.get("timezone", "")
    if zone and not is_time_zone(zone):
        return MALFORMED_ROW, f"timezone {zone!r} is not an IANA time zone"
    area = _number(row.get("area_sqm") or "1")
    if area is not None and not (math.isfinite(area) and area > 0):
        return MALFORMED_ROW, f"area_sqm {row['area_sqm']!r} is not a positive number"
    currency = _currency("currency", row.get("currency", ""))
    if currency:
        return currency
    for day in WEEKDAYS:
        for column, pattern in ((f"{day}_open", _OPENS), (f"{day}_close", _CLOSES)):
            value = row.get(column, "")
            if value and not pattern.match(value):
                return MALFORMED_ROW, f"{column} {value!r} is not a local time HH:MM"
    return None


def _sensor(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    interval = _number(row.get("interval_minutes") or "1")
    if interval is not None and not interval > 0:
        return MALFORMED_ROW, (f"interval_minutes {row['interval_minutes']!r} is not a "
                               "positive number of minutes")
    limit = _number(row.get("max_count_per_interval") or "0")
    if limit is not None and not limit >= 0:
        return MALFORMED_ROW, (f"max_count_per_interval {row['max_count_per_interval']!r} "
                               "is negative")
    site = row.get("site_id", "")
    if checks.sites is not None and site and site not in checks.sites:
        return UNKNOWN_SITE, (f"site_id {site!r} is not in raw.sites: register the site, "
                              "then replay (blipee quarantine replay --reason UNKNOWN_SITE)")
    return None


def _weather(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    for column, may_be_negative in (("temperature_c", True), ("precipitation_mm", False)):
        value = _number(row.get(column) or "0")
        if value is not None and not (math.isfinite(value) and (may_be_negative
                                                                or value >= 0)):
            need = "a finite number" if may_be_negative else "a finite number >= 0"
            return MALFORMED_ROW, f"{column} {row[column]!r} is not {need}"
    ts = _timestamp(row.get("ts", ""))
    if ts is None:
        return None  # missing or unreadable: the loader's MALFORMED_ROW
    earliest = checks.earliest.get(row.get("site_id", ""), plausible_time.EARLIEST_ANY)
    if ts < earliest:
        return (plausible_time.IMPLAUSIBLE_TIMESTAMP,
                plausible_time.too_early_reason("ts", row["ts"], earliest))
    if ts > plausible_time.latest(checks.now):
        return (plausible_time.FUTURE_TIMESTAMP,
                plausible_time.too_late_reason("ts", row["ts"], checks.now))
    return None


def _timestamp(value: str) -> datetime | None:
    """ISO 8601 as the loader reads it: with an offset as given, without one as UTC."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


_CHECKS: dict[str, Any] = {
    "organizations": _organization,
    "sites": _site,
    "sensors": _sensor,
    "weather": _weather,
}
