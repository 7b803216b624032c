"""parse_pos_file: the one entry point the loader calls for every file under pos/.

The folder names the format (docs/landing-layout.md): pos/shopify/..., pos/square/...,
pos/generic/<name>/*.csv with its mapping.yaml beside it. Bad input never raises: it comes
back as quarantined rows (or one whole-file row) in the ParseResult.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import polars as pl

from ingestion.pos.frames import LINE_SCHEMA, LINES, TRANSACTION_SCHEMA, TRANSACTIONS
from ingestion.pos.generic_csv import SOURCE_FORMAT as GENERIC_FORMAT
from ingestion.pos.generic_csv import parse_generic_csv
from ingestion.pos.generic_mapping import Mapping, MappingError
from ingestion.pos.shopify import parse_shopify
from ingestion.pos.square import parse_square
from ingestion.records import LoadContext, ParseResult

MAPPING_FILE = "mapping.yaml"


def parse_pos_file(
    content: bytes, ctx: LoadContext, *, landing_dir: Path | None = None
) -> ParseResult:
    """Parse one landed POS file into pos_transactions / pos_transaction_lines frames.

    `landing_dir` is the landing root; the generic CSV's mapping.yaml is read from the
    file's folder under it.
    """
    parts = PurePosixPath(ctx.source_file).parts
    if len(parts) >= 3 and parts[0] == "pos" and parts[1] == "shopify":
        return parse_shopify(content, ctx)
    if len(parts) >= 3 and parts[0] == "pos" and parts[1] == "square":
        return parse_square(content, ctx)
    if len(parts) >= 4 and parts[0] == "pos" and parts[1] == "generic":
        if parts[-1] == MAPPING_FILE:
            return _empty("pos_generic_mapping")  # configuration, not data
        return _parse_generic(content, ctx, landing_dir)
    result = _empty("pos_unknown")
    result.reject("UNREADABLE_FILE", f"no POS parser for {ctx.source_file}")
    return result


def _parse_generic(content: bytes, ctx: LoadContext, landing_dir: Path | None) -> ParseResult:
    folder = PurePosixPath(ctx.source_file).parent
    if landing_dir is None:
        result = _empty(GENERIC_FORMAT)
        result.reject("BAD_MAPPING", f"landing root unknown: cannot find {folder}/{MAPPING_FILE}")
        return result
    try:
        mapping = Mapping.from_file(Path(landing_dir) / folder / MAPPING_FILE)
    except (MappingError, OSError) as exc:
        result = _empty(GENERIC_FORMAT)
        result.reject("BAD_MAPPING", str(exc))
        return result
    return parse_generic_csv(content, ctx, mapping)


def _empty(source_format: str) -> ParseResult:
    return ParseResult(
        source_format,
        tables={
            TRANSACTIONS: pl.DataFrame(schema=TRANSACTION_SCHEMA),
            LINES: pl.DataFrame(schema=LINE_SCHEMA),
        },
    )
