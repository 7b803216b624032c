"""The GE suites (the declarative spec) and the loader's polars checks agree row rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import polars as pl
import pytest

from ingestion.expectations import run_suite, suite_names, suite_spec
from ingestion.loader.frames import canonicalise
from ingestion.loader.validation import validate
from ingestion.schemas import ALL_TABLES, SENSOR_COUNTS

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
T0 = datetime(2025, 2, 1, 10, 0, tzinfo=UTC)
Q = timedelta(minutes=15)
SENSORS = pl.DataFrame({"sensor_id": ["sen1"], "line_id": ["1"],
                        "max_count_per_interval": [100], "interval_minutes": [15]})
GOOD = {"sensor_id": "sen1", "line_id": "1", "period_start": T0, "period_end": T0 + Q,
        "count_in": 5, "count_out": 4}
# one bad row per rule, appended to a good row; expected reason code
CASES = {
    "NEGATIVE_COUNT": {"period_start": T0 + Q, "period_end": T0 + 2 * Q, "count_in": -1},
    "BAD_PERIOD": {"period_start": T0 + Q, "period_end": T0 + Q},
    "FUTURE_TIMESTAMP": {"period_start": NOW + Q, "period_end": NOW + 2 * Q},
    "IMPLAUSIBLE_COUNT": {"period_start": T0 + Q, "period_end": T0 + 2 * Q, "count_out": 101},
    "DUPLICATE_KEY": {"count_in": 6},
}


def _frame(*overrides: dict) -> pl.DataFrame:
    rows = [GOOD, *({**GOOD, **o} for o in overrides)]
    canonical = canonicalise(pl.DataFrame(rows), SENSOR_COUNTS)
    assert canonical.rejected.is_empty()
    return canonical.rows.drop("_line_no", "_raw")


def test_every_fact_suite_names_known_columns_and_reason_codes():
    assert suite_names() == ["pos_transactions", "sensor_counts", "sensor_occupancy",
                             "zone_activity"]
    for name in suite_names():
        columns = set(ALL_TABLES[name].column_names) | {"max_count"}
        for expectation in suite_spec(name)["expectations"]:
            kwargs = expectation["kwargs"]
            used = [kwargs.get(k) for k in ("column", "column_A", "column_B") if k in kwargs]
            used += kwargs.get("column_list", [])
            assert set(used) <= columns, (name, expectation)


def test_clean_frame_passes_both():
    frame = _frame({"period_start": T0 + Q, "period_end": T0 + 2 * Q})
    kept, rejected = validate(frame, SENSOR_COUNTS, now=NOW, sensors=SENSORS)
    assert (kept.height, rejected.height) == (2, 0)
    outcome = run_suite(frame, "sensor_counts", now=NOW, sensors=SENSORS)
    assert outcome.success and outcome.failed == []
    assert outcome.evaluated == len(suite_spec("sensor_counts")["expectations"])


@pytest.mark.parametrize("code", sorted(CASES))
def test_each_bad_row_fails_the_same_rule_in_both(code):
    frame = _frame(CASES[code])
    kept, rejected = validate(frame, SENSOR_COUNTS, now=NOW, sensors=SENSORS)
    assert rejected["_reason_code"].to_list() == [code]
    assert kept.height == 1
    outcome = run_suite(frame, "sensor_counts", now=NOW, sensors=SENSORS)
    assert not outcome.success
    assert outcome.failed_reason_codes == {code}
