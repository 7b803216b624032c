"""The short summary `blipee demo` ends with: KPIs per store and where to look next."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from infra.settings import Settings
from infra.warehouse import open_warehouse

# Last 7 local days per site, every ratio a ratio of sums (docs/metrics.md).
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

NEXT_STEPS = [
    ("make ui", "the Dagster UI: assets, lineage, run metadata, schedules, the landing sensor"),
    ("blipee quarantine list", "rows that were rejected, by reason code"),
    ("blipee build", "dbt build on the configured warehouse"),
    ("dbt docs generate --project-dir . --profiles-dir dbt_project", "the dbt docs"),
]


def _fmt(value: object, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{float(value):.1%}"
    if kind == "money":
        return f"{float(value):,.0f}"
    return f"{int(value):,}"


def print_summary(settings: Settings, console: Console) -> None:
    with open_warehouse(settings) as (conn, _):
        rows = conn.execute(KPI_SQL).fetchall()
    table = Table(title="Last 7 days per store (ratios of sums)")
    for header in ("site", "name", "cur", "footfall", "capture", "transactions",
                   "conversion", "net sales", "ATV"):
        table.add_column(header, justify="right" if header not in ("site", "name") else "left")
    kinds = ("text", "text", "text", "int", "pct", "int", "pct", "money", "money")
    for row in rows:
        table.add_row(*(str(v) if k == "text" else _fmt(v, k) for v, k in zip(row, kinds,
                                                                                  strict=True)))
    console.print(table)
    where = settings.duckdb_path if settings.warehouse == "duckdb" else "postgres"
    console.print(f"warehouse: {where}")
    console.print("next:")
    for command, what in NEXT_STEPS:
        console.print(f"  [bold]{command}[/bold]  {what}")
