"""Any POS CSV export (SAP, Oracle, ...) mapped by mapping.yaml, parsed column-wise.

One row of the file is one transaction line. Everything here is polars expressions over whole
columns: a 10M-line export must load at the speed of a CSV reader, so no Python runs per row
(per-row Python only touches quarantined rows and distinct customer ids).

Checks, the first that fails naming the row's reason: MALFORMED_ROW (missing external_id,
timestamp, quantity, line_amount or currency; a value that does not parse; an unknown type),
UNKNOWN_LOCATION (location not in pos_locations, or its site has no time zone for a naive
timestamp), BAD_CURRENCY, NEGATIVE_QUANTITY (on a sale), DUPLICATE_KEY (an external_id and
line_no twice in the file). A transaction loads whole or not at all: every line of a
transaction with a bad line is quarantined with that line's reason.

Transactions are the lines grouped by external_id: net_amount = sum(line_amount) (net of
discount, tax excluded), discount = sum(discount), gross_amount = net_amount + discount,
tax = sum(tax), item_count = sum(quantity); site, time, type, currency, staff, customer and
payment come from the transaction's first line. Return lines are stored as positive
magnitudes whatever sign the export uses. Unmapped money fields are null, never zero.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import polars as pl

from ingestion import plausible_time
from ingestion.pos.currencies import CURRENCY_EXPONENTS
from ingestion.pos.frames import LINE_SCHEMA, LINES, MONEY, TRANSACTION_SCHEMA, TRANSACTIONS
from ingestion.pos.generic_mapping import MONEY_FIELDS, TYPES, Mapping
from ingestion.records import LoadContext, ParseResult
from ingestion.reference_checks import is_time_zone
from ingestion.value_ranges import INT_MAX, MONEY_LIMIT, range_text

SOURCE_FORMAT = "pos_generic"

# Reason codes by number, so the per-row check is a cheap integer column.
_CODES = ("", "MALFORMED_ROW", "UNKNOWN_LOCATION", "BAD_CURRENCY", "NEGATIVE_QUANTITY",
          "DUPLICATE_KEY", "DUPLICATE_KEY", "MALFORMED_ROW", "IMPLAUSIBLE_TIMESTAMP",
          "FUTURE_TIMESTAMP")
(MALFORMED, UNKNOWN_LOCATION, BAD_CURRENCY, NEGATIVE_QUANTITY, DUPLICATE_KEY, REPEATED,
 TOTAL_OUT_OF_RANGE, TOO_EARLY, TOO_LATE) = range(1, 10)


def parse_generic_csv(content: bytes, ctx: LoadContext, mapping: Mapping) -> ParseResult:
    """Parse one generic POS CSV with its folder's mapping; bad rows are quarantined."""
    result = ParseResult(SOURCE_FORMAT)
    result.tables[TRANSACTIONS] = pl.DataFrame(schema=TRANSACTION_SCHEMA)
    result.tables[LINES] = pl.DataFrame(schema=LINE_SCHEMA)
    try:
        raw = pl.read_csv(
            content, separator=mapping.delimiter, infer_schema=False, raise_if_empty=False,
            truncate_ragged_lines=False, empty_string_is_null=True,
        )
    # polars' CSV reader can panic on damaged bytes (seen in the sensor CSV reader): a
    # BaseException, caught by name so that it is this file's reject, not the run's end
    except (pl.exceptions.PolarsError, pl.exceptions.PanicException, UnicodeDecodeError
            ) as exc:
        result.reject("UNREADABLE_FILE", f"not a readable CSV: {exc}")
        return result
    if raw.height == 0:
        return result
    absent = sorted({c for c in mapping.columns.values() if c not in raw.columns})
    if absent:
        result.reject("BAD_MAPPING", f"columns named in mapping.yaml are not in the file: {absent}")
        return result

    timezones = _timezones(ctx)
    checked = _with_totals_checked(_checked(_mapped_text(raw, mapping), mapping, ctx, timezones))
    keep = [c for c in checked.columns if c in _KEEP]
    if checked.get_column("_code").max():
        # a bad line rejects its whole transaction; a superseded earlier delivery does not
        # reject the one that replaces it
        bad_ids = checked.filter((pl.col("_code") > 0) & (pl.col("_code") != REPEATED)
                                 ).get_column("external_id")
        in_bad = (pl.col("_code") > 0) | pl.col("external_id").is_in(bad_ids.drop_nulls().implode())
        why = _Explain(mapping, timezones, plausible_time.earliest_by_site(ctx.sites), ctx.now)
        _quarantine(result, raw, checked.filter(in_bad), why, ctx.customer_salt)
        good = checked.lazy().filter(~in_bad).select(keep).collect()
    else:
        good = checked.select(keep)
    result.tables[LINES] = _lines(good, mapping)
    result.tables[TRANSACTIONS] = _transactions(good, mapping, ctx.customer_salt)
    return result


# what the output needs from the checked frame (the rest only explains rejections)
_KEEP = frozenset(
    ("_run", "external_id", "_line_no", "sku", "product_name", "category", "_qty", "_unit_price",
     "_line_amount", "_discount", "_tax", "_type", "site_id", "_utc", "currency", "staff_id",
     "customer_id", "payment_method")
)


def hash_customers(ids: pl.Series, salt: str, system: str) -> pl.Series:
    """Customer ids -> sha256(salt + system + id) hex, computed once per distinct id."""
    distinct = ids.drop_nulls().unique()
    hashes = pl.Series(
        [hashlib.sha256(f"{salt}{system}{v}".encode()).hexdigest() for v in distinct],
        dtype=pl.String,
    )
    return ids.replace_strict(distinct, hashes, default=None, return_dtype=pl.String)


def _mapped_text(raw: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    """`_row` (file line number) and the mapped columns under canonical names, as text.

    Fixed-width exports pad with spaces; only columns that hold padding are stripped, found
    by one cheap scan, since stripping every column of a large file costs more than reading.
    """
    cols = mapping.columns
    sources = sorted(set(cols.values()))
    padded = raw.select(
        (pl.col(c).str.starts_with(" ") | pl.col(c).str.ends_with(" ")).any() for c in sources
    ).row(0)
    needs_strip = {c for c, flag in zip(sources, padded, strict=True) if flag}
    return raw.with_row_index("_row", offset=2).select(
        "_row",
        *[
            (_stripped(src) if src in needs_strip else pl.col(src)).alias(name)
            for name, src in cols.items()
        ],
        *[pl.lit(None, pl.String).alias(n) for n in (*_TEXT_FIELDS, "line_no") if n not in cols],
    )


def _transaction_key(frame: pl.DataFrame) -> pl.Series:
    """An integer per transaction, so grouping never hashes 10M strings twice.

    Exports list a transaction's lines together, so runs of equal external_id are the
    transactions (`rle_id`, sorted, which polars groups fast). When the file interleaves
    transactions, the runs are not unique and a dense rank of external_id is used instead.
    """
    ids = frame.get_column("external_id")
    runs = ids.rle_id()
    if runs.len() == 0 or int(runs[-1]) + 1 == ids.n_unique():
        return runs.set_sorted()
    return ids.rank("dense").cast(pl.UInt32)


def _stripped(column: str) -> pl.Expr:
    """Padding removed; a value that was only padding is missing (null)."""
    text = pl.col(column).str.strip_chars()
    return pl.when(text.str.len_bytes() > 0).then(text)


def _money(name: str, mapping: Mapping) -> pl.Expr:
    text = pl.col(name)
    if mapping.decimal_separator == ",":
        text = text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True)
    return text.cast(MONEY, strict=False)


def _checked(text: pl.DataFrame, mapping: Mapping, ctx: LoadContext,
             timezones: dict[str, str]) -> pl.DataFrame:
    """The mapped columns parsed, with `_code`: 0 = fine, else the first failed check."""
    cols = mapping.columns
    runs = text.get_column("external_id").rle_id()
    type_values = {**{t: t for t in TYPES}, **mapping.type_values}
    if mapping.timestamp_format is None:  # ISO 8601: the Series infers naive vs offset
        ts = pl.lit(text.get_column("ts").str.to_datetime(time_unit="us", strict=False))
    else:
        ts = pl.col("ts").str.strptime(pl.Datetime("us"), mapping.timestamp_format, strict=False)
    parsed = text.with_columns(
        _ts=ts,
        _qty=pl.col("quantity").cast(pl.Float64, strict=False),
        _type=(pl.col("type").replace_strict(type_values, default=None, return_dtype=pl.String)
               if "type" in cols else pl.lit("sale")),
        # without a line_no column, a line's number is its position in its run of lines
        _line_no=(pl.col("line_no").cast(pl.Int32, strict=False) if "line_no" in cols
                  else pl.int_range(pl.len(), dtype=pl.Int32).over(runs) + 1),
        currency=pl.col("currency").str.to_uppercase(),
        site_id=pl.col("location_id").replace_strict(
            _locations(ctx, mapping.source_system), default=None, return_dtype=pl.String),
        **{f"_{name}": _money(name, mapping) for name in MONEY_FIELDS if name in cols},
    )
    if getattr(parsed.schema["_ts"], "time_zone", None) is None:
        parsed = _local_to_utc(parsed, timezones)  # naive times are site-local
    else:
        parsed = parsed.with_columns(
            _tz=pl.lit("UTC"), _utc=pl.col("_ts").dt.convert_time_zone("UTC")
        )
    bad_money = [
        pl.col(name).is_not_null() & pl.col(f"_{name}").is_null()
        for name in MONEY_FIELDS if name in cols and name != "line_amount"
    ]
    qty = pl.col("_qty")
    earliest = plausible_time.earliest_expr(
        "site_id", plausible_time.earliest_by_site(ctx.sites), parsed.get_column("_utc"))
    latest = pl.lit(plausible_time.latest(ctx.now), pl.Datetime("us", "UTC"))
    code = (
        pl.when(
            pl.col("external_id").is_null()
            | pl.col("_ts").is_null()
            | qty.is_null() | qty.is_nan() | qty.is_infinite()
            | (qty != qty.floor()) | (qty.abs() > INT_MAX["int"])
            | pl.col("_line_amount").is_null()
            | pl.col("currency").is_null()
            | pl.col("_type").is_null()
            | pl.col("_line_no").is_null()
            | pl.any_horizontal(pl.lit(False), *bad_money)
        ).then(MALFORMED)
        .when(pl.col("site_id").is_null() | pl.col("_tz").is_null()).then(UNKNOWN_LOCATION)
        .when(~pl.col("currency").is_in(list(CURRENCY_EXPONENTS))).then(BAD_CURRENCY)
        .when(pl.col("_utc").is_null()).then(MALFORMED)
        .when(pl.col("_utc") < earliest).then(TOO_EARLY)
        .when(pl.col("_utc") > latest).then(TOO_LATE)
        .when((pl.col("_type") == "sale") & (pl.col("_qty") < 0)).then(NEGATIVE_QUANTITY)
        .otherwise(0)
        .cast(pl.Int8)
    )
    out = parsed.with_columns(_code=code, _run=_transaction_key(parsed), _seg=runs)
    dup = out.select(
        (pl.col("_run").cast(pl.Int64) * 2**32 + pl.col("_line_no")).is_duplicated()
    ).to_series()
    if dup.any():
        out = _repeated_deliveries(out, dup)
    return out


def _repeated_deliveries(out: pl.DataFrame, dup: pl.Series) -> pl.DataFrame:
    """A transaction whose line numbers repeat in separate runs of lines was delivered twice
    in the file: its last run is the delivery that counts, whole, and the earlier runs'
    lines are REPEATED (quarantined as DUPLICATE_KEY). A number repeated within the lines
    that count is DUPLICATE_KEY and rejects the transaction, as before."""
    last_seg = pl.col("_seg").max().over("_run")
    redelivered = pl.col("_dup").any().over("_run") & (pl.col("_seg").n_unique().over("_run") > 1)
    out = out.with_columns(_dup=dup).with_columns(
        _superseded=redelivered & (pl.col("_seg") < last_seg),
        _winner_row=pl.col("_row").filter(pl.col("_seg") == last_seg).min().over("_run"),
    )
    still_dup = ~pl.col("_superseded") & (pl.len().over("_run", "_line_no", "_superseded") > 1)
    return out.with_columns(
        _code=pl.when(pl.col("_superseded")).then(REPEATED)
        .when(still_dup & (pl.col("_code") == 0)).then(DUPLICATE_KEY)
        .otherwise(pl.col("_code")).cast(pl.Int8)
    ).drop("_dup", "_superseded")


def _with_totals_checked(checked: pl.DataFrame) -> pl.DataFrame:
    """A transaction whose sums (net, discount, tax, items) would not fit their columns is
    TOTAL_OUT_OF_RANGE, every line of it, with the total named in `_total_note`."""
    sums = {"net_amount": "_line_amount", "discount": "_discount", "tax": "_tax",
            "item_count": "_qty"}
    sums = {name: col for name, col in sums.items() if col in checked.columns}
    totals = checked.lazy().filter(pl.col("_code") == 0).group_by("_run").agg(
        _signed(col).cast(pl.Float64).sum().alias(name) for name, col in sums.items()
    )
    limits = {name: float(INT_MAX["int"]) if name == "item_count" else float(MONEY_LIMIT)
              for name in sums}
    over = [pl.when(pl.col(name).abs() >= limits[name] if name != "item_count"
                    else pl.col(name).abs() > limits[name])
            .then(pl.format(f"{name} total {{}} is out of range "
                            f"({range_text('int' if name == 'item_count' else 'money')})",
                            pl.col(name).cast(pl.Int64) if name == "item_count"
                            else pl.col(name)))
            for name in sums]
    failing = totals.select("_run", pl.concat_str(over, separator="; ", ignore_nulls=True)
                            .alias("_total_note")).filter(
        pl.col("_total_note").is_not_null() & (pl.col("_total_note") != "")).collect()
    if failing.is_empty():
        return checked
    out = checked.join(failing, on="_run", how="left", maintain_order="left")
    return out.with_columns(
        _code=pl.when(pl.col("_total_note").is_not_null() & (pl.col("_code") == 0))
        .then(TOTAL_OUT_OF_RANGE).otherwise(pl.col("_code")).cast(pl.Int8))


_TEXT_FIELDS = ("sku", "product_name", "category", "staff_id", "customer_id", "payment_method",
                "type")


def _locations(ctx: LoadContext, system: str) -> dict[str, str]:
    frame = ctx.pos_locations
    if frame is None or frame.height == 0:
        return {}
    rows = frame.filter(pl.col("source_system") == system)
    return {str(k): str(v) for k, v in zip(rows["location_id"], rows["site_id"], strict=True)}


def _timezones(ctx: LoadContext) -> dict[str, str]:
    frame = ctx.sites
    if frame is None or frame.height == 0 or "timezone" not in frame.columns:
        return {}
    return {
        str(k): str(v)
        for k, v in zip(frame["site_id"], frame["timezone"], strict=True)
        if v is not None
    }


def _local_to_utc(frame: pl.DataFrame, timezones: dict[str, str]) -> pl.DataFrame:
    """Site-local naive times -> UTC, per (zone, local hour) rather than per row.

    Offsets change only at DST transitions, which fall on the hour, so the UTC shift of each
    distinct local hour in each zone is computed once on a small frame and looked up by an
    integer key. A local time in a DST gap does not exist and becomes null (quarantined as
    MALFORMED_ROW); in the repeated autumn hour the earlier (summer-time) instant is taken.
    """
    zones = sorted(zone for zone in set(timezones.values()) if is_time_zone(zone))
    # a site whose zone polars cannot read has no zone: its lines are UNKNOWN_LOCATION
    zone_of_site = {site: zones.index(zone) for site, zone in timezones.items()
                    if zone in zones}
    frame = frame.with_columns(
        _tz=pl.col("site_id").replace_strict(zone_of_site, default=None, return_dtype=pl.Int64),
    )
    key = pl.col("_ts").dt.truncate("1h").dt.epoch("s") // 3600 * 1024 + pl.col("_tz")
    keys = frame.select(_key=key).get_column("_key")
    hours = pl.DataFrame({"_key": keys.drop_nulls().unique()}).with_columns(
        _zone=pl.col("_key") % 1024,
        _hour=pl.from_epoch(pl.col("_key") // 1024 * 3600, time_unit="s").cast(
            pl.Datetime("us")),
    )
    shifts = []
    for index, zone in enumerate(zones):
        part = hours.filter(pl.col("_zone") == index)
        if part.height:
            utc = (
                pl.col("_hour")
                .dt.replace_time_zone(zone, ambiguous="earliest", non_existent="null")
                .dt.convert_time_zone("UTC")
                .dt.replace_time_zone(None)
            )
            shifts.append(part.select("_key", _shift=utc - pl.col("_hour")))
    if not shifts:
        return frame.with_columns(_utc=pl.lit(None, pl.Datetime("us", "UTC")))
    table = pl.concat(shifts)
    shift = keys.replace_strict(
        table["_key"], table["_shift"], default=None, return_dtype=pl.Duration("us")
    )
    return frame.with_columns(
        _utc=(pl.col("_ts") + shift).dt.replace_time_zone("UTC")
    )



def _signed(name: str) -> pl.Expr:
    """Return lines as positive magnitudes, whatever sign the export gives them."""
    return pl.when(pl.col("_type") == "return").then(pl.col(name).abs()).otherwise(pl.col(name))


def _lines(good: pl.DataFrame, mapping: Mapping) -> pl.DataFrame:
    cols = mapping.columns
    return good.select(
        source_system=pl.lit(mapping.source_system),
        external_id="external_id",
        line_no="_line_no",
        sku="sku",
        product_name="product_name",
        category="category",
        quantity=_signed("_qty").cast(pl.Int32),
        unit_price=_signed("_unit_price") if "unit_price" in cols else pl.lit(None, MONEY),
        line_amount=_signed("_line_amount"),
    ).cast(LINE_SCHEMA)


def _transactions(good: pl.DataFrame, mapping: Mapping, salt: str) -> pl.DataFrame:
    cols = mapping.columns
    discount = _signed("_discount") if "discount" in cols else pl.lit(None, MONEY)
    tax = _signed("_tax") if "tax" in cols else pl.lit(None, MONEY)
    sums = [pl.col("_net").sum(), pl.col("_q").sum()]
    if "discount" in cols:
        sums.append(pl.col("_disc").sum())
    if "tax" in cols:
        sums.append(pl.col("_tx").sum())
    grouped = (
        good.lazy()
        .with_columns(_net=_signed("_line_amount"), _disc=discount, _tx=tax,
                      _q=_signed("_qty").cast(pl.Int64))
        .group_by("_run")
        .agg(
            pl.col("external_id").first(),
            pl.col("site_id", "_utc", "_type", "currency", "staff_id", "customer_id",
                   "payment_method").first(),
            *sums,
        )
    )
    none = pl.lit(None, MONEY)
    disc = pl.col("_disc") if "discount" in cols else none
    frame = grouped.collect()
    if "customer_id" in cols:
        frame = frame.with_columns(
            customer_id=hash_customers(frame["customer_id"], salt, mapping.source_system)
        )
    return (
        frame.select(
            source_system=pl.lit(mapping.source_system),
            external_id="external_id",
            site_id="site_id",
            ts="_utc",
            type="_type",
            gross_amount=pl.col("_net") + disc,
            discount=disc,
            tax=pl.col("_tx") if "tax" in cols else none,
            net_amount="_net",
            currency="currency",
            item_count="_q",
            staff_id="staff_id",
            customer_id="customer_id",
            payment_method="payment_method",
        )
        .cast(TRANSACTION_SCHEMA)
    )


@dataclass(frozen=True)
class _Explain:
    """What the reasons of rejected rows are worked out from."""

    mapping: Mapping
    timezones: dict[str, str]
    earliest: dict[str, datetime]
    now: datetime


def _reason(row: dict[str, Any], why: _Explain) -> str:
    """Why a row failed, worked out for quarantined rows only."""
    mapping = why.mapping
    code = row["_code"]
    if code == REPEATED:
        return (f"transaction {row['external_id']!r} is delivered again from line "
                f"{row['_winner_row']}; the last occurrence is the one loaded, whole")
    if code == TOTAL_OUT_OF_RANGE:
        return f"transaction {row['external_id']!r}: {row['_total_note']}"
    ts_column = f"ts (column {mapping.columns['ts']})"
    if code == TOO_EARLY:
        earliest = why.earliest.get(row["site_id"], plausible_time.EARLIEST_ANY)
        return plausible_time.too_early_reason(ts_column, row["ts"], earliest)
    if code == TOO_LATE:
        return plausible_time.too_late_reason(ts_column, row["ts"], why.now)
    if code == MALFORMED:
        for name in ("external_id", "ts", "quantity", "line_amount", "currency"):
            if row[name] is None:
                return f"missing {name} (column {mapping.columns[name]})"
        if row["_ts"] is None:
            return f"timestamp {row['ts']!r} does not match {mapping.timestamp_format!r}"
        qty = row["_qty"]
        if qty is None or not math.isfinite(qty) or qty != int(qty):
            return (f"quantity {row['quantity']!r} (column {mapping.columns['quantity']}) is "
                    "not an integer")
        if abs(qty) > INT_MAX["int"]:
            return (f"quantity {row['quantity']!r} (column {mapping.columns['quantity']}) is "
                    f"out of range ({range_text('int')})")
        if row["_type"] is None:
            return f"unknown type value {row['type']!r}"
        if row["_line_no"] is None:
            return f"line_no {row.get('line_no')!r} is not an integer"
        for name in MONEY_FIELDS:
            if name in mapping.columns and row[f"_{name}"] is None and row[name] is not None:
                return f"{name} {row[name]!r} (column {mapping.columns[name]}) is " + (
                    f"out of range ({range_text('money')})" if _finite(row[name]) else
                    "not a number")
        return f"local time {row['ts']!r} does not exist at site {row['site_id']} (DST gap)"
    if code == UNKNOWN_LOCATION:
        if row["site_id"] is None:
            return f"location {row['location_id']!r} is not in pos_locations"
        zone = why.timezones.get(row["site_id"])
        if zone is not None:
            return f"site {row['site_id']!r} has time zone {zone!r}, which is not an IANA zone"
        return f"site {row['site_id']!r} has no time zone in sites"
    if code == BAD_CURRENCY:
        return f"unknown currency {row['currency']!r}"
    if code == NEGATIVE_QUANTITY:
        return f"negative quantity {row['quantity']!r} on a sale"
    return f"external_id {row['external_id']!r} line {row['_line_no']} appears twice"


def _finite(text: str) -> bool:
    """Whether a money text is a finite number (then a null cast means: out of range)."""
    try:
        return math.isfinite(float(text.replace(",", ".")))
    except ValueError:
        return False


def _quarantine(
    result: ParseResult, raw: pl.DataFrame, rejected: pl.DataFrame, why: _Explain,
    salt: str,
) -> None:
    """Every line of a rejected transaction, with the original row (customer id hashed)."""
    mapping = why.mapping
    originals = raw.with_row_index("_row", offset=2).join(
        rejected.select("_row"), on="_row", how="semi"
    )
    customer_col = mapping.columns.get("customer_id")
    if customer_col is not None:
        originals = originals.with_columns(
            hash_customers(originals[customer_col].str.strip_chars(), salt,
                           mapping.source_system)
        )
    raw_lines = dict(zip(
        originals["_row"].to_list(),
        originals.drop("_row").write_csv(include_header=False, separator=mapping.delimiter)
        .splitlines(),
        strict=True,
    ))
    # times as text: a parsed year -26 has no Python datetime (the reasons need only nulls)
    rows = rejected.sort("_row").with_columns(pl.col(pl.Datetime).cast(pl.String)).to_dicts()
    first_reason: dict[str, tuple[str, str]] = {}
    reasons: dict[int, tuple[str, str]] = {}
    for row in rows:
        if row["_code"]:
            reason = (_CODES[row["_code"]], _reason(row, why))
            reasons[row["_row"]] = reason
            if row["external_id"] is not None:
                first_reason.setdefault(row["external_id"], (reason[0], f"line {row['_row']}: "
                                                              f"{reason[1]}"))
    for row in rows:
        code, reason = reasons.get(row["_row"]) or (
            first_reason[row["external_id"]][0],
            f"transaction {row['external_id']} rejected, {first_reason[row['external_id']][1]}",
        )
        result.reject(code, reason, raw_lines.get(row["_row"]), row["_row"])
