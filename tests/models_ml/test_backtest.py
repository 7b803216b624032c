"""Rolling-origin backtests, the ml tables and `blipee backtest`, on real warehouse files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from infra.warehouse import connect_duckdb, connect_postgres
from models_ml import store
from models_ml.backtest import (
    BacktestInputError,
    NotEnoughHistory,
    backtest,
    choose_interval,
    custom_spec,
    read_origins,
    rolling_origins,
    score_methods,
)
from models_ml.data import Inputs, read_inputs
from models_ml.pipeline import (
    MlSettings,
    estimate_missing_hours,
    forecast,
    read_recent,
    run_backtest,
    train,
)
from models_ml.spec import FeatureSpec, TrainConfig, default_params
from models_ml.synthetic import make_chain, write_duckdb, write_postgres

FIRST_ORIGIN = pd.Timestamp("2026-02-23 10:00", tz="UTC")


def _config() -> TrainConfig:
    return TrainConfig(history_days=60, params={**default_params(1), "num_boost_round": 40})


@pytest.fixture(scope="module")
def chain():
    return make_chain(n_sites=3, days=42)


def _origins(sites=("S000", "S001"), days=(0, 1, 4)) -> pd.DataFrame:
    return pd.DataFrame([(s, FIRST_ORIGIN + pd.Timedelta(days=d)) for d in days for s in sites],
                        columns=["site_id", "origin"])


def test_backtest_sees_nothing_at_or_after_an_origin(warehouse):
    """Every value at and after the last fold's origin changes; that fold's forecasts and
    the earlier folds' stay the same, because each model and feature stops at its origin."""
    spec = FeatureSpec(max_horizon_hours=4)
    before = backtest(read_inputs(warehouse, "duckdb", "footfall"), spec, _config(),
                      _origins(), refit_days=3)
    last = FIRST_ORIGIN + pd.Timedelta(days=4)
    warehouse.execute("update marts.fct_site_hourly set footfall = footfall * 5 + 11 "
                      "where hour_start_at >= ?", [last.to_pydatetime()])
    warehouse.execute("update raw.weather set temperature_c = -30 where ts >= ?",
                      [last.to_pydatetime()])
    after = backtest(read_inputs(warehouse, "duckdb", "footfall"), spec, _config(),
                     _origins(), refit_days=3)
    assert before.folds == 2  # days 0-1 in one fold, day 4 in the next
    cols = ["site_id", "origin", "hour_start_at", "yhat", "p10_quantile", "p90_quantile",
            "seasonal_naive_week", "seasonal_naive_day", "mean_4_weekdays"]
    pd.testing.assert_frame_equal(before.forecasts[cols], after.forecasts[cols])
    assert not np.allclose(before.forecasts["y"].fillna(0), after.forecasts["y"].fillna(0))


def test_baselines_read_the_same_local_hour_back(warehouse):
    spec = FeatureSpec(max_horizon_hours=4)
    result = backtest(read_inputs(warehouse, "duckdb", "footfall"), spec, _config(),
                      _origins(sites=("S001",), days=(0,)))
    series = read_inputs(warehouse, "duckdb", "footfall").series.set_index(
        ["site_id", "local_start_at"])["y"]
    inputs = read_inputs(warehouse, "duckdb", "footfall").series
    local = inputs.set_index(["site_id", "hour_start_at"])["local_start_at"]
    for row in result.forecasts.itertuples():
        at = local[(row.site_id, row.hour_start_at)]
        week = [series[(row.site_id, at - pd.Timedelta(days=7 * k))] for k in (1, 2, 3, 4)]
        assert row.seasonal_naive_week == pytest.approx(week[0])
        assert row.seasonal_naive_day == pytest.approx(
            series[(row.site_id, at - pd.Timedelta(days=1))])
        assert row.mean_4_weekdays == pytest.approx(np.mean(week))


def test_scores_compare_every_method_on_the_same_hours():
    """Two 4-hour windows; the baseline lacks one hour of the second, so that hour leaves
    every method's score. Model: |10-13| + |20-20| + |10-10| over 40 = 0.075 hourly WAPE."""
    t = pd.Timestamp("2026-01-05 09:00", tz="UTC")
    frame = pd.DataFrame({
        "site_id": "S", "origin": [t, t, t, t],
        "hour_start_at": [t + pd.Timedelta(hours=h) for h in range(4)],
        "horizon_hours": [1, 2, 3, 4], "y": [10.0, 20.0, 10.0, 30.0],
        "yhat": [13.0, 20.0, 10.0, 0.0], "p10": [9.0, 15.0, 11.0, 0.0],
        "p90": [13.0, 25.0, 12.0, 1.0],
        "seasonal_naive_week": [10.0, 10.0, 10.0, np.nan],
        "seasonal_naive_day": [10.0, 20.0, 20.0, 5.0], "mean_4_weekdays": [5.0, 20.0, 10.0, 1.0],
    })
    scores = score_methods(frame, mase_scale=2.0, interval="quantile").set_index("method")
    assert scores.loc["lightgbm", "hours"] == 3
    assert scores.loc["lightgbm", "wape"] == pytest.approx(3 / 40)
    assert scores.loc["seasonal_naive_week", "wape"] == pytest.approx(10 / 40)
    assert scores.loc["lightgbm", "mase"] == pytest.approx((3 / 3) / 2.0)
    assert scores.loc["lightgbm", "coverage_80"] == pytest.approx(2 / 3)  # 10 < 11 misses
    # one window of 3 known hours: 43 against 40 (7.5%) is within 10%, not within 5%
    assert scores.loc["lightgbm", "wape_4h"] == pytest.approx(3 / 40)
    assert scores.loc["lightgbm", "share_4h_within_10pct"] == 1.0
    assert scores.loc["lightgbm", "share_4h_within_5pct"] == 0.0
    assert pd.isna(scores.loc["mean_4_weekdays", "coverage_80"])


def test_the_band_covering_closer_to_80_percent_is_chosen():
    assert choose_interval({"quantile": 0.66, "conformal": 0.79}) == "conformal"
    assert choose_interval({"quantile": 0.83, "conformal": 0.70}) == "quantile"
    assert choose_interval({"quantile": float("nan"), "conformal": 0.5}) == "conformal"


def test_pipeline_trains_forecasts_and_estimates_outages(warehouse, tmp_path):
    warehouse.execute("update marts.fct_site_hourly set is_traffic_complete = false, "
                      "footfall = null where site_id = 'S001' "
                      "and hour_start_at between '2026-02-27 12:00+00' and '2026-02-27 14:00+00'")
    inputs = read_inputs(warehouse, "duckdb", "footfall")
    settings = MlSettings(models_dir=tmp_path / "models", rounds=30)
    result = run_backtest(inputs, "nowcast", settings,
                          rolling_origins(inputs, 4, days=9, every_hours=12))
    assert set(result.scores["method"]) == {"lightgbm", "seasonal_naive_week",
                                            "seasonal_naive_day", "mean_4_weekdays"}
    model = train(inputs, "nowcast", settings, calibration=result)
    assert model.chosen_interval == result.chosen_interval
    rows = forecast(inputs, model, "nowcast")
    # the chain's data ends at midnight UTC: each store's next 4 open hours from opening
    assert rows.groupby("site_id").size().to_dict() == {"S000": 4, "S001": 4, "S002": 4}
    assert (rows["hour_start_at"] >= rows["origin"]).all()
    assert (rows["p10"] <= rows["yhat"]).all() and (rows["yhat"] <= rows["p90"]).all()
    estimates = estimate_missing_hours(inputs, model)
    lost = estimates[estimates["site_id"] == "S001"]
    assert list(lost["hour_start_at"].dt.hour) == [12, 13, 14]
    # forecast from the hour after the last counted one: 12:00 UTC
    assert (lost["origin"] == pd.Timestamp("2026-02-27 12:00", tz="UTC")).all()
    assert (lost["yhat"] > 0).all()


@pytest.mark.postgres
def test_ml_tables_replace_by_key_on_both_warehouses(tmp_path, pg_dsn, chain):
    t = pd.Timestamp("2026-02-23 10:00", tz="UTC")
    rows = pd.DataFrame({
        "model_version": "v1", "target": "footfall", "horizon": "nowcast", "site_id": "S000",
        "origin": t, "hour_start_at": [t, t + pd.Timedelta(hours=1)], "hours_ahead": [1, 2],
        "yhat": [10.0, 12.5], "p10": [8.0, 9.0], "p90": [12.0, 15.0],
        "interval_method": "conformal", "created_at": t})
    for conn, dialect in ((connect_duckdb(tmp_path / "w.duckdb"), "duckdb"),
                          (connect_postgres(pg_dsn), "postgres")):
        store.replace_rows(conn, dialect, store.FORECASTS, rows)
        store.replace_rows(conn, dialect, store.FORECASTS, rows.assign(yhat=[11.0, 13.0]))
        back = store.read_table(conn, dialect, store.FORECASTS, "order by hours_ahead")
        assert list(back["yhat"]) == [11.0, 13.0], dialect  # replaced, not appended
        assert pd.Timestamp(back["origin"].iloc[0]) == t
        conn.close()
    conn = connect_postgres(pg_dsn)
    write_postgres(conn, chain)
    inputs = read_inputs(conn, "postgres", "footfall")
    assert inputs.series["y"].notna().sum() == chain.hourly["footfall"].notna().sum()
    conn.close()


def test_origins_file_errors_name_the_line(tmp_path):
    good = tmp_path / "o.csv"
    good.write_text("site_id,origin\nS000,2026-02-23T10:00:00Z\nS001,2026-02-23T11:00:00+01:00\n")
    frame = read_origins(good)
    assert list(frame["origin"]) == [FIRST_ORIGIN, FIRST_ORIGIN]
    bad = tmp_path / "bad.csv"
    bad.write_text("site_id,origin\nS000,2026-02-23T10:00:00Z\nS001,yesterday\n")
    with pytest.raises(BacktestInputError, match="line 3"):
        read_origins(bad)
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("store,when\nS000,2026-02-23T10:00:00Z\n")
    with pytest.raises(BacktestInputError, match="missing origin, site_id"):
        read_origins(wrong)


def test_blipee_backtest_writes_one_row_per_site_origin_and_hour(tmp_path, chain, monkeypatch):
    from orchestration.cli import app

    path = tmp_path / "w.duckdb"
    conn = connect_duckdb(path)
    write_duckdb(conn, chain)
    conn.close()
    monkeypatch.setenv("BLIPEE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BLIPEE_WAREHOUSE", "duckdb")
    monkeypatch.setenv("BLIPEE_DUCKDB_PATH", str(path))
    origins = tmp_path / "origins.csv"
    _origins(sites=("S000", "S002", "NOPE"), days=(0, 2)).assign(
        origin=lambda f: f["origin"].map(lambda t: t.isoformat())).to_csv(origins, index=False)
    runner = CliRunner()
    out = tmp_path / "out.parquet"
    result = runner.invoke(app, ["backtest", "--origins", str(origins), "--horizon", "6",
                                 "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "skipped 1 unknown site(s): NOPE" in result.output
    frame = pd.read_parquet(out)
    assert list(frame.columns) == ["site_id", "origin", "hour_start_at", "yhat", "p10", "p90"]
    ahead = (frame["hour_start_at"] - frame["origin"]) / pd.Timedelta(hours=1)
    assert ahead.between(0, 5).all()
    assert set(frame["site_id"]) == {"S000", "S002"} and frame["origin"].nunique() == 2
    # 10:00 UTC is open at both (Lisbon, New York from 14:00 UTC): 6 and 2 open hours
    assert frame.groupby(["site_id", "origin"]).size().to_dict() == {
        ("S000", FIRST_ORIGIN): 6, ("S000", FIRST_ORIGIN + pd.Timedelta(days=2)): 6,
        ("S002", FIRST_ORIGIN): 2, ("S002", FIRST_ORIGIN + pd.Timedelta(days=2)): 2}
    bad = tmp_path / "bad.csv"
    bad.write_text("site_id,origin\nS000,not a time\n")
    failed = runner.invoke(app, ["backtest", "--origins", str(bad), "--horizon", "4",
                                 "--out", str(tmp_path / "x.csv")])
    assert failed.exit_code == 2 and "line 2" in failed.output


def test_a_young_chain_gets_no_backtest_and_says_why(tmp_path):
    conn = connect_duckdb(tmp_path / "young.duckdb")
    write_duckdb(conn, make_chain(n_sites=2, days=10))
    inputs = read_inputs(conn, "duckdb", "footfall")
    assert rolling_origins(inputs, 4, days=21).empty  # 10 days < 14 days of history
    with pytest.raises(NotEnoughHistory, match="14 days of history"):
        run_backtest(inputs, "nowcast", MlSettings(models_dir=tmp_path / "m", rounds=5))
    conn.close()


def test_training_frame_round_trips_through_parquet(warehouse, tmp_path):
    inputs = read_inputs(warehouse, "duckdb", "footfall")
    loaded = Inputs.load(inputs.save(tmp_path / "inputs"))
    for name in Inputs.FRAMES:
        pd.testing.assert_frame_equal(getattr(inputs, name), getattr(loaded, name),
                                      check_dtype=False)
    assert loaded.target == "footfall"


def test_a_live_forecast_reads_only_its_lookback_and_forecasts_the_same(tmp_path):
    """100 days loaded; the nowcast and 14-day forecasts from the last 70 days (the spec's
    look-back) equal those from all 100."""
    conn = connect_duckdb(tmp_path / "long.duckdb")
    write_duckdb(conn, make_chain(n_sites=2, days=100))
    full = read_inputs(conn, "duckdb", "footfall")
    settings = MlSettings(models_dir=tmp_path / "m", rounds=15)
    for horizon in ("nowcast", "day_ahead"):
        model = train(full, horizon, settings)
        recent = read_recent(conn, "duckdb", "footfall", model.spec)
        assert len(recent.series) < len(full.series) * 0.75
        a, b = forecast(full, model, horizon), forecast(recent, model, horizon)
        cols = ["site_id", "hour_start_at", "yhat", "p10", "p90"]
        pd.testing.assert_frame_equal(a[cols], b[cols])
    conn.close()


def test_a_live_forecast_reads_3_days_of_weather_and_forecasts_the_same(tmp_path):
    """The live read takes the last 3 days of weather: with a site's weather ending 10 days,
    60 hours and 30 hours before the newest hour and one site without any, the nowcast
    equals the one from every hour loaded, value for value."""
    conn = connect_duckdb(tmp_path / "w.duckdb")
    write_duckdb(conn, make_chain(n_sites=4, days=80))
    newest = conn.execute("select max(hour_start_at) from marts.fct_site_hourly").fetchone()[0]
    for site, hours in (("S000", 240), ("S001", 60), ("S002", 30)):
        conn.execute("delete from raw.weather where site_id = ? and ts > ?",
                     [site, newest - pd.Timedelta(hours=hours)])
    conn.execute("delete from raw.weather where site_id = 'S003'")
    full = read_inputs(conn, "duckdb", "footfall")
    model = train(full, "nowcast", MlSettings(models_dir=tmp_path / "m", rounds=15))
    recent = read_recent(conn, "duckdb", "footfall", model.spec)
    assert recent.weather["ts"].min() >= newest - pd.Timedelta(days=3)
    assert recent.weather_sites == ["S000", "S001", "S002"]
    cols = ["site_id", "origin", "hour_start_at", "yhat", "p10", "p90"]
    pd.testing.assert_frame_equal(forecast(full, model, "nowcast")[cols],
                                  forecast(recent, model, "nowcast")[cols], check_exact=True)
    conn.close()


def test_blipee_backtest_takes_a_spec_and_parameters(tmp_path, chain, monkeypatch):
    from orchestration.cli import app

    path = tmp_path / "w.duckdb"
    conn = connect_duckdb(path)
    write_duckdb(conn, chain)
    conn.close()
    for name, value in {"BLIPEE_DATA_DIR": str(tmp_path / "data"), "BLIPEE_WAREHOUSE": "duckdb",
                        "BLIPEE_DUCKDB_PATH": str(path)}.items():
        monkeypatch.setenv(name, value)
    origins = tmp_path / "origins.csv"
    origins.write_text("site_id,origin\nS000,2026-02-23T10:00:00Z\n")
    runner = CliRunner()
    base = ["backtest", "--origins", str(origins), "--horizon", "4"]
    wrong = runner.invoke(app, [*base, "--out", str(tmp_path / "x.csv"), "--spec",
                                '{"lags": [1]}'])
    assert wrong.exit_code == 2 and "unknown field(s) lags" in wrong.output
    out = tmp_path / "out.csv"
    done = runner.invoke(app, [*base, "--out", str(out), "--spec",
                               '{"recent_hours": [1, 2], "long_weekhour_mean_weeks": 0}',
                               "--params", '{"num_boost_round": 10}', "--history-days", "30"])
    assert done.exit_code == 0, done.output
    frame = pd.read_csv(out)
    assert len(frame) == 4 and frame["yhat"].notna().all()


def test_custom_spec_applies_the_overrides():
    spec, config = custom_spec("transactions", 6, '{"profile_persistence": true}',
                               '{"objective": "regression_l1"}', 365)
    assert spec.target == "transactions" and spec.max_horizon_hours == 6
    assert spec.profile_persistence is True
    assert config.params["objective"] == "regression_l1" and config.history_days == 365
    with pytest.raises(BacktestInputError, match="not JSON"):
        custom_spec("footfall", 4, "{profile", None)
