"""Value checks on reference rows that a cast alone would let through.

The loader casts reference CSVs to their columns' types, so `NaN` is a float, `XXX` text and
`25:99` text: stored, they would break every model that reads them. Each row here gets the
first rule it breaks as (reason code, reason naming the column and the value); the row is
quarantined and the rest of the file loads. Values that do not cast at all are left to the
loader's MALFORMED_ROW. The time window is the shared one of ingestion/plausible_time.py.

The targets' files (docs/targets.md) get the rules a cascade needs: a known level, method
and period type, a period that ends, a weight and shares within [0, 1], a floor under its
cap. org_units.csv is checked as a whole as well (org_unit_tree_problems): a unit that is
its own parent, a cycle or an orphan would make every number cascaded through it wrong.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl

from ingestion import plausible_time
from ingestion.records import BAD_CURRENCY, BAD_PERIOD, MALFORMED_ROW, LoadContext
from ingestion.schemas import WEEKDAYS

# A sensor registered to a site that raw.sites does not hold (replayable once it does).
UNKNOWN_SITE = "UNKNOWN_SITE"
# Targets (targets_input.csv, target_constraints.csv) and the org hierarchy (org_units.csv).
UNKNOWN_LEVEL = "UNKNOWN_LEVEL"  # a target's level or cascade_to that is no org level
UNKNOWN_METHOD = "UNKNOWN_METHOD"
UNKNOWN_PERIOD_TYPE = "UNKNOWN_PERIOD_TYPE"
MISSING_TARGET_VALUE = "MISSING_TARGET_VALUE"  # only a bottom_up target may leave it empty
OUT_OF_RANGE = "OUT_OF_RANGE"  # a weight below 0, a share or hybrid weight outside [0, 1]
BAD_BOUNDS = "BAD_BOUNDS"  # a floor above its cap
ORG_UNIT_LEVEL = "ORG_UNIT_LEVEL"  # org_units.csv naming an organisation, region or site
ORG_UNIT_SELF_PARENT = "ORG_UNIT_SELF_PARENT"
ORG_UNIT_CYCLE = "ORG_UNIT_CYCLE"
ORG_UNIT_ORPHAN = "ORG_UNIT_ORPHAN"

TARGET_LEVELS = ("organization", "region", "site", "department", "team", "staff")
# 'manual' is a target set by hand whose children follow history: cascaded as historical
TARGET_METHODS = ("equal", "weighted", "historical", "potential", "top_down", "bottom_up",
                  "hybrid", "manual")
PERIOD_TYPES = ("day", "week", "month", "quarter", "period_454", "custom")
# the levels of organizations.csv, regions.csv and sites.csv: never a row of org_units.csv
REFERENCE_LEVELS = ("organization", "region", "site")
_OPENS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_CLOSES = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
Problem = tuple[str, str]


@dataclass(frozen=True)
class ReferenceChecks:
    """What the checks of one reference file know: the stored sites and the load clock."""

    sites: frozenset[str] | None  # None: not known (a parser called without a warehouse)
    earliest: dict[str, datetime]
    now: datetime
    # '<level>:<id>' of every organisation, region and site raw.sites names (None: not known)
    units: frozenset[str] | None = None

    @classmethod
    def of(cls, ctx: LoadContext) -> ReferenceChecks:
        sites = ctx.sites if isinstance(ctx.sites, pl.DataFrame) else None
        known = None if sites is None else frozenset(
            str(s) for s in sites["site_id"].drop_nulls())
        now = ctx.now if ctx.now.tzinfo else ctx.now.replace(tzinfo=UTC)
        return cls(known, plausible_time.earliest_by_site(sites), now, _units_of(sites))

    def problem(self, table: str, row: dict[str, str]) -> Problem | None:
        """The first rule `row` (column -> text) of `table` breaks, or None."""
        check = _CHECKS.get(table)
        return None if check is None else check(self, {k: v.strip() for k, v in row.items()})


def _units_of(sites: pl.DataFrame | None) -> frozenset[str] | None:
    """The org units above and at the sites, as dim_org_unit keys them."""
    if sites is None:
        return None
    units: set[str] = set()
    for level, column in (("organization", "organization_id"), ("region", "region_id"),
                          ("site", "site_id")):
        if column in sites.columns:
            units |= {f"{level}:{v}" for v in sites[column].drop_nulls().cast(pl.String)}
    return frozenset(units)


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


def _one_of(column: str, value: str, allowed: tuple[str, ...], code: str) -> Problem | None:
    if value and value.lower() not in allowed:
        return code, f"{column} {value!r} is not one of {', '.join(allowed)}"
    return None


def _date(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None  # missing or unreadable: the loader's MALFORMED_ROW


def _within(column: str, value: str, low: float, high: float | None) -> Problem | None:
    number = _number(value) if value else None
    if number is None or (math.isfinite(number) and number >= low
                          and (high is None or number <= high)):
        return None
    bound = f">= {low:g}" if high is None else f"within [{low:g}, {high:g}]"
    return OUT_OF_RANGE, f"{column} {value!r} is not a finite number {bound}"


def _target(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    for column in ("level", "cascade_to"):
        problem = _one_of(column, row.get(column, ""), TARGET_LEVELS, UNKNOWN_LEVEL)
        if problem:
            return problem
    method = row.get("method", "")
    problem = _one_of("method", method, TARGET_METHODS, UNKNOWN_METHOD)
    if problem:
        return problem
    period_type = row.get("period_type", "")
    problem = _one_of("period_type", period_type, PERIOD_TYPES, UNKNOWN_PERIOD_TYPE)
    if problem:
        return problem
    start, end = row.get("period_start", ""), row.get("period_end", "")
    if not end and period_type.lower() in ("", "custom"):
        return BAD_PERIOD, (f"period_end missing: period_type {period_type or 'empty'!r} "
                            "needs it (only day, week, month, quarter and period_454 derive "
                            "it from period_start)")
    first, last = _date(start), _date(end)
    if first and last and last < first:
        return BAD_PERIOD, f"period_end {end} is before period_start {start}"
    problem = _within("hybrid_weight", row.get("hybrid_weight", ""), 0, 1)
    if problem:
        return problem
    if not row.get("target_value") and method.lower() != "bottom_up":
        return MISSING_TARGET_VALUE, (f"target_value missing: method {method or 'empty'!r} "
                                      "needs one (only a bottom_up target sums its "
                                      "children's)")
    return None


def _constraint(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    for column, low, high in (("weight", 0, None), ("min_share", 0, 1)):
        problem = _within(column, row.get(column, ""), low, high)
        if problem:
            return problem
    floor, cap = row.get("floor_value", ""), row.get("cap_value", "")
    low, high = _number(floor) if floor else None, _number(cap) if cap else None
    if low is not None and high is not None and low > high:
        return BAD_BOUNDS, f"floor_value {floor} is above cap_value {cap}"
    return None


def _org_unit(checks: ReferenceChecks, row: dict[str, str]) -> Problem | None:
    level = row.get("org_unit_level", "")
    if level.lower() in REFERENCE_LEVELS:
        return ORG_UNIT_LEVEL, (f"org_unit_level {level!r}: organisations, regions and sites "
                                "come from organizations.csv, regions.csv and sites.csv; "
                                "org_units.csv lists the units below them")
    if unit_key(level, row.get("org_unit_id", "")) == unit_key(row.get("parent_level", ""),
                                                               row.get("parent_id", "")):
        return ORG_UNIT_SELF_PARENT, (f"org unit {unit_key(level, row['org_unit_id'])} is "
                                      "its own parent")
    return None


def unit_key(level: str, unit_id: str) -> str:
    """dim_org_unit's org_unit_key: '<level>:<id>', the level lower-case."""
    return f"{level.strip().lower()}:{unit_id.strip()}"


def org_unit_tree_problems(rows: list[dict[str, str]], checks: ReferenceChecks
                           ) -> dict[int, Problem]:
    """Per index of `rows` (org_units.csv rows that passed their row rules), the cycle or
    orphan that rejects it.

    Every row of a cycle is rejected, naming the cycle; a row whose parent is neither a
    row of the file nor an organisation, region or site raw.sites names is an orphan (when
    raw.sites is not known, only a parent rejected here makes one: dbt's
    assert_org_unit_hierarchy_is_a_tree names the rest). A row under a rejected row is an
    orphan too, so what loads is always a tree hanging from the sites.
    """
    keys = [unit_key(r.get("org_unit_level", ""), r.get("org_unit_id", "")) for r in rows]
    parents = [unit_key(r.get("parent_level", ""), r.get("parent_id", "")) for r in rows]
    parent_of = dict(zip(keys, parents, strict=True))  # the last row of a key wins
    problems: dict[str, Problem] = {}
    for start in parent_of:
        path, seen = [start], {start}
        while path[-1] in parent_of and path[-1] not in problems:
            parent = parent_of[path[-1]]
            if parent in seen:
                cycle = [*path[path.index(parent):], parent]
                reason = "org unit cycle: " + " -> ".join(cycle)
                for unit in cycle[:-1]:
                    problems[unit] = (ORG_UNIT_CYCLE, reason)
                break
            path.append(parent)
            seen.add(parent)
    changed = True
    while changed:  # orphans, then the rows under them, until none is left
        changed = False
        for unit, parent in parent_of.items():
            if unit in problems:
                continue
            if parent in problems:
                problems[unit] = (ORG_UNIT_ORPHAN, f"orphan: parent {parent} of {unit} is "
                                  f"rejected ({problems[parent][1]})")
                changed = True
            elif (parent not in parent_of and checks.units is not None
                  and parent not in checks.units):
                problems[unit] = (ORG_UNIT_ORPHAN, f"orphan: parent {parent} of {unit} is "
                                  "neither a row of org_units.csv nor an organisation, "
                                  "region or site in raw.sites")
                changed = True
    return {i: problems[key] for i, key in enumerate(keys) if key in problems}


_CHECKS: dict[str, Any] = {
    "organizations": _organization,
    "sites": _site,
    "sensors": _sensor,
    "weather": _weather,
    "targets_input": _target,
    "target_constraints": _constraint,
    "org_units": _org_unit,
}
