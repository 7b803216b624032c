"""The short summary `blipee demo` ends with: KPIs per store, what loaded, and where to look.

Every figure is read back from the warehouse, and the POS counts are reconciled: the rows
loaded into raw.pos_transactions are sales, returns, voids and exchanges, while the marts'
`transactions` counts only sales with a positive net amount (docs/metrics.md).
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from infra.settings import Settings
from infra.warehouse import open_warehouse
from orchestration.target_summary import built_marts, target_rows, target_table

UI_ADDRESS = "http://127.0.0.1:3000"

# The last 7 local days per site, every ratio a ratio of sums (docs/metrics.md).
KPI_SQL = """
with last_days as (
    select d.*
    from marts.fct_site_daily as d
    where d.local_date > (select max(local_date) from marts.fct_site_daily) - 7
)
select
    s.site_id,
    s.site_name,
    s.currency,
    sum(d.footfall) as footfall,
    sum(d.footfall) * 1.0 / nullif(sum(d.passersby), 0) as capture_rate,
    sum(d.transactions) as transactions,
    sum(d.transactions) * 1.0 / nullif(sum(d.footfall), 0) as conversion_rate,
    sum(d.net_sales) as net_sales,
    sum(d.net_sales) * 1.0 / nullif(sum(d.transactions), 0) as atv
from last_days as d
join marts.dim_site as s on s.site_id = d.site_id
group by 1, 2, 3
order by 1
"""
WINDOW_SQL = """
select max(local_date) - 6, max(local_date), min(local_date) from marts.fct_site_daily
"""
# What loaded, by transaction type, against what the marts count over the same rows.
POS_SQL = """
select type, count(*), sum(case when type = 'sale' and net_amount > 0 then 1 else 0 end)
from raw.pos_transactions group by type order by type
"""
MART_TOTALS_SQL = """
select
    coalesce(sum(transactions), 0),
    coalesce(sum(case when data_complete then transactions else 0 end), 0),
    coalesce(sum(returns), 0),
    coalesce(sum(voids), 0)
from marts.fct_site_hourly
"""
QUARANTINE_SQL = "select count(*), count(distinct source_file) from raw.quarantine"
SENSOR_ROWS_SQL = "select count(*) from raw.sensor_counts"

# The nowcast (the next 4 open hours of every store, footfall) and the newest backtest of
# each target and horizon beside its baselines, read back from the dbt marts.
NOWCAST_SQL = """
select site_id, local_start_at, yhat, p10, p90
from marts.fct_forecasts
where horizon = 'nowcast' and target = 'footfall'
order by site_id, hour_start_at
"""
BACKTEST_SQL = """
with newest as (
    select target, horizon, max(evaluated_at) as evaluated_at
    from marts.fct_backtest_scores
    group by target, horizon
)
select b.target, b.horizon, b.method, b.wape, b.wape_4h, b.share_4h_within_5pct,
       b.share_4h_within_10pct, b.bias, b.mase, b.coverage_80, b.skill_vs_best_baseline,
       b.origins
from marts.fct_backtest_scores as b
join newest as n
    on b.target = n.target and b.horizon = n.horizon and b.evaluated_at = n.evaluated_at
order by b.target, b.horizon desc, b.is_baseline, b.method
"""

NEXT_STEPS = [
    ("make ui", f"the Dagster UI at {UI_ADDRESS}: the demo's run, every asset's metadata "
     "(KPIs and the footfall picture on marts/fct_site_daily, rejects on raw/quarantine), "
     "the checks, the automation"),
    (".venv/bin/blipee quarantine list", "rejected rows by format and reason code"),
    (".venv/bin/blipee quarantine replay --reason-code UNKNOWN_DEVICE",
     "load them again once the device is registered"),
    (".venv/bin/blipee build", "dbt build on the configured warehouse"),
    (".venv/bin/blipee backtest --origins origins.csv --horizon 4 --out forecasts.csv",
     "forecast any (site_id, origin) as the model would have then (docs/forecasting.md)"),
    (".venv/bin/dbt docs generate --project-dir . --profiles-dir dbt_project "
     "--target-path data/dbt/docs", "the dbt docs"),
]


def _fmt(value: object, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{float(value):.1%}"
    if kind == "money":
        return f"{float(value):,.0f}"
    return f"{int(value):,}"


def _kpi_table(rows: list[tuple[Any, ...]], first: Any, last: Any) -> Table:
    table = Table(title=f"Last 7 days per store, {first} to {last} (ratios of sums)")
    for header in ("site", "name", "cur", "footfall", "capture", "transactions",
                   "conversion", "net sales", "ATV"):
        table.add_column(header, justify="right" if header not in ("site", "name") else "left")
    kinds = ("text", "text", "text", "int", "pct", "int", "pct", "money", "money")
    for row in rows:
        table.add_row(*(str(v) if k == "text" else _fmt(v, k)
                        for v, k in zip(row, kinds, strict=True)))
    return table


def reconciliation(conn: Any) -> list[str]:
    """Lines that make the POS and quarantine counts add up to what loaded."""
    by_type = conn.execute(POS_SQL).fetchall()
    loaded = sum(int(n) for _, n, _ in by_type)
    counted = sum(int(c) for _, _, c in by_type)
    parts = ", ".join(f"{int(n):,} {kind}" for kind, n, _ in by_type)
    hourly, complete, returns, voids = (int(v) for v in conn.execute(MART_TOTALS_SQL).fetchone())
    rejected, files = conn.execute(QUARANTINE_SQL).fetchone()
    sensor_rows = conn.execute(SENSOR_ROWS_SQL).fetchone()[0]
    lines = [
        f"raw.pos_transactions: {loaded:,} rows loaded ({parts}).",
        f"  transactions are sales with a positive net amount: {counted:,} in raw, "
        f"{hourly:,} in fct_site_hourly; returns ({returns:,}) and voids ({voids:,}) are "
        "counted apart.",
        f"  The daily figures above add only complete hours: {complete:,} transactions; "
        f"the other {hourly - complete:,} fall in hours with data_complete = false (a sensor "
        "outage), whose metrics are left out, never half-counted.",
        f"raw.sensor_counts: {int(sensor_rows):,} rows; raw.quarantine: {int(rejected):,} "
        f"rows from {int(files):,} files (see raw/quarantine in the UI).",
    ]
    return lines


def _pct(value: Any) -> str:
    return "" if value is None else f"{float(value):.1%}"


def _nowcast_table(rows: list[tuple[Any, ...]]) -> Table:
    """One row per store: its next 4 open hours, forecast [80% interval]."""
    table = Table(title="footfall nowcast: the next 4 open hours per store (local time)")
    table.add_column("store")
    for n in range(1, 5):
        table.add_column(f"hour {n}")
    by_site: dict[str, list[str]] = {}
    for site_id, local, yhat, p10, p90 in rows:
        by_site.setdefault(site_id, []).append(
            f"{local:%a %H:%M} {yhat:.0f} [{p10:.0f}-{p90:.0f}]")
    for site_id, cells in by_site.items():
        table.add_row(site_id, *(cells + [""] * 4)[:4])
    return table


# short names so the table fits a 120-column log
METHOD_LABELS = {"lightgbm": "LightGBM", "seasonal_naive_week": "naive week",
                 "seasonal_naive_day": "naive day", "mean_4_weekdays": "mean 4 wkdays"}


def _backtest_table(rows: list[tuple[Any, ...]]) -> Table:
    table = Table(title="backtest (rolling origins) against the baselines; skill = 1 - WAPE / "
                  "best baseline's")
    for name in ("target", "horizon", "method", "WAPE", "4h WAPE", "4h ±5%", "4h ±10%",
                 "bias", "MASE", "cover 80%", "skill"):
        table.add_column(name, justify="left" if name in ("target", "horizon", "method")
                         else "right")
    for (target, horizon, method, wape, wape_4h, w5, w10, bias, mase, coverage, skill,
         _) in rows:
        table.add_row(target, horizon, METHOD_LABELS.get(method, method), _pct(wape),
                      _pct(wape_4h), _pct(w5), _pct(w10), _pct(bias),
                      "" if mase is None else f"{float(mase):.2f}", _pct(coverage), _pct(skill))
    return table


def _forecast_rows(conn: Any) -> tuple[list, list]:
    """The nowcast and the backtest, or nothing where the forecaster has not run."""
    built = built_marts(conn, ("fct_forecasts", "fct_backtest_scores"))
    nowcast = conn.execute(NOWCAST_SQL).fetchall() if "fct_forecasts" in built else []
    backtest = conn.execute(BACKTEST_SQL).fetchall() if "fct_backtest_scores" in built else []
    return nowcast, backtest


def print_summary(settings: Settings, console: Console) -> None:
    with open_warehouse(settings, read_only=True) as (conn, _):
        rows = conn.execute(KPI_SQL).fetchall()
        first, last, start = conn.execute(WINDOW_SQL).fetchone()
        lines = reconciliation(conn)
        nowcast, backtest = _forecast_rows(conn)
        targets = target_rows(conn)
    console.print(_kpi_table(rows, first, last))
    console.print(f"data from {start} to {last}; \"last 7 days\" = {first} .. {last}")
    for line in lines:
        console.print(line, highlight=False)
    if nowcast:
        console.print(_nowcast_table(nowcast))
    if backtest:
        console.print(_backtest_table(backtest))
    elif not nowcast:
        console.print("forecasts: none yet (the ml assets have not run on this warehouse)")
    if targets:
        console.print(target_table(targets))
    where = settings.duckdb_path if settings.warehouse == "duckdb" else "postgres"
    console.print(f"warehouse: {where}")
    console.print(f"Dagster UI: [bold]make ui[/bold], then open {UI_ADDRESS}")
    console.print("next (from the repository root):")
    for command, what in NEXT_STEPS:
        console.print(f"  [bold]{command}[/bold]  {what}", highlight=False)
    if targets:
        console.print(f"  [bold].venv/bin/blipee targets cascade {targets[0][0]} --method equal"
                      "[/bold]  that target's cascade with another method (docs/targets.md)",
                      highlight=False)
