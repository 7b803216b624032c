"""The forecaster on a real DuckDB file with synthetic series built here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from models_ml.data import read_inputs
from models_ml.model import Forecaster
from models_ml.spec import FeatureSpec, TrainConfig, default_params
from models_ml.synthetic import make_chain

CUTOFF = pd.Timestamp("2026-02-20", tz="UTC")
ORIGIN = CUTOFF + pd.Timedelta(hours=13)


def _config():
    params = {**default_params(num_threads=1), "num_boost_round": 60}
    return TrainConfig(history_days=60, params=params)


@pytest.fixture(scope="module")
def chain():
    return make_chain(n_sites=4, days=42)


def _forecast(conn, origin=ORIGIN, sites=None):
    inputs = read_inputs(conn, "duckdb", "footfall")
    model = Forecaster(FeatureSpec(), _config(), intervals="quantile").fit(inputs, CUTOFF)
    site_ids = sites or sorted(inputs.sites["site_id"])
    origins = pd.DataFrame({"site_id": site_ids, "origin": origin})
    return model, model.predict(inputs, origins)


def test_no_feature_leaks_the_future(warehouse):
    _, before = _forecast(warehouse)
    warehouse.execute("update marts.fct_site_hourly set footfall = footfall * 3 + 7 "
                      "where hour_start_at >= ?", [ORIGIN.to_pydatetime()])
    warehouse.execute("update raw.weather set temperature_c = 40, precipitation_mm = 30 "
                      "where ts >= ?", [ORIGIN.to_pydatetime()])
    _, after = _forecast(warehouse)
    pd.testing.assert_frame_equal(before, after)


def test_closed_hours_are_not_forecast_and_versions_are_stamped(warehouse):
    _, frame = _forecast(warehouse)
    # 13:00 UTC is 08:00 in New York (S002): its store opens at 09:00, so 3 hours, not 4
    assert frame.groupby("site_id").size().to_dict() == {"S000": 4, "S001": 4, "S002": 3,
                                                         "S003": 4}
    assert (frame["model_version"].str.len() == 12).all()
    late = pd.Timestamp("2026-02-20 20:00", tz="UTC")
    _, evening = _forecast(warehouse, origin=late, sites=["S000"])  # Lisbon closes at 21:00
    assert list(evening["hour_start_at"]) == [late]


def test_new_site_gets_a_forecast(warehouse):
    warehouse.execute("insert into raw.sites select * replace ('S999' as site_id) "
                      "from raw.sites where site_id = 'S001'")
    _, frame = _forecast(warehouse, sites=["S999"])
    assert len(frame) == 4 and (frame["yhat"] > 0).all()


def test_missing_hours_are_missing_not_zero(warehouse):
    warehouse.execute("update marts.fct_site_hourly set is_traffic_complete = false, "
                      "footfall = null where site_id = 'S000' and local_date = '2026-02-18'")
    inputs = read_inputs(warehouse, "duckdb", "footfall")
    day = inputs.series[(inputs.series.site_id == "S000")
                        & (inputs.series.hour_start_at.dt.date == pd.Timestamp("2026-02-18")
                           .date())]
    assert len(day) > 0 and day["y"].isna().all()
    model = Forecaster(FeatureSpec(), _config())
    from models_ml.features import Panel
    panel = Panel(inputs, model.spec)
    _, _, _, y = panel.observed_rows(0, 10**9)
    assert len(y) == inputs.series["y"].notna().sum() and np.isfinite(y).all()


def test_holidays_follow_each_sites_country(warehouse):
    inputs = read_inputs(warehouse, "duckdb", "footfall")
    by_site = inputs.holidays.groupby("site_id")["holiday_date"].apply(set)
    import datetime as dt
    assert dt.date(2026, 4, 25) in by_site["S000"]  # Portugal, Freedom Day
    assert dt.date(2026, 4, 25) not in by_site["S001"]  # Germany
    assert dt.date(2026, 7, 4) in by_site["S002"]  # United States


def test_save_and_load_round_trip(warehouse, tmp_path):
    model, frame = _forecast(warehouse)
    path = model.save(tmp_path / "models")
    loaded = Forecaster.load(path)
    inputs = read_inputs(warehouse, "duckdb", "footfall")
    origins = pd.DataFrame({"site_id": sorted(inputs.sites["site_id"]), "origin": ORIGIN})
    again = loaded.predict(inputs, origins)
    np.testing.assert_allclose(again["yhat"], frame["yhat"])
    assert (path / "metadata.json").is_file() and loaded.version == model.version


def test_the_panel_does_not_depend_on_row_order(warehouse):
    """The live read has no ORDER BY: shuffled rows give the same design matrix, and of two
    hours sharing a local slot (clocks going back) the later UTC hour is kept either way."""
    from models_ml.features import Panel, ceil_hours

    inputs = read_inputs(warehouse, "duckdb", "footfall")
    repeated = pd.DataFrame({  # 01:00 in Lisbon twice on 2026-10-25: 00:00 and 01:00 UTC
        "site_id": ["S000", "S000"],
        "hour_start_at": pd.to_datetime(["2026-10-25 00:00", "2026-10-25 01:00"], utc=True),
        "local_start_at": pd.to_datetime(["2026-10-25 01:00", "2026-10-25 01:00"]),
        "y": [111.0, 222.0]})
    inputs.series = pd.concat([inputs.series, repeated], ignore_index=True)
    shuffled = read_inputs(warehouse, "duckdb", "footfall")
    shuffled.series = inputs.series.sample(frac=1.0, random_state=3)
    spec = FeatureSpec()
    a, b = Panel(inputs, spec), Panel(shuffled, spec)
    slot = int(np.datetime64("2026-10-25T01", "h").astype(np.int64)) - a.base
    for panel in (a, b):
        assert panel.Y[panel.index["S000"], slot] == 222.0
    site = np.repeat(np.arange(4), 48)
    origin = np.repeat(ceil_hours([ORIGIN])[0], len(site)) - np.tile(np.arange(48), 4) * 7
    target = origin + 2
    np.testing.assert_array_equal(a.design(site, origin, target),
                                  b.design(site, origin, target))
