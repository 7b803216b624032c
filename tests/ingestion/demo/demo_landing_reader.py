"""Small, independent readers of the demo's files for the tests (not the real parsers).

They read only what the demo writes, in each file's own terms (local times as written),
so a test can check the generator without trusting the code under test.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import xml.etree.ElementTree as ET
from collections import defaultdict
from datetime import datetime
from pathlib import Path

NS = {"h": "http://www.hikvision.com/ver20/XMLSchema"}


def tree_digest(root: Path) -> str:
    """sha256 over every file's relative path, bytes and mtime."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
        digest.update(str(int(path.stat().st_mtime)).encode())
    return digest.hexdigest()


def reference(landing: Path, name: str) -> list[dict[str, str]]:
    with (landing / "reference" / f"{name}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def header(path: Path) -> list[str]:
    with path.open(encoding="utf-8") as handle:
        return next(csv.reader(handle))


def milesight_docs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def milesight_line(path: Path, line: int) -> list[tuple[datetime, int, int]]:
    """(start with offset, in, out) of one line from a periodic JSONL file."""
    rows = []
    for doc in milesight_docs(path):
        for item in doc["line_periodic_data"]:
            if item["line"] == line:
                start = datetime.fromisoformat(doc["time_info"]["start_time"])
                rows.append((start, item["total"]["in"], item["total"]["out"]))
    return rows


def axis_rows(path: Path) -> list[tuple[str, str, int, int]]:
    with path.open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        next(reader)
        return [(s, e, int(i), int(o)) for s, e, i, o in reader]


def hikvision_rows(path: Path) -> list[tuple[str, str, int, int]]:
    root = ET.parse(path).getroot()
    return [
        (el.findtext("h:timeSpan/h:startTime", namespaces=NS),
         el.findtext("h:timeSpan/h:endTime", namespaces=NS),
         int(el.findtext("h:enterCount", namespaces=NS)),
         int(el.findtext("h:exitCount", namespaces=NS)))
        for el in root.findall("h:matchList/h:matchElement", NS)
    ]


def daily_entrance(landing: Path, serial: str, line: int = 1) -> dict[str, int]:
    """Local date -> entries on a periodic Milesight line."""
    totals: dict[str, int] = defaultdict(int)
    for path in sorted((landing / "sensors" / "milesight" / serial).glob("????-??-??.jsonl")):
        for start, count_in, _ in milesight_line(path, line):
            totals[start.date().isoformat()] += count_in
    return dict(totals)


def hourly_entrance(landing: Path, serial: str, line: int = 1) -> dict[int, int]:
    """Local hour -> entries over the whole window on a periodic Milesight line."""
    totals: dict[int, int] = defaultdict(int)
    for path in sorted((landing / "sensors" / "milesight" / serial).glob("????-??-??.jsonl")):
        for start, count_in, _ in milesight_line(path, line):
            totals[start.hour] += count_in
    return dict(totals)


def shopify_orders(landing: Path) -> list[dict]:
    orders = []
    for path in sorted((landing / "pos" / "shopify").glob("*.json")):
        orders += json.loads(path.read_text(encoding="utf-8"))["orders"]
    return orders


def mtime(path: Path) -> int:
    return int(os.stat(path).st_mtime)
