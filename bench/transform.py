"""Transformation benchmark: blipee's dbt project on DuckDB, full build and hourly refresh.

For `--stores` stores x `--days` days of `--interval-minutes` counting data (default 500 x
365 x 15 min: ~35M counting rows, ~11M POS transactions), in a fresh DuckDB file under
data/bench/transform/:

  full_build        `dbt build` of the whole project over the history (fresh target dir,
                    so a full parse is included)
  then, for each refresh below, one new hour lands for every store (4 intervals x 2 lines
  per store and that hour's transactions) and the refresh is timed:
  hourly_cold       THE hourly refresh (what orchestration's hourly run should select):
                    `dbt build --select tag:hourly --indirect-selection cautious
                    --exclude-resource-type unit_test --no-populate-cache`, the CLI in a new
                    process with dbt's partial-parse cache removed first: import and a full
                    parse included. tag:hourly = fct_site_hourly, fct_site_daily,
                    fct_region_daily, fct_organization_daily (dbt_project.yml); cautious =
                    only the tests whose every parent is one of them.
  hourly_warm       the same for the next hour, with the partial-parse cache of the run before.
  hourly_inprocess  the same selection through `dbtRunner(manifest=...)` in this (long-lived)
                    process, which imported dbt and parsed the project once before the first
                    refresh (`--no-write-json --quiet` too): warm, no import and no parse in
                    the timed span, as a Dagster code server or a small daemon would run it.
                    Only tables hold data that a new hour changes: fct_site_hourly and
                    fct_site_daily (incremental) and the marts rolled up from them; the
                    weekly, monthly, retail and like-for-like rollups are left to the nightly
                    build. `build` runs the data tests of what it rebuilt, as Dagster's dbt
                    assets do; unit tests pin formulas, not data, and run in CI instead.
  old_hourly_cold   the hourly refresh before: `dbt build --select fct_site_hourly+
                    --exclude-resource-type unit_test`, CLI, cold parse.
  run_changed       `dbt run --select fct_site_hourly+`: the same models without tests.
  build_all         `dbt build`: every model, seed and test, fct_site_hourly incremental.

With `--repeats N` the refreshes run N times, interleaved, one new hour each, and the
median run is reported with every run's wall time, bare SQL time and 1-minute load average.
`--warehouse` reuses a warehouse an earlier run built (and kept), skipping generation and
the full build. Each refresh reports its wall time (dbt start-up and parse included), its
SQL time (the sum of execution_time in run_results.json), the five costliest nodes, when
dbt's log says it finished parsing and started the first node, and the ratios of its wall
and SQL time to a bare DuckDB GROUP BY site/hour over the same new rows (counts joined to
sensors for the line roles, and transactions), timed in the same run (best of 3): machines
differ, the ratio travels. It also checks that fct_site_hourly holds the new hour for every
store with the baseline's footfall (so a Sunday, when some demo stores are closed, is
skipped with `--hour-step 24`).

After the full build, the targets and benchmark marts (issue 14: intermediate and marts
targets/ and benchmarks/ with their seeds and data tests) are rebuilt `--marts-repeats`
times on the built warehouse (raw.targets_input holds the organisation's sales year to every
store, its conversion month, each region's footfall quarter and every store's sales month to
its staff): the median is what they add to the nightly build (target under 10 s at 500
stores x 1 year): each rebuild's wall time less that of the same dbt command selecting
nothing (start-up and parse, which the nightly build pays once whatever it builds), with
its ratio to the full build of the same run.

Targets (issue 10, item 5): the hourly refresh under 5 s wall, cold parse included, and at
most 500x the bare SQL of the same hour. dbt runs with the repo profile (target duckdb, 4
dbt threads; DuckDB's own threads default to the core count), its artefacts under
`--workdir` (default data/bench/transform/) so that no one else's dbt_project/target is
touched; `--raw-cache` keeps the generated raw tables for the next run.
Results go to bench/results/transform.json.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import _transform_data as data

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
WORKDIR = ROOT / "data" / "bench" / "transform"
DBT = Path(sys.executable).parent / "dbt"
CHANGED = "fct_site_hourly+"
# THE hourly refresh: the models tagged `hourly` in dbt_project.yml (fct_site_hourly,
# fct_site_daily, fct_region_daily, fct_organization_daily) and only the tests whose every
# parent is one of them (cautious), i.e. the tests that guard the new rows.
HOURLY = ["build", "--select", "tag:hourly", "--indirect-selection", "cautious",
          "--exclude-resource-type", "unit_test", "--no-populate-cache"]
OLD_HOURLY = ["build", "--select", CHANGED, "--exclude-resource-type", "unit_test"]
IN_PROCESS_FLAGS = ["--no-write-json", "--quiet"]
REFRESHES: dict[str, list[str]] = {
    "hourly_cold": HOURLY,
    "hourly_warm": HOURLY,
    "hourly_inprocess": HOURLY,
    "old_hourly_cold": OLD_HOURLY,
    "run_changed": ["run", "--select", CHANGED],
    "build_all": ["build"],
}
# The nightly marts of issue 14: cascaded targets, phasing, progress, gamification and the
# peer-group benchmarks, with their seeds and data tests (unit tests pin formulas in CI).
NIGHTLY_MARTS = ["build", "--select", *(f"path:dbt_project/{folder}" for folder in (
    "models/intermediate/targets", "models/marts/targets", "seeds/targets",
    "models/intermediate/benchmarks", "models/marts/benchmarks", "seeds/benchmarks")),
    "--exclude-resource-type", "unit_test"]
NOTHING = ["build", "--select", "path:dbt_project/analyses"]  # an empty selection
TARGET_NIGHTLY_MARTS_S = 10.0
COLD = {"hourly_cold", "old_hourly_cold"}  # no partial-parse cache: a full parse included
IN_PROCESS = {"hourly_inprocess"}  # dbtRunner(manifest=<parsed once>) in this process
PRIMARY = "hourly_cold"
TARGET_REFRESH_WALL_S = 5.0
TARGET_RATIO_TO_BASELINE = 500.0
TOP_NODES = 5


def _connect(db: Path) -> Any:
    from infra.warehouse import connect_duckdb

    conn = connect_duckdb(db)
    conn.execute("set threads = 2")
    return conn


def generate(db: Path, shape: data.Shape) -> dict[str, Any]:
    """A fresh warehouse file with the raw tables filled; returns row counts and seconds."""
    from ingestion.raw_tables import ensure_raw_tables
    from ingestion.schemas import ALL_TABLES

    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)
    conn = _connect(db)
    started = time.perf_counter()
    ensure_raw_tables(conn, "duckdb")
    data.fill_history(conn, shape)
    seconds = time.perf_counter() - started
    rows = {name: conn.execute(f"select count(*) from {table.qualified}").fetchone()[0]
            for name, table in ALL_TABLES.items()}
    conn.close()
    return {"seconds": round(seconds, 2), "rows": {k: v for k, v in rows.items() if v}}


def generate_or_copy(db: Path, shape: data.Shape, cache: Path | None) -> dict[str, Any]:
    """generate(), or a copy of `cache` when it holds this shape's raw tables."""
    meta = cache.with_suffix(".json") if cache else None
    if cache and meta and cache.exists() and meta.exists():
        cached = json.loads(meta.read_text())
        if cached.get("shape") == [shape.stores, shape.days, shape.interval_minutes]:
            started = time.perf_counter()
            for stale in (db, db.with_name(db.name + ".wal")):
                stale.unlink(missing_ok=True)
            shutil.copyfile(cache, db)
            _add_targets(db, shape)  # a cache written before the targets marts has none
            return {**cached["generated"], "copied_from": str(cache),
                    "copy_seconds": round(time.perf_counter() - started, 2)}
    generated = generate(db, shape)
    if cache and meta:
        cache.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(db, cache)
        meta.write_text(json.dumps({"shape": [shape.stores, shape.days, shape.interval_minutes],
                                    "generated": generated}))
    return generated


def _add_targets(db: Path, shape: data.Shape) -> None:
    from ingestion.raw_tables import ensure_raw_tables

    conn = _connect(db)
    ensure_raw_tables(conn, "duckdb")
    data.insert_targets(conn, shape)
    conn.close()


def time_nightly_marts(db: Path, work: Path, repeats: int) -> dict[str, Any]:
    """The targets and benchmark marts rebuilt (models, seeds, data tests) on the built
    warehouse, `repeats` times: what they add to the nightly build, beside the whole build."""
    runs, idle = [], []
    for n in range(repeats):
        runs.append(run_dbt(NIGHTLY_MARTS, db, work, f"targets_benchmarks_{n}"))
        # the same dbt process selecting nothing: start-up and parse, which the nightly
        # build pays once whatever it builds
        idle.append(run_dbt(NOTHING, db, work, f"dbt_start_{n}")["wall_seconds"])
    walls = [r["wall_seconds"] for r in runs]
    sql = [r.get("sql_seconds", 0.0) for r in runs]
    median = sorted(runs, key=lambda r: r["wall_seconds"])[len(runs) // 2]
    return {"command": median["command"], "wall_seconds_runs": walls,
            "wall_seconds_median": statistics.median(walls),
            "dbt_start_seconds_median": statistics.median(idle),
            "added_seconds_median": round(statistics.median(
                w - i for w, i in zip(walls, idle, strict=True)), 2),
            "sql_seconds_median": round(statistics.median(sql), 2),
            "exit_code": max(r["exit_code"] for r in runs),
            "top_nodes": median.get("top_nodes", []),
            **({"error_tail": median["error_tail"]} if "error_tail" in median else {})}


def _dbt_common(db: Path, work: Path) -> list[str]:
    return ["--target", "duckdb", "--project-dir", str(ROOT),
            "--profiles-dir", str(ROOT / "dbt_project"),
            "--target-path", str(work / "target"), "--log-path", str(work / "logs")]


class InProcessDbt:
    """A long-lived process's dbt: imported and parsed once, then each refresh is
    `dbtRunner(manifest=...).invoke(...)` (what a Dagster code server or a small daemon
    holding the manifest would do). Timed per invoke: warm, no import and no parse."""

    def __init__(self, db: Path, work: Path) -> None:
        os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
        os.environ["BLIPEE_DUCKDB_PATH"] = str(db)
        started = time.perf_counter()
        from dbt.cli.main import dbtRunner

        self.runner_class = dbtRunner
        self.import_seconds = round(time.perf_counter() - started, 2)
        self.common = [*_dbt_common(db, work)]
        self.common[self.common.index(str(work / "target"))] = str(work / "target_inprocess")
        started = time.perf_counter()
        parsed = dbtRunner().invoke(["parse", "--quiet", "--no-partial-parse", *self.common])
        self.parse_seconds = round(time.perf_counter() - started, 2)
        if not parsed.success:
            raise RuntimeError(f"dbt parse failed: {parsed.exception}")
        self.manifest = parsed.result
        self._release()

    @staticmethod
    def _release() -> None:
        # dbt-duckdb keeps the file open in this process; release it for the CLI runs and
        # the checks (a long-lived process serving only itself would keep it)
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        DuckDBConnectionManager.close_all_connections()

    def run(self, args: list[str]) -> dict[str, Any]:
        started = time.perf_counter()
        res = self.runner_class(manifest=self.manifest).invoke(
            [*args, *IN_PROCESS_FLAGS, *self.common])
        wall = time.perf_counter() - started
        self._release()
        result: dict[str, Any] = {
            "command": "dbtRunner(manifest=...).invoke(dbt " + " ".join(
                [*args, *IN_PROCESS_FLAGS]) + ")",
            "wall_seconds": round(wall, 2), "exit_code": 0 if res.success else 1,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "process_import_seconds": self.import_seconds,
            "process_parse_seconds": self.parse_seconds,
        }
        if res.result is not None and hasattr(res.result, "results"):
            result.update(summarise_run_results({
                "elapsed_time": res.result.elapsed_time,
                "results": [{"unique_id": r.node.unique_id, "status": str(r.status),
                             "execution_time": r.execution_time} for r in res.result.results],
            }))
        if not res.success:
            result["error_tail"] = repr(res.exception)[-3000:]
        return result


def run_dbt(args: list[str], db: Path, work: Path, log_name: str) -> dict[str, Any]:
    """Run dbt in a child process; wall seconds, peak RSS and run_results' node timings."""
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DBT_", "BLIPEE_"))},
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "BLIPEE_DUCKDB_PATH": str(db),
    }
    target = work / "target"
    command = [str(DBT), *args, *_dbt_common(db, work)]
    (target / "run_results.json").unlink(missing_ok=True)
    log = work / f"{log_name}.log"
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=environ, cwd=ROOT, stdout=out,
                                   stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
    result: dict[str, Any] = {
        "command": "dbt " + " ".join(args),
        "wall_seconds": round(wall, 2),
        "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),  # Linux: kilobytes
        "exit_code": os.waitstatus_to_exitcode(status),
        "log": str(log.relative_to(ROOT) if log.is_relative_to(ROOT) else log),
    }
    results_file = target / "run_results.json"
    if results_file.exists():
        result.update(summarise_run_results(json.loads(results_file.read_text())))
    if result["exit_code"] != 0:
        result["error_tail"] = log.read_text()[-3000:]
    return result


def summarise_run_results(run_results: dict[str, Any]) -> dict[str, Any]:
    """SQL seconds in total and per resource type, failures, and the costliest nodes."""
    nodes = [
        {"node": r["unique_id"], "status": r["status"],
         "seconds": round(r.get("execution_time") or 0.0, 3)}
        for r in run_results["results"]
    ]
    by_type: dict[str, float] = {}
    for node in nodes:
        kind = node["node"].split(".", 1)[0]
        by_type[kind] = round(by_type.get(kind, 0.0) + node["seconds"], 3)
    nodes.sort(key=lambda n: n["seconds"], reverse=True)
    return {
        "sql_seconds": round(sum(n["seconds"] for n in nodes), 2),
        "sql_seconds_by_type": by_type,
        "dbt_elapsed_seconds": round(run_results.get("elapsed_time") or 0.0, 2),
        "nodes": len(nodes),
        "not_ok": [n for n in nodes if n["status"] not in ("success", "pass", "no-op")],
        "top_nodes": nodes[:TOP_NODES],
    }


def _hour_filter(column: str, hour_start: datetime) -> str:
    end = hour_start + timedelta(hours=1)
    return (f"{column} >= timestamptz '{hour_start.isoformat()}' "
            f"and {column} < timestamptz '{end.isoformat()}'")


def baseline_sql(hour_start: datetime) -> str:
    """The bare aggregate a hand-written job would run over one new hour of rows."""
    return f"""
        with traffic as (
            select s.site_id, date_trunc('hour', c.period_start) as hour_start_at,
                   sum(case when s.line_role = 'entrance' then c.count_in end) as footfall,
                   sum(case when s.line_role = 'entrance' then c.count_out end) as exits,
                   sum(case when s.line_role = 'passerby' then c.count_in + c.count_out end)
                       as passersby
            from raw.sensor_counts as c
            join raw.sensors as s on c.sensor_id = s.sensor_id and c.line_id = s.line_id
            where {_hour_filter('c.period_start', hour_start)}
            group by all
        ),
        sales as (
            select site_id, date_trunc('hour', ts) as hour_start_at,
                   count(*) filter (where type = 'sale' and net_amount > 0) as transactions,
                   sum(net_amount) filter (where type = 'sale') as sales_amount,
                   sum(item_count) filter (where type = 'sale' and net_amount > 0) as units
            from raw.pos_transactions
            where {_hour_filter('ts', hour_start)}
            group by all
        )
        select * from traffic full join sales using (site_id, hour_start_at)
    """


def time_baseline(db: Path, hour_start: datetime, repeats: int = 3) -> dict[str, Any]:
    """Best-of-`repeats` seconds of the bare GROUP BY, and its footfall total for checking."""
    conn = _connect(db)
    sql = baseline_sql(hour_start)
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        rows = conn.execute(sql).fetchall()
        timings.append(time.perf_counter() - started)
    footfall = conn.execute(f"select sum(footfall) from ({sql})").fetchone()[0]
    conn.close()
    return {"seconds": round(min(timings), 4), "seconds_first": round(timings[0], 4),
            "groups": len(rows), "footfall": int(footfall or 0)}


def check_new_hour(db: Path, hour_start: datetime, stores: int) -> dict[str, Any]:
    """fct_site_hourly must hold the new hour for every store, with the baseline's sums."""
    conn = _connect(db)
    row = conn.execute(
        f"select count(*), sum(footfall), count(*) filter (where data_complete) "
        f"from marts.fct_site_hourly where hour_start_at = timestamptz '{hour_start.isoformat()}'"
    ).fetchone()
    conn.close()
    return {"rows": row[0], "footfall": int(row[1] or 0), "complete_rows": row[2],
            "expected_rows": stores}


def refresh(name: str, db: Path, work: Path, shape: data.Shape,
            hours_after: int, in_process: InProcessDbt | None = None) -> dict[str, Any]:
    """Land the next hour, run one refresh, time the baseline, check the fact."""
    hour_start = shape.next_hour_start(hours_after)
    conn = _connect(db)
    started = time.perf_counter()
    data.land_hour(conn, shape, hours_after)
    land_seconds = time.perf_counter() - started
    conn.close()
    if name in COLD:
        (work / "target" / "partial_parse.msgpack").unlink(missing_ok=True)
    load = os.getloadavg()[0]
    if name in IN_PROCESS:
        assert in_process is not None
        result = in_process.run(REFRESHES[name])
        result["parse"] = "none (manifest parsed once by the long-lived process)"
    else:
        result = run_dbt(REFRESHES[name], db, work, name)
        result["parse"] = ("cold (no partial_parse.msgpack)" if name in COLD
                           else "warm (partial)")
        timing = parse_timing(work / name)
        if timing:
            result["parse_timing"] = timing
    result["load_1min"] = round(load, 2)
    result["hour_start_at"] = hour_start.isoformat()
    result["land_seconds"] = round(land_seconds, 3)
    if result["exit_code"] != 0:
        return result
    result["baseline"] = time_baseline(db, hour_start)
    if result.get("sql_seconds") and result["baseline"]["seconds"]:
        result["ratio_sql_to_baseline"] = round(
            result["sql_seconds"] / result["baseline"]["seconds"], 1)
        result["ratio_wall_to_baseline"] = round(
            result["wall_seconds"] / result["baseline"]["seconds"], 1)
    result["fact_check"] = check_new_hour(db, hour_start, shape.stores)
    fact = result["fact_check"]
    result["fact_matches_baseline"] = (fact["rows"] == shape.stores
                                       and fact["footfall"] == result["baseline"]["footfall"])
    return result


def _hours_landed(db: Path, shape: data.Shape) -> int:
    """How many new hours past the history a warehouse already holds (raw counting rows)."""
    conn = _connect(db)
    newest = conn.execute("select max(period_start) from raw.sensor_counts").fetchone()[0]
    conn.close()
    step = timedelta(minutes=shape.interval_minutes)
    return max(0, int((newest + step - shape.history_end) / timedelta(hours=1)))


def _median_run(results: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median wall time, and every run's wall, baseline and load."""
    ordered = sorted(results, key=lambda r: r["wall_seconds"])
    median = dict(ordered[(len(ordered) - 1) // 2])
    walls = [r["wall_seconds"] for r in results]
    bases = [r["baseline"]["seconds"] for r in results if "baseline" in r]
    median["runs"] = len(results)
    median["wall_seconds_all"] = walls
    median["wall_seconds_median"] = round(statistics.median(walls), 2)
    median["baseline_seconds_all"] = bases
    median["load_1min_all"] = [r.get("load_1min") for r in results]
    if bases:
        base = statistics.median(bases)
        median["baseline_seconds_median"] = round(base, 4)
        median["ratio_median_wall_to_median_baseline"] = round(
            statistics.median(walls) / base, 1)
    median["exit_code"] = max(r["exit_code"] for r in results)
    median["fact_matches_baseline"] = all(r.get("fact_matches_baseline") for r in results)
    return median


def parse_timing(log_stem: Path) -> dict[str, float]:
    """Seconds from the process start to dbt's first log line, to the end of parsing (its
    'Found N models' line) and to the first node started, read from the log's timestamps
    relative to the first line (dbt's import time is not in the log: wall minus total)."""
    log = log_stem.with_suffix(".log")
    if not log.exists():
        return {}
    stamps: dict[str, float] = {}
    first: float | None = None
    for line in log.read_text().splitlines():
        clean = line.replace("\x1b[0m", "")
        head = clean[:8]
        if len(head) != 8 or head[2] != ":" or head[5] != ":":
            continue
        h, m, sec = (int(x) for x in head.split(":"))
        at = h * 3600 + m * 60 + sec
        first = at if first is None else first
        if "Found " in clean and "found" not in stamps:
            stamps["found"] = at - first
        if (" START " in clean or "Concurrency:" in clean) and "start" not in stamps:
            stamps["start"] = at - first
    stamps["last"] = at - first if first is not None else 0.0
    return {f"log_{k}_s": float(v) for k, v in stamps.items()}


def print_table(payload: dict[str, Any]) -> None:
    full = payload["full_build"]
    print(f"\n{'step':18s} {'runs':>4s} {'median s':>8s} {'all wall s':>24s} {'SQL s':>6s} "
          f"{'nodes':>5s} {'base ms':>7s} {'wall/base':>9s} {'load':>5s}  target")
    print(f"{'full_build':18s} {1:>4d} {full['wall_seconds']:>8.2f} {'':>24s} "
          f"{full.get('sql_seconds', 0):>6.2f} {full.get('nodes', 0):>5d}")
    for name, r in payload["refreshes"].items():
        ratio = r.get("ratio_median_wall_to_median_baseline", float("nan"))
        wall = r["wall_seconds_median"]
        target = (f"wall < {TARGET_REFRESH_WALL_S:.0f} s: "
                  f"{'ok' if wall < TARGET_REFRESH_WALL_S else 'MISSED'}, "
                  f"wall/base <= {TARGET_RATIO_TO_BASELINE:.0f}: "
                  f"{'ok' if ratio <= TARGET_RATIO_TO_BASELINE else 'MISSED'}"
                  if REFRESHES[name] == HOURLY else "-")
        base = r.get("baseline_seconds_median", float("nan")) * 1000
        walls = " ".join(f"{w:.1f}" for w in r["wall_seconds_all"])
        loads = [x for x in r["load_1min_all"] if x is not None]
        print(f"{name:18s} {r['runs']:>4d} {wall:>8.2f} {walls:>24s} "
              f"{r.get('sql_seconds', 0):>6.2f} {r.get('nodes', 0):>5d} {base:>7.1f} "
              f"{ratio:>9.1f} {statistics.median(loads) if loads else 0:>5.2f}  {target}")
    for name, r in [("full_build", full), *payload["refreshes"].items()]:
        top = ", ".join(f"{n['node'].split('.')[2]} {n['seconds']:.2f}"
                        for n in r.get("top_nodes", [])[:3])
        if top:
            print(f"  {name}: costliest nodes (s): {top}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stores", type=int, default=500)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--interval-minutes", type=int, default=15, choices=(5, 10, 15, 30, 60))
    parser.add_argument("--refreshes", nargs="*", default=list(REFRESHES),
                        choices=list(REFRESHES), help="refreshes to time, one new hour each")
    parser.add_argument("--keep", action="store_true", help="keep the warehouse file")
    parser.add_argument("--workdir", type=Path, default=WORKDIR,
                        help="where the warehouse, dbt's target and logs go (emptied first)")
    parser.add_argument("--raw-cache", type=Path, default=None,
                        help="a DuckDB file of generated raw tables: copied when it exists "
                             "for the same shape, else written after generating")
    parser.add_argument("--warehouse", type=Path, default=None,
                        help="a warehouse already fully built by this benchmark (e.g. an "
                             "earlier run's --keep): copied, and the full build skipped")
    parser.add_argument("--first-hour", type=int, default=0,
                        help="index of the first new hour to land (default: 0, or with "
                             "--warehouse one past the newest hour it holds)")
    parser.add_argument("--hour-step", type=int, default=1,
                        help="hours between the landed hours (24: the same open hour of "
                             "successive days, when a reused warehouse already holds the "
                             "evening)")
    parser.add_argument("--marts-repeats", type=int, default=3,
                        help="times to rebuild the targets and benchmark marts (0: skip)")
    parser.add_argument("--repeats", type=int, default=1,
                        help="run each refresh this many times (one new hour each): medians")
    args = parser.parse_args(argv)
    shape = data.Shape(args.stores, args.days, args.interval_minutes)

    work = args.workdir.resolve()
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    db = work / "warehouse.duckdb"
    if args.warehouse:
        started = time.perf_counter()
        shutil.copyfile(args.warehouse, db)
        generated = {"copied_built_warehouse": str(args.warehouse), "rows": {},
                     "seconds": round(time.perf_counter() - started, 2)}
    else:
        generated = generate_or_copy(db, shape, args.raw_cache)
    print(f"generated {shape.stores} stores x {shape.days} days: "
          f"{json.dumps(generated['rows'])} in {generated['seconds']} s", flush=True)

    if args.warehouse:
        full = {"command": "skipped (--warehouse)", "wall_seconds": 0.0, "peak_rss_mb": 0.0,
                "exit_code": 0}
        if (args.warehouse.parent / "target" / "partial_parse.msgpack").exists():
            shutil.copytree(args.warehouse.parent / "target", work / "target")
    else:
        full = run_dbt(["build"], db, work, "full_build")
    print(f"full_build {json.dumps({k: v for k, v in full.items() if k != 'top_nodes'})}",
          flush=True)
    marts: dict[str, Any] = {}
    if full["exit_code"] == 0 and args.marts_repeats:
        marts = time_nightly_marts(db, work, args.marts_repeats)
        shown = {k: v for k, v in marts.items() if k != "error_tail"}
        print(f"targets_benchmarks {json.dumps(shown)}", flush=True)
    refreshes: dict[str, dict[str, Any]] = {}
    runs: dict[str, list[dict[str, Any]]] = {}
    in_process = (InProcessDbt(db, work) if IN_PROCESS & set(args.refreshes)
                  and full["exit_code"] == 0 else None)
    hours_after = args.first_hour
    if args.warehouse and args.first_hour == 0:
        hours_after = _hours_landed(db, shape)  # the copied warehouse's hours are taken
    if full["exit_code"] == 0:
        for repeat in range(args.repeats):
            for name in args.refreshes:
                while args.hour_step % 24 == 0 and (
                        shape.next_hour_start(hours_after).weekday() == 6):
                    hours_after += 24  # Sundays: the demo's Sunday-closed stores have no hour
                r = refresh(name, db, work, shape, hours_after, in_process)
                hours_after += args.hour_step
                runs.setdefault(name, []).append(r)
                shown = {k: v for k, v in r.items() if k != "error_tail"}
                print(f"{name}#{repeat} {json.dumps(shown)}", flush=True)
        for name, results in runs.items():
            refreshes[name] = _median_run(results)

    targets_met = {
        "full_build_ok": full["exit_code"] == 0,
        "refreshes_ok": bool(refreshes) and all(r["exit_code"] == 0 for r in refreshes.values()),
        "fact_matches_baseline": all(r.get("fact_matches_baseline") for r in refreshes.values()),
    }
    if marts:
        targets_met[f"targets_benchmarks_under_{TARGET_NIGHTLY_MARTS_S:.0f}s"] = (
            marts["exit_code"] == 0 and marts["added_seconds_median"] < TARGET_NIGHTLY_MARTS_S)
    for name, r in refreshes.items():
        if REFRESHES[name] == HOURLY:
            targets_met[f"{name}_wall_under_{TARGET_REFRESH_WALL_S:.0f}s"] = (
                r["wall_seconds_median"] < TARGET_REFRESH_WALL_S)
            targets_met[f"{name}_wall_within_{TARGET_RATIO_TO_BASELINE:.0f}x_baseline"] = (
                r.get("ratio_median_wall_to_median_baseline", float("inf"))
                <= TARGET_RATIO_TO_BASELINE)
    payload = {
        "benchmark": "transform",
        "measured_at": datetime.now(UTC).isoformat(),
        "shape": {"stores": shape.stores, "days": shape.days,
                  "interval_minutes": shape.interval_minutes,
                  "history_end": shape.history_end.isoformat()},
        "generate": generated,
        "full_build": full,
        "targets_benchmarks": {**marts, "ratio_median_to_full_build": round(
            marts["wall_seconds_median"] / full["wall_seconds"], 3)
            if marts and full["wall_seconds"] else None},
        "refreshes": refreshes,
        "runs": runs,
        "uptime_load_at_end": [round(x, 2) for x in os.getloadavg()],
        "primary_refresh": PRIMARY,
        "targets": {"hourly_wall_seconds": TARGET_REFRESH_WALL_S,
                    "targets_benchmarks_wall_seconds": TARGET_NIGHTLY_MARTS_S,
                    "hourly_wall_to_baseline_max": TARGET_RATIO_TO_BASELINE},
        "targets_met": targets_met,
    }
    print_table(payload)
    print(f"targets: {targets_met}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "transform.json").write_text(json.dumps(payload, indent=2) + "\n")
    if not args.keep:
        for stale in (db, db.with_name(db.name + ".wal")):
            stale.unlink(missing_ok=True)
    return 0 if all(targets_met.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
