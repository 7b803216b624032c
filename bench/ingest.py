"""Ingestion benchmark: our loader against DuckDB's own CSV load, per format.

Generates N rows (default 10M) of each format under data/bench/ingest-<N>/ (kept between
runs), registers the devices, sites and POS locations, then times each case in a fresh child
process with a fresh DuckDB file, so that its peak memory is the child's own ru_maxrss. A
case's figure is the full load: read, hash, parse, resolve, validate/quarantine, upsert in
one transaction per file, manifest row.

  baseline_duckdb_read_csv      create table as select * from read_csv(<generic CSV files>)
  duckdb_into_sensor_counts     DuckDB alone: insert the same files into raw.sensor_counts
                                (what the 11 canonical columns cost to write; a reference)
  generic_csv                   load_landing of the generic sensor CSVs (DDL as
                                ensure_raw_tables makes it: fact tables without primary key)
  generic_csv_keyed             the same with the primary key put back on the fact tables
  axis_csv                      load_landing of sensors/axis (AXIS 3D export CSV)
  milesight_jsonl               load_landing of sensors/milesight (VS133 push JSONL)
  baseline_duckdb_pos_read_csv  create table as select * from read_csv(<POS CSV files>)
  pos_generic_csv               load_landing of pos/generic (SAP-style lines + mapping.yaml)
  generic_small_files           400 device-day files of the generic CSV (files/s)

Targets: generic CSV within 2x of its baseline; Axis >= 1M rows/s; Milesight >= 250k rows/s;
POS within 3x of its baseline; peak memory < 2 GB. File sizes and why: bench/_ingest_data.py.
Results go to bench/results/ingest.json.

Adding a case: put a `Case` in CASES with a generator for its landing files and the table
whose rows it counts; see the existing ones.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from bench import _ingest_data as data

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
MB = 1024 * 1024


@dataclass(frozen=True)
class Case:
    """One timed load: which landing files it writes, loads and counts."""

    name: str
    generate: Callable[[Path, int], int] | None  # writes landing files, returns rows
    prefix: str  # landing-relative folder load_landing is restricted to
    table: str  # table whose rows are counted (a raw table; for `sql` cases, as qualified)
    target_rows_per_s: float | None = None
    max_ratio_to_baseline: float | None = None
    baseline: str | None = None  # the case its seconds are compared with
    with_primary_keys: bool = False
    sql: str | None = None  # DuckDB alone, timed instead of the loader ({files}: the CSVs)


BASELINE = "baseline_duckdb_read_csv"
POS_BASELINE = "baseline_duckdb_pos_read_csv"
GENERIC = "sensors/generic/bulk/"
POS = "pos/generic/sap/"
READ_CSV = "create table t as select * from read_csv({files})"
# DuckDB's own load of the generic CSVs into raw.sensor_counts: the 11 canonical columns (4
# of them text), without device resolution, checks, de-duplication, quarantine, manifest,
# sha256 or a transaction per file. Not a target: what writing the canonical table costs.
INTO_SENSOR_COUNTS = (
    "insert into raw.sensor_counts select device_serial, line_id::varchar, period_start, "
    "period_end, count_in, count_out, now(), filename, 'generic_sensor_csv', now(), now() "
    "from read_csv({files}, filename = true)")
CASES: dict[str, Case] = {
    c.name: c for c in (
        Case(BASELINE, data.write_generic, GENERIC, "t", sql=READ_CSV),
        Case("duckdb_into_sensor_counts", None, GENERIC, "raw.sensor_counts",
             baseline=BASELINE, sql=INTO_SENSOR_COUNTS),
        Case("generic_csv", None, GENERIC, "sensor_counts", max_ratio_to_baseline=2.0,
             baseline=BASELINE),
        Case("generic_csv_keyed", None, GENERIC, "sensor_counts", baseline=BASELINE,
             with_primary_keys=True),
        Case("axis_csv", data.write_axis, "sensors/axis/", "sensor_counts",
             target_rows_per_s=1_000_000, baseline=BASELINE),
        Case("milesight_jsonl", data.write_milesight, "sensors/milesight/", "sensor_counts",
             target_rows_per_s=250_000, baseline=BASELINE),
        Case(POS_BASELINE, data.write_pos, POS, "t", sql=READ_CSV),
        Case("pos_generic_csv", None, POS, "pos_transaction_lines", max_ratio_to_baseline=3.0,
             baseline=POS_BASELINE),
        Case("generic_small_files", data.write_small_generic, "sensors/generic/daily/",
             "sensor_counts"),
    )
}
MAX_PEAK_MB = 2048


def prepare_landing(rows: int) -> Path:
    """Generate the landing dir once per row count (a stamp marks a complete generation).

    In a child process: a child forked from a parent that grew while generating would
    inherit its peak RSS, and the cases' ru_maxrss would report the generator's memory.
    """
    landing = ROOT / "data" / "bench" / f"ingest-{rows}" / "landing"
    if not (landing.parent / "generated.json").exists():
        subprocess.run([sys.executable, "-m", "bench.ingest", "--generate", "--rows", str(rows)],
                       cwd=ROOT, check=True)
    return landing


def generate_landing(rows: int) -> Path:
    landing = ROOT / "data" / "bench" / f"ingest-{rows}" / "landing"
    stamp = landing.parent / "generated.json"
    landing.mkdir(parents=True, exist_ok=True)
    data.write_reference(landing)
    written = {}
    seen: set[int] = set()
    for case in CASES.values():
        if case.generate is not None and id(case.generate) not in seen:
            seen.add(id(case.generate))
            started = time.perf_counter()
            written[case.prefix] = case.generate(landing, rows)
            print(f"generated {written[case.prefix]:,} rows in {case.prefix} "
                  f"({time.perf_counter() - started:.1f} s)", flush=True)
    stamp.write_text(json.dumps(written))
    return landing


def _child(case_name: str, landing: Path, db: Path) -> dict:
    """Run one case in this (child) process; return seconds and rows."""
    case = CASES[case_name]
    from infra.warehouse import connect_duckdb
    from ingestion.raw_tables import ensure_raw_tables
    from ingestion.schemas import ALL_TABLES, FACT_TABLES

    if case.sql is not None:
        conn = connect_duckdb(db)
        ensure_raw_tables(conn, "duckdb")
        files = "'" + str(landing / case.prefix / "*.csv").replace("'", "''") + "'"
        started, cpu = time.perf_counter(), _cpu_seconds()
        conn.execute(case.sql.format(files=files))
        seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
        return {"seconds": seconds, "cpu_seconds": round(cpu, 2),
                "rows": conn.execute(f"select count(*) from {case.table}").fetchone()[0]}

    from infra.settings import Settings
    from ingestion.loader import load_landing

    conn = connect_duckdb(db)
    if case.with_primary_keys:
        conn.execute("create schema if not exists raw")
        for table in FACT_TABLES:
            conn.execute(replace(table, keyed_on_duckdb=True).ddl("duckdb"))
    ensure_raw_tables(conn, "duckdb")
    settings = Settings(data_dir=landing.parent, landing_dir=landing, duckdb_path=db)
    load_landing(conn, "duckdb", landing, settings=settings,
                 only=lambda rel: rel.startswith("reference/"))
    started, cpu = time.perf_counter(), _cpu_seconds()
    report = load_landing(conn, "duckdb", landing, settings=settings,
                          only=lambda rel: rel.startswith(case.prefix))
    seconds, cpu = time.perf_counter() - started, _cpu_seconds() - cpu
    rows = conn.execute(f"select count(*) from {ALL_TABLES[case.table].qualified}").fetchone()[0]
    return {"seconds": seconds, "cpu_seconds": round(cpu, 2), "rows": rows,
            "files": report.files_loaded,
            "rows_quarantined": sum(report.rows_quarantined.values())}


def _cpu_seconds() -> float:
    """CPU time of this process, all threads: steadier than wall time on a shared machine,
    and on 2 cores the wall time of a load cannot fall below half of it."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_case(case: Case, landing: Path, workdir: Path) -> dict:
    """Time one case in a child process; its peak RSS comes from wait4's rusage."""
    db = workdir / f"{case.name}.duckdb"
    for stale in (db, db.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    out = workdir / f"{case.name}.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "bench.ingest", "--child", case.name, "--landing", str(landing),
         "--db", str(db), "--out", str(out)], cwd=ROOT)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        return {"error": f"exit code {process.returncode}"}
    result = json.loads(out.read_text())
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)  # Linux: kilobytes
    result["rows_per_s"] = round(result["rows"] / result["seconds"]) if result["seconds"] else None
    db.unlink(missing_ok=True)
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=10_000_000, help="counting rows per format")
    parser.add_argument("--cases", nargs="*", default=list(CASES), help="cases to run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--generate", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--landing", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--db", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        args.out.write_text(json.dumps(_child(args.child, args.landing, args.db)))
        return 0
    if args.generate:
        generate_landing(args.rows)
        return 0

    landing = prepare_landing(args.rows)
    workdir = landing.parent
    results: dict[str, dict] = {}
    for name in args.cases:
        case = CASES[name]
        results[name] = run_case(case, landing, workdir)
        print(f"{name:30s} {json.dumps(results[name])}", flush=True)
    ok = True
    for name, result in results.items():
        case = CASES[name]
        if "error" in result:
            ok = False
            continue
        if result.get("files"):
            result["files_per_s"] = round(result["files"] / result["seconds"], 1)
        checks = {"peak_memory": result["peak_rss_mb"] < MAX_PEAK_MB}
        base = results.get(case.baseline or "", {}).get("seconds")
        if base:
            result["ratio_to_baseline"] = round(result["seconds"] / base, 2)
            if case.max_ratio_to_baseline:
                checks["ratio_to_baseline"] = (result["ratio_to_baseline"]
                                               <= case.max_ratio_to_baseline)
        if case.target_rows_per_s:
            checks["rows_per_s"] = result["rows_per_s"] >= case.target_rows_per_s
        result["targets_met"] = checks
        ok = ok and all(checks.values())
    print(f"\n{'case':30s} {'rows':>12s} {'files':>6s} {'seconds':>8s} {'cpu s':>7s} "
          f"{'rows/s':>11s} {'files/s':>8s} {'peak MB':>8s} {'x base':>7s}  targets met")
    for name, r in results.items():
        if "error" in r:
            print(f"{name:30s} {r['error']}")
            continue
        ratio = f"{r['ratio_to_baseline']:.2f}" if "ratio_to_baseline" in r else "-"
        met = "yes" if all(r["targets_met"].values()) else "NO " + ", ".join(
            k for k, v in r["targets_met"].items() if not v)
        print(f"{name:30s} {r['rows']:>12,} {r.get('files', '-'):>6} {r['seconds']:>8.2f} "
              f"{r['cpu_seconds']:>7.2f} "
              f"{r['rows_per_s']:>11,} {r.get('files_per_s', '-'):>8} {r['peak_rss_mb']:>8.0f} "
              f"{ratio:>7s}  {met}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    payload = {"benchmark": "ingest", "rows_per_format": args.rows,
               "measured_at": datetime.now(UTC).isoformat(), "cases": results,
               "targets": {"generic_csv_ratio_to_baseline": 2.0, "axis_rows_per_s": 1_000_000,
                           "milesight_rows_per_s": 250_000,
                           "pos_generic_csv_ratio_to_baseline": 3.0,
                           "peak_memory_mb": MAX_PEAK_MB}}
    (RESULTS / "ingest.json").write_text(json.dumps(payload, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
