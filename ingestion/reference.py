"""Parser of the reference CSVs in landing/reference (organisations, sites, sensors, ...).

The file name picks the table (`sites.csv` -> raw.sites); the header must be the table's
columns minus lineage (any order; nullable columns may be left out). Values stay strings
here: the loader casts them to the table's types and quarantines the rows that do not cast,
with their line number and text, like every other parser's rows.

Two tables get checks of their own here, each reject naming the column and the value:
- sites: `country` must be an ISO 3166-1 alpha-2 code the `holidays` package knows and
  `subdivision` one of that country's subdivisions (written `DE-BE` as in ISO 3166-2; a bare
  `BE` is accepted and stored as `DE-BE`); codes are stored upper-case. Loading sites.csv
  also computes raw.public_holidays: the holidays of every (country, subdivision) in the
  file over HOLIDAY_YEARS, upserted in the same transaction, so loading twice changes
  nothing.
- site_closures: a closed day has no hours; a day with special hours has both, as HH:MM,
  the close after the open.

org_units.csv is checked as a whole after its rows (reference_checks.org_unit_tree_problems):
the rows of a cycle and the orphans are rejected, each naming the units.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from datetime import date
from functools import cache

import polars as pl

from ingestion.loader.frames import LINE_NO, RAW, data_columns
from ingestion.records import (
    BAD_PERIOD,
    MALFORMED_ROW,
    UNREADABLE_FILE,
    LoadContext,
    ParseResult,
)
from ingestion.reference_checks import ReferenceChecks, org_unit_tree_problems
from ingestion.schemas import (
    ORG_UNITS,
    PUBLIC_HOLIDAYS,
    REFERENCE_TABLES,
    SITE_CLOSURES,
    SITES,
)

FORMAT = "reference_csv"
_TABLES = {t.name: t for t in REFERENCE_TABLES}
# A country or subdivision code that is not ISO 3166 or not known to the holidays package.
UNKNOWN_CODE = "UNKNOWN_CODE"
# The years raw.public_holidays covers: dim_date's calendar_start .. calendar_end
# (vars in dbt_project.yml; a test keeps the two equal).
HOLIDAY_YEARS = range(2018, 2031)
_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")
_TRUE = ("true", "t", "1", "yes", "y")
_FALSE = ("false", "f", "0", "no", "n")


def parse_reference_file(content: bytes, ctx: LoadContext, table_name: str) -> ParseResult:
    """Rows of one reference CSV as strings, plus rejects for rows of the wrong width."""
    result = ParseResult(source_format=FORMAT)
    table = _TABLES.get(table_name)
    if table is None:
        result.reject(UNREADABLE_FILE, f"no reference table named {table_name!r} "
                      f"(expected one of {sorted(_TABLES)})")
        return result
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        result.reject(UNREADABLE_FILE, f"not UTF-8: {error}")
        return result
    reader = csv.reader(io.StringIO(text, newline=""))
    checks = ReferenceChecks.of(ctx)  # NaN areas, unknown zones, 25:99, a sensor's site, ...
    header = [h.strip() for h in next(reader, [])]
    allowed = data_columns(table)
    required = [c.name for c in table.columns if not c.nullable and c.name in allowed]
    unknown = [h for h in header if h not in allowed]
    missing = [c for c in required if c not in header]
    if not header or unknown or missing or len(set(header)) != len(header):
        result.reject(UNREADABLE_FILE, f"header of {table.name} must be columns of "
                      f"{allowed}; unknown {unknown}, missing {missing}",
                      raw=",".join(header))
        return result
    rows: list[list[str]] = []
    lines: list[int] = []
    raws: list[str] = []
    previous_end = reader.line_num
    source_lines = text.splitlines()
    for record in reader:
        start, previous_end = previous_end + 1, reader.line_num
        raw = "\n".join(source_lines[start - 1:previous_end])
        if not any(v.strip() for v in record):
            continue  # blank line
        if len(record) != len(header):
            result.reject(MALFORMED_ROW, f"{len(record)} fields, header has {len(header)}",
                          raw=raw, line_no=start)
            continue
        problem = _row_problem(table.name, header, record) or checks.problem(
            table.name, dict(zip(header, record, strict=True)))
        if problem is not None:
            result.reject(*problem, raw=raw, line_no=start)
            continue
        rows.append(record)
        lines.append(start)
        raws.append(raw)
    if table.name == ORG_UNITS.name:
        rows, lines, raws = _reject_tree_problems(result, checks, header, rows, lines, raws)
    columns = {name: [r[i] for r in rows] for i, name in enumerate(header)}
    frame = pl.DataFrame(columns, schema={h: pl.String for h in header})
    # an empty field is a missing value, whatever the column's type
    frame = frame.with_columns(
        pl.when(pl.col(h).str.strip_chars() == "").then(None).otherwise(pl.col(h)).alias(h)
        for h in header
    )
    frame = frame.with_columns(pl.Series(LINE_NO, lines, dtype=pl.Int64),
                               pl.Series(RAW, raws, dtype=pl.String))
    result.tables[table.name] = frame
    if table.name == SITES.name and "country" in header:
        calendars = zip(frame["country"], frame["subdivision"] if "subdivision" in header
                        else [None] * frame.height, strict=True)
        result.tables[PUBLIC_HOLIDAYS.name] = public_holiday_frame(
            (country, subdivision) for country, subdivision in calendars if country)
    return result


def _reject_tree_problems(result: ParseResult, checks: ReferenceChecks, header: list[str],
                          rows: list[list[str]], lines: list[int], raws: list[str]
                          ) -> tuple[list[list[str]], list[int], list[str]]:
    """The org_units rows that form a tree; cycles and orphans rejected into `result`."""
    problems = org_unit_tree_problems([dict(zip(header, r, strict=True)) for r in rows],
                                      checks)
    for i, (code, reason) in sorted(problems.items()):
        result.reject(code, reason, raw=raws[i], line_no=lines[i])
    kept = [i for i in range(len(rows)) if i not in problems]
    return [rows[i] for i in kept], [lines[i] for i in kept], [raws[i] for i in kept]


@cache
def supported_countries() -> dict[str, tuple[str, ...]]:
    """ISO 3166-1 alpha-2 code -> its subdivisions, as the holidays package knows them."""
    import holidays  # ~0.3 s: only when a sites file is loaded

    return {country: tuple(subdivisions)
            for country, subdivisions in holidays.list_supported_countries().items()}


def _text(value: str) -> str:
    return value.strip()


def normalised_country(value: str) -> str:
    return _text(value).upper()


def normalised_subdivision(country: str, value: str) -> str | None:
    """`DE-BE` (or `BE`) for country DE as `DE-BE`; None when not a known subdivision."""
    code = _text(value)
    prefix, _, rest = code.partition("-")
    if rest and prefix.upper() != country:
        return None
    local = rest if rest else code
    for known in supported_countries().get(country, ()):
        if known.upper() == local.upper():
            return f"{country}-{known}"
    return None


def _row_problem(table: str, header: list[str], record: list[str]) -> tuple[str, str] | None:
    """(reason code, reason) of the first check this row fails, or None. Fixes the case of
    the sites' codes in place."""
    if table == SITES.name:
        return _site_problem(header, record)
    if table == SITE_CLOSURES.name:
        return _closure_problem(dict(zip(header, record, strict=True)))
    return None


def _site_problem(header: list[str], record: list[str]) -> tuple[str, str] | None:
    where = {name: i for i, name in enumerate(header)}
    country = normalised_country(record[where["country"]]) if "country" in where else ""
    subdivision = _text(record[where["subdivision"]]) if "subdivision" in where else ""
    if country:
        if country not in supported_countries():
            return UNKNOWN_CODE, (f"country {country!r} is not an ISO 3166-1 alpha-2 code "
                                  "the holidays package knows")
        record[where["country"]] = country
    if subdivision:
        if not country:
            return UNKNOWN_CODE, f"subdivision {subdivision!r} given without a country"
        code = normalised_subdivision(country, subdivision)
        if code is None:
            known = ", ".join(f"{country}-{s}" for s in supported_countries()[country])
            return UNKNOWN_CODE, (f"subdivision {subdivision!r} is not a subdivision of "
                                  f"{country} (known: {known or 'none'})")
        record[where["subdivision"]] = code
    return None


def _closure_problem(row: dict[str, str]) -> tuple[str, str] | None:
    is_closed = _text(row.get("is_closed", "")).lower()
    open_time = _text(row.get("open_time", ""))
    close_time = _text(row.get("close_time", ""))
    if is_closed in _TRUE:
        if open_time or close_time:
            return MALFORMED_ROW, (f"is_closed is {row['is_closed']!r} but open_time "
                                   f"{open_time!r} / close_time {close_time!r} are given: a "
                                   "closed day has no hours")
        return None
    if is_closed not in _FALSE:
        return None  # a missing or unreadable is_closed is the loader's MALFORMED_ROW
    for name, value in (("open_time", open_time), ("close_time", close_time)):
        if not value:
            return MALFORMED_ROW, (f"{name} missing: a day that is not closed needs its "
                                   "open_time and close_time")
        if not _HHMM.match(value):
            return MALFORMED_ROW, f"{name} {value!r} is not a local time HH:MM"
    if close_time <= open_time:
        return BAD_PERIOD, f"close_time {close_time} is not after open_time {open_time}"
    return None


def public_holidays(country: str, subdivision: str | None,
                    years: Iterable[int] = HOLIDAY_YEARS) -> list[tuple[date, str]]:
    """(date, name) of one country's public holidays (and its subdivision's, given as
    ISO 3166-2 `DE-BE`), names in English where the package has them, several on one day
    joined by '; '."""
    import holidays

    local = subdivision.partition("-")[2] if subdivision else None
    calendar = holidays.country_holidays(country, subdiv=local, years=list(years))
    if "en_US" in (calendar.supported_languages or ()):
        calendar = holidays.country_holidays(country, subdiv=local, years=list(years),
                                             language="en_US")
    return [(day, "; ".join(sorted(set(calendar.get_list(day))))) for day in sorted(calendar)]


def public_holiday_frame(calendars: Iterable[tuple[str, str | None]],
                         years: Iterable[int] = HOLIDAY_YEARS) -> pl.DataFrame:
    """raw.public_holidays rows for each distinct (country, subdivision or None); the
    national calendar is stored with subdivision ''."""
    years = list(years)
    rows: list[tuple[str, str, date, str]] = []
    for country, subdivision in sorted({(c, s or "") for c, s in calendars}):
        rows += [(country, subdivision, day, name)
                 for day, name in public_holidays(country, subdivision or None, years)]
    return pl.DataFrame(rows, schema={"country": pl.String, "subdivision": pl.String,
                                      "holiday_date": pl.Date, "holiday_name": pl.String},
                        orient="row")
