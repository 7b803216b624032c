"""Re-parse quarantined files once what they lacked exists (e.g. the device is registered).

A file is replayed as a whole, from its bytes in the landing dir and with the delivery time
recorded in the manifest, so its rows go through the same latest-wins rules as on first
load. In one transaction its quarantine rows are replaced by the new parse's rejects and its
manifest row is updated. A file whose outcome would not change is left untouched, so a
second replay changes nothing.

A file renamed since it was quarantined (re-dated by hand) is the same file: its bytes in
its folder are its identity (manifest.py), so the renamed copy is replayed under its new
name, and the old name's quarantine rows and manifest row give way to it.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from infra.settings import Settings
from ingestion.loader import store
from ingestion.loader.context import read_reference
from ingestion.loader.landing import kind_of, sha256_of
from ingestion.loader.load import _quarantine_rows, make_context, prepare, write_file
from ingestion.loader.manifest import FOLDER, landing_folder
from ingestion.loader.reports import FileReport, ReplayReport
from ingestion.records import UNKNOWN_DEVICE
from ingestion.schemas import LOAD_MANIFEST, QUARANTINE


def _signature(rows: list[tuple]) -> Counter:
    """What a file's quarantine says, ignoring timestamps and wording."""
    return Counter((line_no, code, raw) for line_no, code, raw in rows)


def replay_quarantine(conn: Any, dialect: str, landing_dir: Path, *, settings: Settings,
                      reason_code: str | None = UNKNOWN_DEVICE,
                      now: datetime | None = None) -> ReplayReport:
    """Replay the files with quarantine rows of `reason_code` (None: any reason)."""
    landing_dir = Path(landing_dir).resolve()
    report = ReplayReport(reason_code=reason_code)
    where, params = ("where reason_code = %s", [reason_code]) if reason_code else ("", [])
    files = [r[0] for r in store.run(
        conn, dialect,
        f"select distinct source_file from {QUARANTINE.qualified} {where} order by 1", params)]
    if not files:
        return report
    reference = read_reference(conn, dialect)
    for quarantined_as in files:
        found = _landed_copy(conn, dialect, landing_dir, quarantined_as)
        if found is None:
            report.files_missing += 1
            continue
        rel, content, delivered = found
        sha256 = sha256_of(content)
        ctx = make_context(rel, delivered, now or datetime.now(UTC), settings, reference)
        prepared = prepare(content, ctx, kind_of(rel), landing_dir)
        old = store.run(conn, dialect,
                        f"select line_no, reason_code, raw_content from {QUARANTINE.qualified} "
                        "where source_file = %s", [quarantined_as])
        new_rows = _quarantine_rows(prepared, rel, datetime.now(UTC))
        new = list(zip(*(new_rows.column(c).to_pylist()
                         for c in ("line_no", "reason_code", "raw_content")), strict=True))
        if _signature(old) == _signature(new):
            report.files_unchanged += 1
            continue
        write_file(conn, dialect, prepared, source_file=rel, sha256=sha256,
                   size_bytes=len(content), delivered=delivered, replace_quarantine=True,
                   replaces=quarantined_as)
        report.files_replayed += 1
        released = sum(1 for r in old if reason_code is None or r[1] == reason_code)
        remaining = sum(1 for r in new if reason_code is None or r[1] == reason_code)
        report.rows_released += max(0, released - remaining)
        report.rows_still_quarantined += len(new)
        loaded = {k: v.height for k, v in prepared.rows.items() if v.height}
        for table, n in loaded.items():
            report.rows_loaded[table] = report.rows_loaded.get(table, 0) + n
        report.files.append(FileReport(rel, sha256, prepared.source_format, "loaded",
                                       rows_loaded=loaded,
                                       rows_quarantined=dict(prepared.rejected_per_table)))
    return report


def _landed_copy(conn: Any, dialect: str, landing_dir: Path, rel: str
                 ) -> tuple[str, bytes, datetime] | None:
    """(path, bytes, delivered_at) of the file quarantined as `rel`: the file itself when its
    bytes are still the manifest's, else a file of the same folder holding those bytes (a
    renamed copy); None when neither is there (a changed file is a new delivery for
    load_landing instead)."""
    recorded = store.run(conn, dialect,
                         f"select sha256, delivered_at, size_bytes from "
                         f"{LOAD_MANIFEST.qualified} where path = %s and {FOLDER} = %s",
                         [rel, landing_folder(rel)])
    by_sha = {sha: delivered.astimezone(UTC) for sha, delivered, _ in recorded}
    sizes = {size for _, _, size in recorded}
    path = landing_dir / rel
    candidates = [path] if path.is_file() else []
    if path.parent.is_dir():  # then a renamed copy: same folder, same size, same bytes
        candidates += [p for p in sorted(path.parent.iterdir())
                       if p != path and p.is_file() and not p.name.startswith(".")
                       and p.stat().st_size in sizes]
    for candidate in candidates:
        content = candidate.read_bytes()
        sha = sha256_of(content)
        if sha in by_sha:
            return f"{landing_folder(rel)}/{candidate.name}", content, by_sha[sha]
    return None
