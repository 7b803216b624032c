"""The loader's entry point: pick the vendor parser from the landing path, never raise.

`sensors/<vendor>/<device>/<file>`: the vendor is the second path part (docs/landing-layout.md).
Anything a parser cannot read becomes one UNREADABLE_FILE quarantine row (line_no None) with
the file's text, so a fixed parser can replay it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import PurePosixPath
from typing import Any

from ingestion.records import UNREADABLE_FILE, LoadContext, ParseResult
from ingestion.sensors import (
    axis,
    generic_csv,
    hikvision,
    milesight,
    milesight_lorawan,
    vivotek,
    xovis,
)
from ingestion.sensors.extract import Extract
from ingestion.sensors.finish import finish

PARSERS: dict[str, Callable[[bytes, Any], Extract]] = {
    "milesight": milesight.parse,
    "milesight-lorawan": milesight_lorawan.parse,
    "axis": axis.parse,
    "hikvision": hikvision.parse,
    "xovis": xovis.parse,
    "vivotek": vivotek.parse,
    "generic": generic_csv.parse,
}
MAX_RAW_CHARS = 10_000_000  # a quarantined unreadable file keeps at most this much text


def vendor_of(source_file: str) -> str:
    parts = PurePosixPath(source_file).parts
    return parts[1].lower() if len(parts) >= 3 and parts[0] == "sensors" else ""


def parse_sensor_file(content: bytes, ctx: LoadContext) -> ParseResult:
    """Parse one landed sensor file into canonical frames and quarantined rows."""
    vendor = vendor_of(ctx.source_file)
    parser = PARSERS.get(vendor)
    if parser is None:
        return _unreadable(f"sensor_{vendor or 'unknown'}", content,
                           f"no sensor parser for folder {vendor!r} ({ctx.source_file})")
    try:
        extract = parser(content, ctx)
    except Exception as exc:  # bad input of any kind must not stop the load
        return _unreadable(vendor.replace("-", "_"), content,
                           f"{type(exc).__name__}: {exc}"[:1000])
    try:
        return finish(extract, ctx, content)
    except Exception as exc:
        return _unreadable(extract.source_format, content,
                           f"{type(exc).__name__} while resolving rows: {exc}"[:1000])


def _unreadable(source_format: str, content: bytes, reason: str) -> ParseResult:
    result = ParseResult(source_format)
    result.reject(UNREADABLE_FILE, reason,
                  content.decode("utf-8", errors="replace")[:MAX_RAW_CHARS], None)
    return result
