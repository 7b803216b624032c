"""A seeded mutation loop over every vendor sample and every demo format (issue 12).

Each landed file is copied with damage — truncated, stray bytes, another encoding, an
out-of-range number, a date in 1900 or 2099, a NUL, a line dropped or repeated, a slice of
garbage — and every copy is loaded, one file at a time, into DuckDB and PostgreSQL. For
each file: the load does not raise, the file is in the manifest, the quarantine rows and
loaded rows the manifest records are the ones stored, and the rows loaded plus the rows
quarantined account for the whole file: every data line of a CSV or JSON Lines file is a
loaded row or a quarantine row naming that line, a file quarantined whole has one row for
it, and a document that held rows before the damage is not silently empty after it.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path, PurePosixPath

import pytest

from ingestion.demo import generate_demo
from ingestion.loader import load_file, load_landing
from ingestion.records import LoadContext
from ingestion.schemas import FACT_TABLES
from ingestion.sensors.cumulative import SENSOR_COUNTER_READINGS
from ingestion.sensors.dispatch import PARSERS
from tests.ingestion import bad_input_warehouse
from tests.ingestion.bad_input_warehouse import Warehouse

wh = bad_input_warehouse.wh  # the fixture: one warehouse of each kind

SEED = 20261201
COPIES = 3  # mutated copies per sample and demo file
SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "vendor-samples"
# sample folder (or file) -> landing folder; the other sample folders are export payloads
LANDED_AS = {"axis": "sensors/axis", "hikvision": "sensors/hikvision",
             "milesight": "sensors/milesight", "shopify": "pos/shopify",
             "square": "pos/square",
             "other-csv/axis_queue_monitor_export_csv_5h.csv": "sensors/axis",
             "other-csv/vivotek_sc8131_report_push.csv": "sensors/vivotek",
             "other-csv/vivotek_sc8131_report_push.json": "sensors/vivotek"}
DEMO_FORMATS = ("sensors/axis", "sensors/milesight", "sensors/hikvision", "sensors/generic",
                "pos/shopify", "pos/square", "pos/generic")
TABLES = (*FACT_TABLES, SENSOR_COUNTER_READINGS)
# source formats where one CSV data line is one row of one table (None: any table)
ONE_ROW_PER_LINE = {"generic_sensor_csv": None, "axis_a3dpc_csv": None,
                    "axis_a3dpc_occupancy_csv": None, "axis_tvpc_csv": None,
                    "pos_generic": "pos_transaction_lines"}
# a header rejected with its line: a second quarantine row for one data line
NOT_A_LINE = {"LINE_REJECTED"}


@dataclass
class Landed:
    rel: str
    original: str | None  # the rel of the undamaged file it was made from; None: itself
    mutation: str


def _numbers(text: bytes) -> list[re.Match[bytes]]:
    return list(re.finditer(rb"(?<![\w.])\d{1,6}(?![\w.])", text))


def mutate(content: bytes, kind: int, rng: random.Random, is_json: bool) -> tuple[str, bytes]:
    """One damaged copy of `content`: (mutation name, bytes)."""
    n = len(content)
    at = rng.randrange(n) if n else 0
    if kind == 0:
        return "truncated", content[:max(1, at)]
    if kind == 1:
        out = bytearray(content)
        for _ in range(rng.randint(1, 3)):
            out.insert(rng.randrange(len(out) + 1), rng.choice(b'\x00\xff\xfe"\n<{,\r'))
        return "stray bytes", bytes(out)
    if kind == 2:
        text = content.decode("utf-8", "replace")
        choice = rng.randrange(4)
        if choice == 0:
            return "utf-16", text.encode("utf-16")
        if choice == 1:
            return "latin-1", text.replace("\ufffd", "?").encode("latin-1", "replace")
        if choice == 2:
            return "utf-8 bom", b"\xef\xbb\xbf" + content
        return "crlf", content.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    if kind == 3:
        numbers = _numbers(content)
        if not numbers:
            return "no number", content
        match = rng.choice(numbers)
        value = rng.choice([b"2147483648", b"99999999999999999999", b"-5", b"NaN", b"1e308"])
        return "out of range", content[:match.start()] + value + content[match.end():]
    if kind == 4:
        years = list(re.finditer(rb"20\d\d", content))
        if not years:
            return "no date", content
        match = rng.choice(years)
        return "year", content[:match.start()] + rng.choice([b"1900", b"2099"]) + content[
            match.end():]
    if kind == 5:
        if is_json:
            quote = content.find(b'"', at)
            where = quote + 1 if quote >= 0 else at
            return "nul", content[:where] + b"\\u0000" + content[where:]
        return "nul", content[:at] + b"\x00" + content[at:]
    if kind == 6:
        lines = content.split(b"\n")
        if len(lines) < 3:
            return "one line", content
        i = rng.randrange(1, len(lines) - 1)
        if rng.random() < 0.5:
            return "line dropped", b"\n".join(lines[:i] + lines[i + 1:])
        return "line repeated", b"\n".join(lines[:i + 1] + lines[i:])
    length = rng.randint(1, 40)
    return "garbage", content[:at] + bytes(rng.randrange(256) for _ in range(length)) + content[
        at + length:]


KINDS = 8


def _serials(content: bytes, vendor: str, rel: str) -> set[tuple[str, str]]:
    """(device serial or name, line or zone ref) an undamaged sample names, to register."""
    parser = PARSERS.get(vendor)
    if parser is None:
        return set()
    ctx = LoadContext(source_file=rel, delivered_at=datetime.now(UTC), now=datetime.now(UTC))
    try:
        extract = parser(content, ctx)
    except Exception:  # a sample our parsers refuse (an error payload) registers nothing
        return set()
    found = set()
    for frames in extract.frames.values():
        for frame in frames:
            ref = next((c for c in ("zone_ref", "line_ref") if c in frame.columns), None)
            refs = frame[ref].to_list() if ref else [None] * frame.height
            for col in ("device_serial", "device_name"):
                for device, ref in zip(frame[col].to_list(), refs, strict=True):
                    if device:
                        found.add((device, ref or "1"))
    return found


def land_everything(landing: Path, demo: Path) -> list[Landed]:
    """The demo's reference files, every sample and demo file with their damaged copies,
    and a sensors.csv registering the devices they name; files in load order."""
    rng = random.Random(SEED)
    originals: list[tuple[str, bytes]] = []
    for source, folder in LANDED_AS.items():
        paths = sorted((SAMPLES / source).iterdir()) if (SAMPLES / source).is_dir() else [
            SAMPLES / source]
        for path in (p for p in paths if p.is_file()):
            sub = f"/fz{len(originals):03d}" if folder.startswith("sensors/") else ""
            originals.append((f"{folder}{sub}/{path.name.replace(' ', '_')}",
                              path.read_bytes()))
    for prefix in DEMO_FORMATS:
        path = next(p for p in sorted(demo.rglob("*")) if p.is_file()
                    and p.relative_to(demo).as_posix().startswith(prefix)
                    and p.name != "mapping.yaml")
        originals.append((path.relative_to(demo).as_posix(), path.read_bytes()))
    for path in sorted((demo / "reference").iterdir()):
        _write(landing, f"reference/{path.name}", path.read_bytes())
    mapping = next(demo.rglob("mapping.yaml"))
    _write(landing, mapping.relative_to(demo).as_posix(), mapping.read_bytes())
    site = (demo / "reference/sites.csv").read_text().splitlines()[1].split(",")[0]
    registered = []
    landed: list[Landed] = []
    for n, (rel, content) in enumerate(originals):
        folder = PurePosixPath(rel).parent.as_posix()
        vendor = rel.split("/")[1]
        if rel.startswith("sensors/") and "/fz" in rel:
            devices = _serials(content, vendor, rel) | {(folder.rsplit("/", 1)[-1], "1")}
            registered += [(device, ref, vendor) for device, ref in sorted(devices)]
        landed.append(Landed(rel, None, "none"))
        _write(landing, rel, content)
        seen = {content}
        for copy in range(COPIES):
            kind = (n + copy * 3) % KINDS
            name, damaged = mutate(content, kind, rng, rel.endswith((".json", ".jsonl")))
            if damaged in seen:
                continue
            seen.add(damaged)
            path = PurePosixPath(rel)
            copy_rel = f"{folder}/{path.stem}.fz{copy}{path.suffix}"
            _write(landing, copy_rel, damaged)
            landed.append(Landed(copy_rel, rel, name))
    sensors = (demo / "reference/sensors.csv").read_text()
    header = sensors.splitlines()[0].split(",")
    extra = []
    for i, (device, ref, vendor) in enumerate(dict.fromkeys(registered)):
        row = {"sensor_id": f"fz_sensor_{i:03d}", "line_id": ref, "site_id": site,
               "vendor": vendor, "device_serial": device, "line_role": "entrance",
               "interval_minutes": "15", "is_direction_inverted": "false"}
        extra.append(",".join(row.get(c, "") for c in header))
    _write(landing, "reference/sensors.csv",
           (sensors.rstrip("\n") + "\n" + "\n".join(extra) + "\n").encode())
    return landed


def _write(landing: Path, rel: str, content: bytes) -> None:
    path = landing / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


def data_lines(content: bytes, rel: str) -> list[int] | None:
    """Line numbers holding records for line formats (CSV: after the header), else None."""
    if not rel.endswith((".csv", ".jsonl")):
        return None
    lines = content.split(b"\n")
    first = 1 if rel.endswith(".csv") else 0
    return [i + 1 for i, line in enumerate(lines) if i >= first and line.strip()]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    landing = tmp_path_factory.mktemp("fuzz-demo") / "landing"
    generate_demo(landing, stores=8, days=1, seed=3)
    return landing


def test_every_damaged_file_is_loaded_or_quarantined_whole_or_per_line(wh: Warehouse,
                                                                         demo: Path):
    landed = land_everything(wh.landing, demo)
    now = datetime.now(UTC)
    load_landing(wh.conn, wh.dialect, wh.landing, settings=wh.settings, now=now,
                 only=lambda rel: rel.startswith("reference/"))
    totals: dict[str, int] = {}
    problems = []
    base = now - timedelta(days=400)
    for i, file in enumerate(landed):
        path = wh.landing / file.rel
        stamp = (base + timedelta(minutes=i)).timestamp()  # each file a later delivery
        os.utime(path, (stamp, stamp))
        report = load_file(wh.conn, wh.dialect, wh.landing, path, settings=wh.settings,
                           now=now)
        problem = _account(wh, file, path.read_bytes(), report, totals)
        if problem:
            problems.append(f"{file.rel} ({file.mutation}): {problem}")
    assert not problems, "\n".join(problems)
    rerun = load_landing(wh.conn, wh.dialect, wh.landing, settings=wh.settings, now=now)
    assert rerun.files_skipped == rerun.files_seen  # nothing is loaded twice


def _account(wh: Warehouse, file: Landed, content: bytes, report, totals: dict[str, int]
             ) -> str | None:
    manifest = wh.rows("select rows_loaded, rows_quarantined, source_format "
                       "from raw.load_manifest where path = %s", [file.rel])
    if not manifest:
        return f"not in the manifest ({report.status})"
    rows_loaded, rows_quarantined, source_format = manifest[0]
    quarantine = wh.rows("select line_no, reason_code from raw.quarantine "
                         "where source_file = %s", [file.rel])
    if len(quarantine) != rows_quarantined or report.total_quarantined != rows_quarantined:
        return (f"{len(quarantine)} quarantine rows stored, the manifest says "
                f"{rows_quarantined}, the report {report.total_quarantined}")
    if report.total_loaded != rows_loaded:
        return f"report says {report.total_loaded} loaded, the manifest {rows_loaded}"
    stored = {t.name: wh.rows(f"select count(*) from {t.qualified} where source_file = %s",
                              [file.rel])[0][0] for t in TABLES}
    for table, n in report.rows_loaded.items():
        if table in stored and stored[table] < n:
            return f"{n} {table} rows reported loaded, {stored[table]} stored"
    totals[file.rel] = rows_loaded + rows_quarantined
    if rows_loaded == 0 and any(line is None for line, _ in quarantine):
        return None  # the file quarantined whole, in one row
    lines = data_lines(content, file.rel)
    if lines is not None and source_format in ONE_ROW_PER_LINE:
        table = ONE_ROW_PER_LINE[source_format]
        loaded = report.rows_loaded.get(table, 0) if table else report.total_loaded
        per_line = sum(1 for _, code in quarantine if code not in NOT_A_LINE)
        if loaded + per_line != len(lines):
            return (f"{len(lines)} data lines, but {loaded} rows loaded and {per_line} "
                    "quarantined")
        return None
    if lines is not None and file.rel.endswith(".jsonl"):
        quarantined_lines = {line for line, _ in quarantine if line is not None}
        missing = [n for n in lines if n not in quarantined_lines]
        if missing and rows_loaded == 0:
            return f"lines {missing[:5]} neither loaded nor quarantined"
        return None
    if rows_loaded + rows_quarantined == 0 and file.original is not None \
            and totals.get(file.original, 0) > 0:
        return "the undamaged file held rows; the damaged one loads and quarantines nothing"
    return None

