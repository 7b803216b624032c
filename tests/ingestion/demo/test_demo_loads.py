"""End to end: the real loader takes the demo in, quarantining exactly the planted rows."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime

import pytest
from demo_landing_reader import milesight_docs, milesight_line

from infra.settings import Settings
from infra.warehouse import connect_duckdb
from ingestion.demo import generate_demo
from ingestion.loader import load_landing
from ingestion.raw_tables import ensure_raw_tables


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    # a week without a DST change: 6 stores hold every vendor format and POS system
    root = tmp_path_factory.mktemp("demo-load")
    demo = generate_demo(root / "landing", stores=6, days=7, seed=42, end_date=date(2026, 10, 23))
    conn = connect_duckdb(root / "warehouse.duckdb")
    ensure_raw_tables(conn, "duckdb")
    settings = Settings(data_dir=root, landing_dir=demo.landing_dir)
    report = load_landing(conn, "duckdb", demo.landing_dir, settings=settings)
    yield demo, conn, report
    conn.close()


def test_only_the_malformed_rows_are_quarantined(loaded) -> None:
    demo, conn, _ = loaded
    rows = conn.execute("select source_file, reason_code from raw.quarantine").fetchall()
    (malformed_file,) = demo.fault("malformed_rows").files
    assert {source for source, _ in rows} == {malformed_file}
    assert Counter(code for _, code in rows) == {"MALFORMED_ROW": 2, "NEGATIVE_COUNT": 1,
                                                 "BAD_PERIOD": 1}


def test_the_duplicate_file_loads_once(loaded) -> None:
    demo, _, report = loaded
    copy = demo.fault("duplicate_file").files[1]
    skipped = [f.path for f in report.files if f.status == "skipped"]
    assert skipped == [copy]


def test_every_ticket_lands_once(loaded) -> None:
    demo, conn, _ = loaded
    (count,) = conn.execute("select count(*) from raw.pos_transactions").fetchone()
    assert count == demo.transactions
    types = dict(conn.execute("select type, count(*) from raw.pos_transactions group by 1")
                 .fetchall())
    assert set(types) == {"sale", "return", "void"}


def test_the_resent_counts_win(loaded) -> None:
    demo, conn, _ = loaded
    fault = demo.fault("resent_period")
    resend = demo.landing_dir / fault.files[1]
    sent_again = {start.astimezone(UTC): count_in for start, count_in, _ in
                  milesight_line(resend, 1)}
    stored = dict(conn.execute(
        "select period_start, count_in from raw.sensor_counts where sensor_id = ? and "
        "line_id = '1' and period_start >= ? and period_start < ?",
        [fault.sensor_id, fault.start, fault.end]).fetchall())
    assert {k.astimezone(UTC): v for k, v in stored.items()} == sent_again


def test_the_outage_stays_a_gap(loaded) -> None:
    demo, conn, _ = loaded
    fault = demo.fault("sensor_outage")
    (inside,) = conn.execute(
        "select count(*) from raw.sensor_counts where sensor_id = ? and period_start >= ? "
        "and period_start < ?", [fault.sensor_id, fault.start, fault.end]).fetchone()
    assert inside == 0


def test_the_counter_reset_becomes_interval_counts(loaded) -> None:
    demo, conn, _ = loaded
    fault = demo.fault("counter_reset")
    docs = milesight_docs(demo.landing_dir / fault.files[0])
    totals = [next(x["total"]["in_counted"] for x in d["line_total_data"] if x["line"] == 1)
              for d in docs]
    reboot = next(i for i in range(1, len(totals)) if totals[i] < totals[i - 1])
    # the day's entries = the total reached before the reboot + the total reached after it
    # (the counter restarted at local midnight, before the file's first reading)
    expected = totals[reboot - 1] + totals[-1]
    day_start = datetime.fromisoformat(docs[0]["time_info"]["start_time"])
    day_end = datetime.fromisoformat(docs[-1]["time_info"]["end_time"])
    (stored,) = conn.execute(
        "select sum(count_in) from raw.sensor_counts where sensor_id = ? and line_id = '1' "
        "and period_start >= ? and period_start < ?",
        [fault.sensor_id, day_start, day_end]).fetchone()
    assert stored == expected
