"""What a parser hands to the loader: rows per canonical table, plus quarantined rows."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Reason codes used in raw.quarantine. A parser may add its own, upper snake case.
UNREADABLE_FILE = "UNREADABLE_FILE"
MALFORMED_ROW = "MALFORMED_ROW"
UNKNOWN_DEVICE = "UNKNOWN_DEVICE"
UNKNOWN_LOCATION = "UNKNOWN_LOCATION"
NEGATIVE_COUNT = "NEGATIVE_COUNT"
BAD_PERIOD = "BAD_PERIOD"
FUTURE_TIMESTAMP = "FUTURE_TIMESTAMP"
IMPLAUSIBLE_COUNT = "IMPLAUSIBLE_COUNT"
DUPLICATE_KEY = "DUPLICATE_KEY"
BAD_CURRENCY = "BAD_CURRENCY"
NEGATIVE_QUANTITY = "NEGATIVE_QUANTITY"
INTERVAL_MISMATCH = "INTERVAL_MISMATCH"
FROZEN_CLOCK = "FROZEN_CLOCK"
UNKNOWN_LINE = "UNKNOWN_LINE"
VENDOR_ERROR = "VENDOR_ERROR"
# a time before the plausible window (ingestion/plausible_time.py)
IMPLAUSIBLE_TIMESTAMP = "IMPLAUSIBLE_TIMESTAMP"
# an unexpected error while loading one file (its text in the reason); the run goes on
LOAD_FAILED = "LOAD_FAILED"


@dataclass(frozen=True)
class QuarantinedRow:
    """A rejected row (or a whole file when line_no is None), with why it was rejected."""

    reason_code: str
    reason: str
    raw_content: str | None = None
    line_no: int | None = None
    table: str | None = None  # the raw table the row was meant for, when not the file's main one


@dataclass
class ParseResult:
    """Rows per canonical table name (as dicts or an Arrow/Polars frame) and rejects.

    Parsers leave the lineage columns (source_file, source_format, delivered_at,
    ingested_at) to the loader, which fills them the same way for every format.
    """

    source_format: str
    tables: dict[str, Any] = field(default_factory=dict)
    quarantined: list[QuarantinedRow] = field(default_factory=list)
    # Tables whose rows the parser has already put through every rule of the loader's
    # validation (ingestion/loader/validation.py) and de-duplicated on the key, with the
    # same reason codes: the loader casts them but does not check them a second time.
    checked: set[str] = field(default_factory=set)

    def add_rows(self, table: str, rows: list[dict[str, Any]]) -> None:
        self.tables.setdefault(table, []).extend(rows)

    def reject(self, reason_code: str, reason: str, raw: str | None = None,
               line_no: int | None = None) -> None:
        self.quarantined.append(QuarantinedRow(reason_code, reason, raw, line_no))


@dataclass(frozen=True)
class LoadContext:
    """What a parser may know besides the file's bytes.

    The loader builds one per file. Reference frames are read from the warehouse once per
    run (after the reference files of that run are loaded): `sensors` is raw.sensors with the
    site's IANA zone added as `site_timezone`; `sites` is raw.sites; `pos_locations` is
    raw.pos_locations. They are polars DataFrames, empty (with the right columns) when
    nothing is registered yet.
    """

    source_file: str  # path relative to the landing root, with forward slashes
    delivered_at: Any  # datetime, UTC: when the file landed; the later delivery of a key wins
    now: Any  # datetime, UTC: the clock for "not in the future" checks
    sensors: Any = None
    sites: Any = None
    pos_locations: Any = None
    customer_salt: str = "blipee-demo-salt"
