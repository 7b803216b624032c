"""Shared pieces of the POS parsers: canonical frame shapes, money, time, sites, privacy.

The two POS tables are declared in ingestion/schemas.py; the parsers emit polars frames with
exactly those columns minus the lineage columns, which the loader adds. Money is
pl.Decimal(18, 4) and timestamps are pl.Datetime('us', 'UTC') end to end: no float ever
touches an amount.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import polars as pl

from ingestion import plausible_time
from ingestion.records import (
    DUPLICATE_KEY,
    FUTURE_TIMESTAMP,
    IMPLAUSIBLE_TIMESTAMP,
    MALFORMED_ROW,
    LoadContext,
    ParseResult,
)
from ingestion.schemas import LINEAGE, POS_TRANSACTION_LINES, POS_TRANSACTIONS, Table
from ingestion.value_ranges import fits, range_text

TRANSACTIONS = POS_TRANSACTIONS.name
LINES = POS_TRANSACTION_LINES.name

MONEY = pl.Decimal(18, 4)
UTC_TS = pl.Datetime("us", "UTC")
_POLARS_TYPES: dict[str, pl.DataType] = {
    "text": pl.String(),
    "int": pl.Int32(),
    "bigint": pl.Int64(),
    "money": MONEY,
    "timestamptz": UTC_TS,
}
_LINEAGE_NAMES = {column.name for column in LINEAGE}
_QUANT = Decimal("0.0001")


def polars_schema(table: Table) -> dict[str, pl.DataType]:
    """The table's columns without lineage, as a polars schema (order kept)."""
    return {
        c.name: _POLARS_TYPES[c.type] for c in table.columns if c.name not in _LINEAGE_NAMES
    }


TRANSACTION_SCHEMA = polars_schema(POS_TRANSACTIONS)
LINE_SCHEMA = polars_schema(POS_TRANSACTION_LINES)


def frame(rows: list[dict[str, Any]], schema: dict[str, pl.DataType]) -> pl.DataFrame:
    """Rows (dicts) -> a frame of exactly `schema`; money rounded to 4 places first."""
    money_columns = [name for name, dtype in schema.items() if dtype == MONEY]
    for row in rows:
        for name in money_columns:
            value = row.get(name)
            if value is not None:
                row[name] = value.quantize(_QUANT)
    return pl.DataFrame(rows, schema=schema, orient="row")


class Rejected(Exception):
    """Raised inside a parser to quarantine the current order; never leaves the package."""

    def __init__(self, reason_code: str, reason: str) -> None:
        super().__init__(reason)
        self.reason_code = reason_code
        self.reason = reason


def load_json(content: bytes) -> Any:
    """JSON with every non-integer number as Decimal, so no amount passes through float."""
    return json.loads(content, parse_float=Decimal)


def money(value: Any, what: str) -> Decimal:
    """A decimal amount from a JSON string or number; MALFORMED_ROW when it is not one."""
    if isinstance(value, bool) or value is None:
        raise Rejected("MALFORMED_ROW", f"{what} is missing")
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise Rejected("MALFORMED_ROW", f"{what} is not a number: {value!r}") from None
    if not amount.is_finite():
        raise Rejected("MALFORMED_ROW", f"{what} is not a finite number: {value!r}")
    return amount


def utc_timestamp(value: Any, what: str) -> datetime:
    """ISO 8601 with an offset (Shopify's shop offset, Square's Z) -> aware UTC datetime."""
    if not isinstance(value, str) or not value:
        raise Rejected("MALFORMED_ROW", f"{what} is missing")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise Rejected("MALFORMED_ROW", f"{what} is not ISO 8601: {value!r}") from None
    if parsed.tzinfo is None:
        raise Rejected("MALFORMED_ROW", f"{what} has no UTC offset: {value!r}")
    return parsed.astimezone(UTC)


def hash_customer(salt: str, system: str, customer_id: Any) -> str | None:
    """sha256(salt + system + id), hex: stable per customer, useless without the salt."""
    if customer_id is None or str(customer_id).strip() == "":
        return None
    return hashlib.sha256(f"{salt}{system}{str(customer_id).strip()}".encode()).hexdigest()


class Sites:
    """POS location id -> site id for one source system, from raw.pos_locations."""

    def __init__(self, pos_locations: pl.DataFrame | None, source_system: str) -> None:
        self.mapping: dict[str, str] = {}
        if pos_locations is not None and pos_locations.height:
            rows = pos_locations.filter(pl.col("source_system") == source_system)
            self.mapping = {
                str(loc): str(site)
                for loc, site in zip(rows["location_id"], rows["site_id"], strict=True)
                if loc is not None and site is not None
            }

    def site_for(self, location_id: Any, *, fallback: str | None = None) -> str:
        key = fallback if location_id is None else str(location_id)
        if key is not None and key in self.mapping:
            return self.mapping[key]
        if location_id is None:
            raise Rejected(
                "UNKNOWN_LOCATION",
                f"order has no location_id; register location_id {fallback!r} in "
                "pos_locations to load such orders",
            )
        raise Rejected("UNKNOWN_LOCATION", f"location {location_id} is not in pos_locations")


# Keys whose values identify a person or a card. They are dropped from quarantined raw
# content, and no parser ever copies them into a row.
PII_KEYS = frozenset(
    {
        "email", "contact_email", "buyer_email_address", "phone", "customer", "customer_id",
        "billing_address", "shipping_address", "default_address", "addresses", "address",
        "first_name", "last_name", "name_on_card", "cardholder_name", "payment_details",
        "card_details", "card", "fingerprint", "last_4", "bin", "client_details",
        "browser_ip", "note", "note_attributes", "recipient", "fulfillments", "customer_locale",
        "order_status_url", "token", "cart_token", "checkout_token", "device_details",
    }
)


def redact(value: Any) -> Any:
    """A copy of a JSON value without personal data, for the quarantine's raw_content."""
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items() if k not in PII_KEYS}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def raw_json(value: Any) -> str:
    return json.dumps(redact(value), default=str, sort_keys=True)


# One record of a JSON payload: the raw object (kept in quarantine if it is rejected) and
# the call that turns it into (transaction rows, line rows).
OrderRecord = tuple[Any, Callable[[], tuple[list[dict[str, Any]], list[dict[str, Any]]]]]


_KINDS = {
    name: {c.name: c.type for c in table.columns if c.type in ("int", "bigint", "money")}
    for name, table in ((TRANSACTIONS, POS_TRANSACTIONS), (LINES, POS_TRANSACTION_LINES))
}


def check_ranges(rows: list[dict[str, Any]], table: str) -> None:
    """Every value fits its column on both warehouses, else the order is MALFORMED_ROW
    (2^31 items or a price of 10^20 would otherwise fail the whole file's frame)."""
    for row in rows:
        for name, kind in _KINDS[table].items():
            value = row.get(name)
            if not fits(kind, value):
                where = row.get("external_id")
                line = f" line {row['line_no']}" if "line_no" in row else ""
                raise Rejected(MALFORMED_ROW, f"transaction {where}{line}: {name} {value} is "
                               f"out of range "
                               f"({range_text(kind)})")


@dataclass(frozen=True)
class TimeWindow:
    """The plausible-time window of ingestion/plausible_time.py for the sites of one file."""

    earliest: dict[str, datetime]
    latest: datetime
    now: datetime

    @classmethod
    def of(cls, ctx: LoadContext) -> TimeWindow:
        now = ctx.now.replace(tzinfo=UTC) if ctx.now.tzinfo is None else ctx.now
        return cls(plausible_time.earliest_by_site(ctx.sites), plausible_time.latest(now), now)

    def check(self, rows: list[dict[str, Any]]) -> None:
        """Every transaction time lies in the window, else the order is rejected."""
        for row in rows:
            ts = row["ts"]
            earliest = self.earliest.get(row["site_id"], plausible_time.EARLIEST_ANY)
            if ts < earliest:
                raise Rejected(IMPLAUSIBLE_TIMESTAMP, f"{row['external_id']}: " +
                               plausible_time.too_early_reason("ts", ts.isoformat(), earliest))
            if ts > self.latest:
                raise Rejected(FUTURE_TIMESTAMP, f"{row['external_id']}: " +
                               plausible_time.too_late_reason("ts", ts.isoformat(), self.now))


def _record_id(raw: Any) -> str | None:
    """The id a JSON record is repeated by: an order's (or standalone refund's) id."""
    if isinstance(raw, dict) and raw.get("id") is not None:
        return str(raw["id"])
    return None


def parse_order_json(content: bytes, source_format: str,
                     records: Callable[[Any, ParseResult], Iterable[OrderRecord]],
                     ctx: LoadContext) -> ParseResult:
    """The shape every JSON order parser shares: unreadable JSON quarantines the file, a
    record that is rejected or malformed is quarantined with its position, the rest loads.

    An order (or refund) that occurs twice in one file loads from its last occurrence,
    whole (header, refunds and lines together), and the earlier ones are quarantined as
    DUPLICATE_KEY, even when the last one is itself rejected: the file's last word counts.
    """
    result = ParseResult(source_format)
    window = TimeWindow.of(ctx)
    transactions: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    try:
        payload = load_json(content)
    except (ValueError, UnicodeDecodeError) as exc:
        result.reject("UNREADABLE_FILE", f"not valid JSON: {exc}")
        payload = None
    found = list(records(payload, result)) if payload is not None else []
    last_at = {_record_id(raw): position for position, (raw, _) in enumerate(found, start=1)}
    for position, (raw, make_rows) in enumerate(found, start=1):
        record_id = _record_id(raw)
        if record_id is not None and last_at[record_id] > position:
            result.reject(DUPLICATE_KEY, f"{record_id} appears again at position "
                          f"{last_at[record_id]} of the file; the last occurrence is the "
                          "one loaded, whole", raw_json(raw), position)
            continue
        try:
            tx, tx_lines = make_rows()
            check_ranges(tx_lines, LINES)  # first: a line's value is the cause
            check_ranges(tx, TRANSACTIONS)
            window.check(tx)
        except Rejected as rejected:
            result.reject(rejected.reason_code, rejected.reason, raw_json(raw), position)
            continue
        except (AttributeError, TypeError, KeyError, ValueError, ArithmeticError) as exc:
            result.reject(MALFORMED_ROW, f"unexpected shape: {exc!r}", raw_json(raw),
                          position)
            continue
        transactions.extend(tx)
        lines.extend(tx_lines)
    result.tables[TRANSACTIONS] = frame(transactions, TRANSACTION_SCHEMA)
    result.tables[LINES] = frame(lines, LINE_SCHEMA)
    return result
