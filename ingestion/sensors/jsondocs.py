"""Reading JSON payload files: one document, an array of documents, or JSON Lines.

A push collector writes one document per line (JSONL); a saved API response or a vendor
example is one pretty-printed document. A bad line in JSONL is quarantined on its own; the
rest of the file still loads.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from ingestion.records import MALFORMED_ROW

_COMMENT = re.compile(r"//[^\"\n]*$", re.MULTILINE)
_BARE_LIST = re.compile(r"\[([^\[\]\"{}]*[A-Za-z_][^\[\]\"{}]*)\]")
_MISSING_COMMA = re.compile(r"([\]}\"\d]|true|false|null)([ \t]*\r?\n\s*\")")
_TRAILING_COMMA = re.compile(r",(\s*[}\]])")


class UnreadableJson(ValueError):
    """The file is not JSON, not JSON Lines, and not repairable."""


def documents(content: bytes, lenient: bool = False) -> Iterator[tuple[int | None, Any, str | None,
                                                                      str | None]]:
    """Yield (line_no, document, raw_text, error) per document.

    line_no is the JSONL line (1-based) or the array position (1-based); None for a file
    that is a single document. A JSONL line that does not parse yields error text instead
    of a document. With `lenient`, a single document that is not valid JSON is repaired
    (comments, bare words in lists, missing or trailing commas) before giving up.
    """
    text = content.lstrip(b"\xef\xbb\xbf")
    stripped = text.strip()
    if not stripped:
        return
    try:
        whole = orjson.loads(stripped)
    except orjson.JSONDecodeError:
        whole = _NOTHING
    if whole is not _NOTHING:
        if isinstance(whole, list):
            for i, doc in enumerate(whole, start=1):
                yield i, doc, None, None
        else:
            yield None, whole, None, None
        return
    lines = text.splitlines()
    if _is_json_lines(lines):
        loads = orjson.loads
        for i, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield i, loads(line), None, None
            except orjson.JSONDecodeError as exc:
                yield i, None, line.decode("utf-8", errors="replace"), f"{MALFORMED_ROW}: {exc}"
        return
    if lenient:
        repaired = repair(stripped.decode("utf-8", errors="replace"))
        try:
            yield None, orjson.loads(repaired), None, None
            return
        except orjson.JSONDecodeError as exc:
            raise UnreadableJson(f"not JSON even after lenient repair: {exc}") from exc
    raise UnreadableJson("neither a JSON document nor JSON Lines")


def repair(text: str) -> str:
    """Best-effort fixes for hand-written vendor examples (documented in docs/sensors.md)."""
    text = _COMMENT.sub("", text)
    text = _BARE_LIST.sub(
        lambda m: "[" + ", ".join(
            item if _is_number(item) else orjson.dumps(item).decode()
            for item in (part.strip() for part in m.group(1).split(",")) if item
        ) + "]",
        text,
    )
    text = _MISSING_COMMA.sub(r"\1,\2", text)
    return _TRAILING_COMMA.sub(r"\1", text)


def _is_number(item: str) -> bool:
    try:
        float(item)
    except ValueError:
        return item in ("true", "false", "null")
    return True


def _is_json(line: bytes) -> bool:
    try:
        orjson.loads(line)
    except orjson.JSONDecodeError:
        return False
    return True


_SAMPLE_LINES = 20


def _is_json_lines(lines: list[bytes]) -> bool:
    """JSON Lines: the first line is a document, or (that line damaged) most of the first
    lines are objects. A pretty-printed document has at most a few one-line objects among
    its fragments (`{`, `"key": 1,`), so it is not mistaken for JSON Lines."""
    filled = [line.strip() for line in lines if line.strip()]
    if not filled:
        return False
    if _is_json(filled[0]):
        return True
    sample = filled[1:_SAMPLE_LINES + 1]
    objects = sum(1 for line in sample if line.startswith(b"{") and _is_json(line))
    return len(sample) > 0 and objects * 2 > len(sample)


_NOTHING = object()


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while many small acyclic dicts are built."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
