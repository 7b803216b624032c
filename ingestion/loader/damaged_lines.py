"""Damaged lines of a landed CSV, taken out before its parser sees the file.

One byte that is not UTF-8 makes a CSV reader refuse the whole file, and one unmatched
quote makes it read the rest of the file as one field. Both are damage to one line, so the
loader screens every `.csv` file (sensors, POS and reference alike, whatever its parser)
before parsing: such a line is quarantined on its own (MALFORMED_ROW, with its text) and
the parser gets the file without it. Line numbers the parser reports (its rejects'
`line_no`, a `_line_no` column) are mapped back to the landed file's lines.

The header (line 1) is never taken out: without it no line can be read, and the parser
quarantines the file. A quoted field may span lines (a newline inside quotes); a quote left
open for more than MAX_RECORD_LINES lines, or to the end of the file, is damage to the line
that opened it. The common file pays two C-speed scans (ASCII or UTF-8, any quote at all).
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import polars as pl

from ingestion.records import MALFORMED_ROW, QuarantinedRow

SCREENED_SUFFIXES = (".csv",)
MAX_RECORD_LINES = 20  # physical lines one quoted record may span
_FIELD_SEPARATORS = re.compile(r"[,;\t|]")


@dataclass
class Screened:
    """The file without its damaged lines, the rejects, and where each kept line was."""

    content: bytes
    rejects: list[QuarantinedRow] = field(default_factory=list)
    origin: list[int] = field(default_factory=list)  # kept line k (1-based) -> origin[k - 1]

    def fields(self) -> frozenset[str]:
        """Every field of the damaged lines, as far as they read: a POS transaction whose
        id is among them loses a line here, so it is rejected whole (the loader)."""
        out = set()
        for reject in self.rejects:
            text = (reject.raw_content or "").replace('"', "")
            out.update(f.strip() for f in _FIELD_SEPARATORS.split(text) if f.strip())
        return frozenset(out)

    def original_line(self, line_no: int | None) -> int | None:
        if line_no is None or not 0 < line_no <= len(self.origin):
            return line_no
        return self.origin[line_no - 1]


def _utf8_error(line: bytes) -> str | None:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError as error:
        return f"byte {error.start + 1} ({line[error.start:error.start + 1]!r}) is not UTF-8"
    return None


def screen(content: bytes, source_file: str) -> Screened | None:
    """The file with its damaged lines taken out; None when it has none (or is no CSV)."""
    if not source_file.lower().endswith(SCREENED_SUFFIXES):
        return None
    valid = content.isascii() or _utf8_error(content) is None
    odd = _odd_quote_lines(content) if b'"' in content else set()
    if valid and not odd:
        return None
    lines = content.split(b"\n")
    bad_encoding = set() if valid else {i for i, line in enumerate(lines)
                                        if i and _utf8_error(line)}
    damaged = _damaged(lines, bad_encoding, odd)
    if not damaged:
        return None
    kept = [i for i in range(len(lines)) if i not in damaged]
    out = Screened(b"\n".join(lines[i] for i in kept), origin=[i + 1 for i in kept])
    for i in sorted(damaged):
        out.rejects.append(QuarantinedRow(MALFORMED_ROW, f"line {i + 1}: {damaged[i]}",
                                          lines[i].decode("utf-8", "replace").rstrip("\r"),
                                          i + 1))
    return out


def _odd_quote_lines(content: bytes) -> set[int]:
    """Lines (0-based) with an odd number of `"`: each opens or closes a quoted field.

    Counted with numpy over the bytes (a 1M-line POS export in milliseconds, where a loop
    over its lines took ~0.2 s)."""
    data = np.frombuffer(content, dtype=np.uint8)
    quotes = np.flatnonzero(data == ord('"'))
    newlines = np.flatnonzero(data == ord("\n"))
    per_line = np.bincount(np.searchsorted(newlines, quotes), minlength=newlines.size + 1)
    return set(np.flatnonzero(per_line % 2).tolist())


def _fields(text: bytes, delimiter: str) -> int:
    try:
        return len(next(csv.reader(io.StringIO(text.decode("utf-8", "replace")),
                                   delimiter=delimiter, strict=True)))
    except (csv.Error, StopIteration):
        return -1


def _damaged(lines: list[bytes], bad_encoding: set[int], odd: set[int]) -> dict[int, str]:
    """Line (0-based) -> why it is damaged.

    A line with an odd number of quotes opens a record that spans lines when a later line
    (within MAX_RECORD_LINES) closes it and the lines joined have the header's number of
    fields; otherwise its quote is unmatched.
    """
    damaged = {i: f"{_utf8_error(lines[i])}: the line is not readable text"
               for i in bad_encoding}
    header = lines[0].decode("utf-8", "replace")
    delimiter = max(",;\t|", key=header.count)
    width = _fields(lines[0], delimiter)
    i = 1
    while i < len(lines):
        if i in damaged or i not in odd:
            i += 1
            continue
        closing = next((j for j in range(i + 1, min(len(lines), i + MAX_RECORD_LINES))
                        if j in odd and j not in damaged), None)
        if closing is None or _fields(b"\n".join(lines[i:closing + 1]), delimiter) != width:
            damaged[i] = "an unmatched quote (\"): the line cannot be read as CSV"
            i += 1
            continue
        i = closing + 1  # a record whose quoted field spans lines i..closing
    return damaged


def remap_frame(frame: pl.DataFrame, column: str, screened: Screened) -> pl.DataFrame:
    """A frame's `column` of line numbers mapped back to the landed file's lines."""
    kept = list(range(1, len(screened.origin) + 1))
    return frame.with_columns(pl.col(column).cast(pl.Int64, strict=False)
                              .replace(kept, screened.origin))
