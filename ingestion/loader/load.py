"""Load landed files into the raw tables exactly once, latest delivery winning.

One file = one transaction: its rows in every table, its quarantine rows and its manifest
row commit together. A process killed half-way leaves nothing of that file, and the next run
loads it again (its sha256 is not in the manifest yet). An unexpected error on one file
rolls back that file only: it is quarantined whole (LOAD_FAILED, the error's text) and the
run goes on with the next.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow as pa

from infra.settings import Settings
from ingestion.loader import store
from ingestion.loader.context import Reference, read_reference
from ingestion.loader.damaged_lines import Screened, remap_frame, screen
from ingestion.loader.dispatch import NoParser, after_upsert, default_table, parse
from ingestion.loader.frames import (
    DETAIL,
    LINE_NO,
    RAW,
    REASON,
    canonicalise,
    data_columns,
    empty_frame,
    to_polars,
    with_lineage,
)
from ingestion.loader.hooks import pause_inside_transaction
from ingestion.loader.landing import delivered_at, kind_of, relative, sha256_of, walk
from ingestion.loader.manifest import FOLDER, forget, is_loaded, landing_folder
from ingestion.loader.reports import FileReport, LoadReport
from ingestion.loader.storable import clean_column, clean_text, may_hold_nul, nul_problems
from ingestion.loader.validation import validate
from ingestion.records import LOAD_FAILED, UNREADABLE_FILE, LoadContext, ParseResult
from ingestion.schemas import (
    ALL_TABLES,
    LOAD_MANIFEST,
    POS_TRANSACTION_LINES,
    POS_TRANSACTIONS,
    QUARANTINE,
    Table,
)

log = logging.getLogger(__name__)

PARENT_REJECTED = "PARENT_REJECTED"
LINE_REJECTED = "LINE_REJECTED"  # a header one of whose lines was rejected
# A parse in progress holds ~10-25x its file's size (a 110 MB POS export of 1M lines peaks
# at ~1.3 GB), a parsed file ~2-4x (a 10 KB day file ~6x: per-file overhead). Files up to
# PARSE_AHEAD_MAX_BYTES are parsed ahead of the one being written while the files read and
# not yet written number at most IN_FLIGHT_MAX_FILES and total at most IN_FLIGHT_MAX_BYTES
# (four 56 MB files of 1M sensor rows); a larger file, or any single file, goes alone.
PARSE_AHEAD_MAX_BYTES = 64 * 1024 * 1024
IN_FLIGHT_MAX_BYTES = 256 * 1024 * 1024
IN_FLIGHT_MAX_FILES = 8
# child table -> (parent table, columns linking a child row to its parent)
_CHILDREN = {POS_TRANSACTION_LINES.name: (POS_TRANSACTIONS, ("source_system", "external_id"))}


@dataclass
class Prepared:
    """A parsed, validated file, ready to write in one transaction."""

    source_format: str
    rows: dict[str, pl.DataFrame] = field(default_factory=dict)  # table -> canonical rows
    rejects: list[pl.DataFrame] = field(default_factory=list)  # quarantine-shaped
    rejected_per_table: dict[str, int] = field(default_factory=dict)
    whole_file_reason: str | None = None

    def count_reject(self, table: str, n: int) -> None:
        if n:
            self.rejected_per_table[table] = self.rejected_per_table.get(table, 0) + n


def _quarantine_frame(frame: pl.DataFrame, table: Table | None) -> pl.DataFrame:
    """Rejected rows as raw.quarantine columns (without file and time, added at write)."""
    if RAW in frame.columns and table is not None:
        cols = [c for c in data_columns(table) if c in frame.columns]
        raw = pl.coalesce(pl.col(RAW), pl.struct(cols).struct.json_encode())
    elif table is not None:
        raw = pl.struct([c for c in data_columns(table) if c in frame.columns]).struct.json_encode()
    else:
        raw = pl.col(RAW)
    line_no = pl.col(LINE_NO) if LINE_NO in frame.columns else pl.lit(None, pl.Int64)
    return frame.select(
        line_no.cast(pl.Int64).alias("line_no"),
        pl.col(REASON).alias("reason_code"),
        pl.col(DETAIL).alias("reason"),
        raw.alias("raw_content"),
    )


def _parser_rejects(result: ParseResult) -> pl.DataFrame:
    """The parser's own rejects; their texts cleaned, so the quarantine row is storable."""
    return pl.DataFrame(
        {
            "line_no": [q.line_no for q in result.quarantined],
            "reason_code": [q.reason_code for q in result.quarantined],
            "reason": [clean_text(q.reason) for q in result.quarantined],
            "raw_content": [clean_text(q.raw_content) for q in result.quarantined],
        },
        schema={"line_no": pl.Int64, "reason_code": pl.String, "reason": pl.String,
                "raw_content": pl.String},
    )


def table_named(name: str) -> Table:
    """A canonical raw table (KeyError if there is none of that name)."""
    return ALL_TABLES[name]


def prepare(content: bytes, ctx: LoadContext, kind: str, landing_dir: Path) -> Prepared:
    """Parse and validate one file. Never raises for bad data: it becomes quarantine.

    A CSV's damaged lines (not UTF-8, an unmatched quote) are taken out first and
    quarantined on their own (damaged_lines.py); the parser's line numbers are mapped back.
    """
    screened = screen(content, ctx.source_file)
    try:
        result = parse(kind, screened.content if screened else content, ctx, landing_dir)
        if screened:
            _map_lines_back(result, screened)
    except NoParser:
        raise
    # polars' readers can panic on damaged bytes: a BaseException, caught by name
    except (Exception, pl.exceptions.PanicException) as error:
        log.warning("parser failed on %s: %s", ctx.source_file, error)
        return _whole_file(ctx.source_file, f"parser failed: {type(error).__name__}: {error}")
    prepared = Prepared(source_format=result.source_format)
    if result.quarantined:
        prepared.rejects.append(_parser_rejects(result))
        main = default_table(kind, ctx.source_file)
        for q in result.quarantined:  # each reject counted for the table it was meant for
            prepared.count_reject(q.table or main, 1)
    try:
        _validate_tables(result, ctx, prepared, nul_possible=may_hold_nul(content),
                         damaged_ids=screened.fields() if screened else frozenset())
    except (ValueError, KeyError, pl.exceptions.PolarsError) as error:
        log.warning("unusable parser output for %s: %s", ctx.source_file, error)
        return _whole_file(ctx.source_file, f"unusable parser output: {error}",
                           result.source_format)
    whole = [q for q in result.quarantined if q.line_no is None]
    if whole and not any(f.height for f in prepared.rows.values()):
        prepared.whole_file_reason = whole[0].reason
    return prepared


def _map_lines_back(result: ParseResult, screened: Screened) -> None:
    """Line numbers of a parse of the screened file -> lines of the landed file; the
    damaged lines' rejects added."""
    result.quarantined = [*screened.rejects, *(
        replace(q, line_no=screened.original_line(q.line_no)) for q in result.quarantined)]
    for name, rows in result.tables.items():
        frame = to_polars(rows, table_named(name))
        if LINE_NO in frame.columns:
            result.tables[name] = remap_frame(frame, LINE_NO, screened)


def _whole_file(source_file: str, reason: str, source_format: str | None = None,
                reason_code: str = UNREADABLE_FILE) -> Prepared:
    kind = kind_of(source_file)
    prepared = Prepared(source_format=source_format or kind, whole_file_reason=reason)
    prepared.rejects.append(pl.DataFrame(
        {"line_no": [None], "reason_code": [reason_code], "reason": [clean_text(reason)],
         "raw_content": [None]},
        schema={"line_no": pl.Int64, "reason_code": pl.String, "reason": pl.String,
                "raw_content": pl.String},
    ))
    prepared.count_reject(default_table(kind, source_file), 1)
    return prepared


def _validate_tables(result: ParseResult, ctx: LoadContext, prepared: Prepared, *,
                     nul_possible: bool = True, damaged_ids: frozenset[str] = frozenset()
                     ) -> None:
    """Cast, check and split each table's rows; `nul_possible` False (the file's bytes can
    yield no NUL) spares the scan for values PostgreSQL cannot store.

    A transaction stays whole: a line rejected here rejects its header (LINE_REJECTED),
    as does a damaged line of the file naming its id (`damaged_ids`), and the header's
    other lines follow it (PARENT_REJECTED)."""
    rejected_links: dict[str, list[pl.DataFrame]] = {}
    for name, rows in result.tables.items():
        table = table_named(name)
        canonical = canonicalise(to_polars(rows, table), table)
        storable, unstorable = canonical.rows, None
        if nul_possible:
            storable, unstorable = nul_problems(canonical.rows, DETAIL, REASON)
        if name in result.checked:
            kept, failed = storable, canonical.rejected.clear()
        else:
            kept, failed = validate(storable, table, now=ctx.now, sensors=ctx.sensors)
        for bad in (canonical.rejected, unstorable, failed):
            if bad is None:
                continue
            if bad.height:
                prepared.rejects.append(_quarantine_frame(bad, table))
                prepared.count_reject(name, bad.height)
                if name in _CHILDREN and set(_CHILDREN[name][1]) <= set(bad.columns):
                    rejected_links.setdefault(name, []).append(bad.select(_CHILDREN[name][1]))
        prepared.rows[name] = kept
    for child_name, (parent, link) in _CHILDREN.items():
        if child_name not in prepared.rows or parent.name not in result.tables:
            continue
        _reject_parents_of(prepared, parent, link, rejected_links.get(child_name, []),
                           damaged_ids)
        # lines of a header that was rejected go with it, not into the table on their own
        parsed = to_polars(result.tables[parent.name], parent).select(link).unique()
        kept_parents = prepared.rows.get(parent.name, pl.DataFrame()).select(link).unique()
        lost = parsed.join(kept_parents, on=list(link), how="anti")
        if lost.is_empty():
            continue
        child_rows = prepared.rows[child_name]
        orphans = child_rows.join(lost, on=list(link), how="semi")
        prepared.rows[child_name] = child_rows.join(lost, on=list(link), how="anti")
        orphans = orphans.with_columns(
            pl.lit(PARENT_REJECTED).alias(REASON),
            pl.lit(f"its {parent.name} row was rejected").alias(DETAIL),
        )
        prepared.rejects.append(_quarantine_frame(orphans, table_named(child_name)))
        prepared.count_reject(child_name, orphans.height)


def _reject_parents_of(prepared: Prepared, parent: Table, link: tuple[str, ...],
                       bad_children: list[pl.DataFrame], damaged_ids: frozenset[str]) -> None:
    """Headers with a rejected line, or named by a damaged line of the file, are rejected."""
    parents = prepared.rows.get(parent.name)
    if parents is None or parents.height == 0 or not (bad_children or damaged_ids):
        return
    hit = pl.lit(False)
    if bad_children:
        links = pl.concat(bad_children, how="vertical_relaxed").unique()
        hit = hit | pl.struct(list(link)).is_in(links.select(pl.struct(list(link))).to_series()
                                                .implode())
    if damaged_ids and "external_id" in link:
        hit = hit | pl.col("external_id").is_in(list(damaged_ids))
    marked = parents.with_columns(hit.alias("_hit"))
    rejected = marked.filter(pl.col("_hit")).drop("_hit")
    if rejected.is_empty():
        return
    prepared.rows[parent.name] = marked.filter(~pl.col("_hit")).drop("_hit")
    rejected = rejected.with_columns(
        pl.lit(LINE_REJECTED).alias(REASON),
        pl.lit("one of its lines was rejected or damaged; the transaction loads whole or "
               "not at all").alias(DETAIL))
    prepared.rejects.append(_quarantine_frame(rejected, parent))
    prepared.count_reject(parent.name, rejected.height)


def _quarantine_rows(prepared: Prepared, source_file: str, quarantined_at: datetime
                     ) -> pa.Table:
    frames = [f for f in prepared.rejects if f.height]
    if not frames:  # built by polars: pyarrow's own constructors import pandas (~0.2 s)
        return empty_frame(QUARANTINE).to_arrow().cast(QUARANTINE.arrow_schema())
    frame = pl.concat(frames, how="vertical_relaxed").with_columns(
        pl.lit(source_file).alias("source_file"),
        pl.lit(prepared.source_format).alias("source_format"),
        clean_column("reason").fill_null(pl.col("reason_code")),
        clean_column("raw_content"),
        pl.lit(quarantined_at).cast(pl.Datetime("us", "UTC")).alias("quarantined_at"),
    ).select(QUARANTINE.column_names)
    return frame.to_arrow().cast(QUARANTINE.arrow_schema())


def write_file(conn: Any, dialect: str, prepared: Prepared, *, source_file: str, sha256: str,
               size_bytes: int, delivered: datetime, replace_quarantine: bool = False,
               kind: str | None = None, replaces: str | None = None) -> None:
    """Write one prepared file in one transaction: rows, quarantine rows, manifest row.

    `replace_quarantine` deletes the file's earlier quarantine rows first (a replay), and
    those of `replaces` too (the name it was quarantined under, when it was renamed since).
    """
    loaded_at = datetime.now(UTC)
    with store.transaction(conn, dialect):
        if replace_quarantine:
            for path in {source_file, replaces or source_file}:
                store.run(conn, dialect,
                          f"delete from {QUARANTINE.qualified} where source_file = %s", [path])
        _write_rows(conn, dialect, prepared, source_file=source_file, delivered=delivered,
                    ingested_at=loaded_at)
        derive = after_upsert(kind or kind_of(source_file))
        if derive is not None and not prepared.whole_file_reason:
            derive(conn, dialect, prepared.rows, loaded_at)
        quarantine = _quarantine_rows(prepared, source_file, loaded_at)
        store.append(conn, dialect, QUARANTINE, quarantine)
        pause_inside_transaction(source_file)
        forget(conn, dialect, sha256, source_file)
        manifest = pl.DataFrame([{
            "sha256": sha256, "path": source_file, "size_bytes": size_bytes,
            "source_format": prepared.source_format,
            "rows_loaded": sum(f.height for f in prepared.rows.values()),
            "rows_quarantined": quarantine.num_rows,
            "delivered_at": delivered, "loaded_at": loaded_at,
            FOLDER: landing_folder(source_file),
        }], schema=store.table_schema(LOAD_MANIFEST)).to_arrow().cast(
            LOAD_MANIFEST.arrow_schema())
        store.append(conn, dialect, LOAD_MANIFEST, manifest)


def _write_rows(conn: Any, dialect: str, prepared: Prepared, *, source_file: str,
                delivered: datetime, ingested_at: datetime) -> None:
    staged: dict[str, str] = {}
    bounds: dict[str, list[Any]] = {}
    try:
        for name, frame in prepared.rows.items():
            if frame.height == 0:
                continue
            table = table_named(name)
            bounds[name] = store.key_bounds(frame, table)
            if name not in ALL_TABLES:
                store.run(conn, dialect, table.ddl(dialect))  # declared by a parser package
            rows = with_lineage(frame.drop([c for c in (LINE_NO, RAW) if c in frame.columns]),
                                table, source_file=source_file,
                                source_format=prepared.source_format,
                                delivered_at=delivered, ingested_at=ingested_at)
            staged[name] = store.stage(conn, dialect, f"_stage_{name}", table, rows)
        for child_name, (parent, link) in _CHILDREN.items():
            if child_name in staged and parent.name in staged:
                store.upsert_children(conn, dialect, parent, table_named(child_name),
                                      staged[parent.name], staged.pop(child_name), link,
                                      bounds[parent.name])
        for name, staged_name in staged.items():
            store.upsert(conn, dialect, table_named(name), staged_name, bounds[name])
    finally:
        for staged_name in staged.values():
            store.unstage(conn, dialect, staged_name)


def make_context(source_file: str, delivered: datetime, now: datetime, settings: Settings,
                 reference: Reference | None) -> LoadContext:
    return LoadContext(
        source_file=source_file,
        delivered_at=delivered,
        now=now,
        sensors=reference.sensors if reference else None,
        sites=reference.sites if reference else None,
        pos_locations=reference.pos_locations if reference else None,
        customer_salt=settings.customer_salt,
    )


@dataclass
class _Landed:
    """A file read and hashed, its parse running (or done): what is left is to write it."""

    rel: str
    sha256: str
    kind: str
    size_bytes: int
    delivered: datetime
    outcome: Future[Prepared]


def _prepare_landed(content: bytes, rel: str, kind: str, delivered: datetime, now: datetime,
                    settings: Settings, reference: Reference | None,
                    landing_dir: Path) -> Prepared:
    """Parse and validate one read file (no database access: it may run in a worker thread)."""
    ctx = make_context(rel, delivered, now, settings, reference)
    try:
        return prepare(content, ctx, kind, landing_dir)
    except NoParser as error:
        return _whole_file(rel, str(error))
    # a bug met by one file's data must not stop the run (nor a panic of a polars reader)
    except (Exception, pl.exceptions.PanicException) as error:
        log.exception("preparing %s failed", rel)
        return _failed(rel, "preparing the rows", error)


def _failed(rel: str, step: str, error: BaseException) -> Prepared:
    """The file quarantined whole, as LOAD_FAILED with the error's text."""
    return _whole_file(rel, f"load failed while {step}: {type(error).__name__}: {error}"[:2000],
                       reason_code=LOAD_FAILED)


def _write_landed(conn: Any, dialect: str, prepared: Prepared, landed: _Landed) -> None:
    write_file(conn, dialect, prepared, source_file=landed.rel, sha256=landed.sha256,
               size_bytes=landed.size_bytes, delivered=landed.delivered)


def _commit(conn: Any, dialect: str, landed: _Landed) -> FileReport:
    """Write a prepared file in its transaction, unless its bytes were loaded from its folder
    meanwhile (a copy under another name earlier in the same run).

    A write that fails (the database refuses a value, a bug) rolls back and the file is
    written again as one LOAD_FAILED quarantine row with its manifest row, so the run goes
    on and the next run does not stop at it either; `replay_quarantine(reason_code=
    "LOAD_FAILED")` retries it once fixed.
    """
    prepared = landed.outcome.result()
    if is_loaded(conn, dialect, landed.sha256, landed.rel):
        return FileReport(landed.rel, landed.sha256, landed.kind, "skipped")
    try:
        _write_landed(conn, dialect, prepared, landed)
    except Exception as error:
        log.exception("writing %s failed; quarantined whole", landed.rel)
        prepared = _failed(landed.rel, "writing the rows", error)
        _write_landed(conn, dialect, prepared, landed)
    status = "quarantined" if prepared.whole_file_reason else "loaded"
    return FileReport(
        landed.rel, landed.sha256, prepared.source_format, status,
        rows_loaded={k: v.height for k, v in prepared.rows.items() if v.height},
        rows_quarantined=dict(prepared.rejected_per_table),
        reason=prepared.whole_file_reason,
    )


def _land(conn: Any, dialect: str, landing_dir: Path, path: Path, *, settings: Settings,
          now: datetime | None, reference: Reference | None,
          submit: Callable[..., Future[Prepared]]) -> _Landed | FileReport:
    """Read and hash a file; a file already in the manifest is skipped unparsed, any other
    has its parse handed to `submit` (inline, or a worker thread)."""
    rel = relative(path, landing_dir)
    kind = kind_of(rel)
    try:
        content = path.read_bytes()
    except OSError as error:  # gone or unreadable on disk: reported, retried next run
        log.warning("cannot read %s: %s", rel, error)
        return FileReport(rel, "", kind, "failed", reason=f"cannot read the file: {error}")
    sha256 = sha256_of(content)
    if is_loaded(conn, dialect, sha256, rel):
        return FileReport(rel, sha256, kind, "skipped")
    if reference is None:  # reference files too: sensors.csv is checked against raw.sites
        reference = read_reference(conn, dialect)
    delivered = delivered_at(path)
    outcome = submit(_prepare_landed, content, rel, kind, delivered, now or datetime.now(UTC),
                     settings, reference, landing_dir)
    return _Landed(rel, sha256, kind, len(content), delivered, outcome)


def _size(path: Path) -> int:
    """The file's size, 0 when it is gone (then reading it reports it as failed)."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _run_now(function: Callable[..., Prepared], *args: Any) -> Future[Prepared]:
    done: Future[Prepared] = Future()
    done.set_result(function(*args))
    return done


def load_file(conn: Any, dialect: str, landing_dir: Path, path: Path | str, *,
              settings: Settings, now: datetime | None = None,
              reference: Reference | None = None) -> FileReport:
    """Load one landed file unless its bytes were loaded from its folder already.

    `path` is absolute or relative to the landing dir. `reference` (the registered devices,
    sites and POS locations) is read from the warehouse when not given.
    """
    landing_dir = Path(landing_dir).resolve()
    path = Path(path)
    if not path.is_absolute():  # relative to the landing dir, else to the working dir
        path = landing_dir / path if (landing_dir / path).exists() else path.resolve()
    landed = _land(conn, dialect, landing_dir, path, settings=settings, now=now,
                   reference=reference, submit=_run_now)
    return landed if isinstance(landed, FileReport) else _commit(conn, dialect, landed)


def load_landing(conn: Any, dialect: str, landing_dir: Path, *, settings: Settings,
                 now: datetime | None = None, only: Callable[[str], bool] | None = None,
                 progress: Callable[[int, int], None] | None = None) -> LoadReport:
    """Load every new file of the landing dir: reference data first, then sensors and POS.

    `only` filters on the landing-relative path; `progress(done, total)` is called after
    each file.

    Sensor and POS files are parsed ahead, in order, in a worker thread while earlier files
    are written (DuckDB and PostgreSQL release the GIL while they work), so parsing and
    writing overlap on two cores; a queue of parsed files keeps either side from waiting on
    the other when one file parses slower or writes slower than the next. Writing stays in
    this thread, in walk order, one transaction per file; reference files are loaded one by
    one before, since the parsers resolve devices against them. Memory stays bounded: files
    in flight (read and not yet written) number at most IN_FLIGHT_MAX_FILES and total at
    most IN_FLIGHT_MAX_BYTES (a single larger file goes alone), and a file above
    PARSE_AHEAD_MAX_BYTES is parsed only once every file before it is written.
    """
    landing_dir = Path(landing_dir).resolve()
    report = LoadReport()
    rels = [rel for rel in walk(landing_dir) if only is None or only(rel)]
    total = len(rels)
    reference: Reference | None = None
    done = 0

    def finished(file_report: FileReport) -> None:
        nonlocal done
        done += 1
        report.add(file_report)
        if progress is not None:
            progress(done, total)

    data = [rel for rel in rels if kind_of(rel) != "reference"]
    for rel in rels[:total - len(data)]:  # walk puts reference files first
        finished(load_file(conn, dialect, landing_dir, landing_dir / rel, settings=settings,
                           now=now))
    if not data:
        return report
    # after this run's reference files, so this run's devices resolve
    reference = read_reference(conn, dialect)
    in_flight: deque[_Landed | FileReport] = deque()  # read and not yet written, in order
    held = 0  # bytes of the files in flight (a skipped file holds none)

    def room_for(size: int) -> bool:
        return not in_flight or (size <= PARSE_AHEAD_MAX_BYTES
                                 and len(in_flight) < IN_FLIGHT_MAX_FILES
                                 and held + size <= IN_FLIGHT_MAX_BYTES)

    def write_next() -> None:
        nonlocal held
        landed = in_flight.popleft()
        if isinstance(landed, FileReport):
            finished(landed)
            return
        held -= landed.size_bytes
        finished(_commit(conn, dialect, landed))

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="blipee-parse") as pool:
        try:
            for rel in data:
                size = _size(landing_dir / rel)
                while not room_for(size):
                    write_next()
                landed = _land(conn, dialect, landing_dir, landing_dir / rel, settings=settings,
                               now=now, reference=reference, submit=pool.submit)
                in_flight.append(landed)
                held += landed.size_bytes if isinstance(landed, _Landed) else 0
            while in_flight:
                write_next()
        finally:  # left by an error: the parses not yet started need not run
            for landed in in_flight:
                if isinstance(landed, _Landed):
                    landed.outcome.cancel()
    return report
