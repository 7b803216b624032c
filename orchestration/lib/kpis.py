"""KPI metadata for the marts: what an analyst wants to see on the asset page.

The queries are portable SQL over the marts (DuckDB and PostgreSQL) and take a `query`
callable, so the dbt step can run them through dbt's own adapter (the only connection a
DuckDB file allows in that process) and the CLI through a plain connection.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from dagster import MetadataValue

from orchestration.lib.charts import footfall_png, markdown_image
from orchestration.lib.markdown import table

Query = Callable[[str], Sequence[Sequence[Any]]]

# The newest day with complete data per store, beside the same weekday a week earlier.
LATEST_COMPLETE_DAY_SQL = """
with latest as (
    select site_id, max(local_date) as local_date
    from marts.fct_site_daily
    where data_complete
    group by site_id
)
select
    d.site_id, s.site_name, d.local_date, d.currency, d.footfall, d.capture_rate,
    d.conversion_rate, d.atv, d.net_sales, w.footfall as footfall_week_before,
    w.net_sales as net_sales_week_before
from latest as l
join marts.fct_site_daily as d on d.site_id = l.site_id and d.local_date = l.local_date
left join marts.fct_site_daily as w on w.site_id = d.site_id and w.local_date = d.local_date - 7
left join marts.dim_site as s on s.site_id = d.site_id
order by d.site_id
"""

FOOTFALL_28_DAYS_SQL = """
select site_id, local_date, footfall
from marts.fct_site_daily
where local_date > (select max(local_date) from marts.fct_site_daily) - 28
order by site_id, local_date
"""

NEWEST_HOURS_SQL = """
select site_id, hour_start_at, local_date, local_hour, data_complete, footfall, passersby,
       transactions, net_sales
from marts.fct_site_hourly
order by hour_start_at desc, site_id
limit 12
"""


def _pct(value: Any) -> str:
    return "—" if value is None else f"{float(value):.1%}"


def _num(value: Any, digits: int = 0) -> str:
    return "—" if value is None else f"{float(value):,.{digits}f}"


def _change(now: Any, before: Any) -> str:
    if now is None or before in (None, 0):
        return "—"
    return f"{float(now) / float(before) - 1:+.1%}"


def latest_day_markdown(rows: Sequence[Sequence[Any]]) -> str:
    """The KPI table: one line per store for its newest complete day."""
    body = [
        (site, name or "", day, _num(footfall), _change(footfall, footfall_before),
         _pct(capture), _pct(conversion), _num(atv, 2), f"{_num(net, 0)} {currency or ''}".strip(),
         _change(net, net_before))
        for (site, name, day, currency, footfall, capture, conversion, atv, net,
             footfall_before, net_before) in rows
    ]
    return table(["site", "name", "day", "footfall", "vs last week", "capture rate",
                  "conversion", "ATV", "net sales", "vs last week"], body)


def fct_site_daily_metadata(query: Query) -> dict[str, MetadataValue]:
    """KPI table of the latest complete day per store and the 28-day footfall picture."""
    latest = query(LATEST_COMPLETE_DAY_SQL)
    days = query(FOOTFALL_28_DAYS_SQL)
    metadata = {"kpis_latest_complete_day": MetadataValue.md(latest_day_markdown(latest))}
    if days:
        first, last = min(r[1] for r in days), max(r[1] for r in days)
        png = footfall_png(days, f"Footfall per store, {first} to {last}")
        metadata["footfall_last_28_days"] = MetadataValue.md(
            markdown_image(png, "footfall per store, last 28 days"))
    return metadata


def fct_site_hourly_metadata(query: Query) -> dict[str, MetadataValue]:
    """The newest hours, newest first (not whichever rows a bare `limit` happens to find)."""
    rows = query(NEWEST_HOURS_SQL)
    headers = ["site_id", "hour_start_at", "local_date", "local_hour", "data_complete",
               "footfall", "passersby", "transactions", "net_sales"]
    return {"preview_newest_hours": MetadataValue.md(table(headers, rows))}


# The leaderboard of the newest whole week (one whose 7 days have all passed): every store
# ranked by conversion within its store type (the peer group every store has), with its
# percentile and gap to the top quartile.
LEADERBOARD_SQL = """
with newest as (
    select max(period_start_date) as period_start_date
    from marts.fct_benchmarks
    where period_type = 'week' and peer_group_type = 'store_type'
        and metric = 'conversion_rate'
        and period_start_date + 6 <= (select max(local_date) from marts.fct_site_daily)
)
select b.peer_group_name, b.peer_rank, b.site_id, b.metric_value, b.percentile,
       b.gap_to_top_quartile, b.prior_peer_rank, b.period_start_date
from marts.fct_benchmarks as b
inner join newest on b.period_start_date = newest.period_start_date
where b.period_type = 'week' and b.peer_group_type = 'store_type'
    and b.metric = 'conversion_rate' and b.peer_rank is not null
order by b.peer_group_name, b.peer_rank, b.site_id
"""


def fct_benchmarks_metadata(query: Query) -> dict[str, MetadataValue]:
    """A leaderboard preview: the newest week's conversion ranks per store type."""
    rows = query(LEADERBOARD_SQL)
    week = rows[0][7] if rows else None
    body = [(group, rank, site, _pct(value), _num(percentile, 2), _pct(gap),
             "" if prior is None else prior) for group, rank, site, value, percentile, gap,
            prior, _ in rows]
    title = f"Conversion leaderboard, week of {week}, ranked within store type\n\n"
    return {"leaderboard_conversion_newest_week": MetadataValue.md(title + table(
        ["store type", "rank", "site", "conversion", "percentile", "gap to top quartile",
         "rank the week before"], body))}


# The organisation's net-sales target whose period holds the newest loaded day (else the
# newest one): the target the previews and the summary follow. Defines `chosen(target_id)`.
MAIN_TARGET_CTE = """
newest as (
    select max(local_date) as local_date from marts.fct_site_daily
),
chosen as (
    select t.target_id
    from marts.fct_targets as t
    cross join newest
    where t.cascade_depth = 0 and t.org_unit_level = 'organization' and t.metric = 'net_sales'
    order by
        case when newest.local_date between t.period_start_date and t.period_end_date
            then 0 else 1 end,
        t.period_end_date desc, t.target_id
    limit 1
)
"""

# Stores ranked by achievement within the organisation on the main target's newest day.
TARGET_LEADERBOARD_SQL = f"""
with {MAIN_TARGET_CTE}
select l.target_id, l.local_date, l.board_rank, l.org_unit_id, l.org_unit_name,
       l.achievement_pct, l.projected_pct, l.status, l.board_percentile
from marts.fct_target_leaderboard as l
inner join chosen on l.target_id = chosen.target_id
where l.board = 'organization'
order by l.board_rank, l.org_unit_id
"""

# Every target's units by status on their newest tracked day.
TARGET_STATUS_SQL = """
select target_id, metric, local_date, status, count(*) as units
from marts.fct_target_progress
where is_latest_day
group by target_id, metric, local_date, status
order by target_id, status
"""


def fct_target_leaderboard_metadata(query: Query) -> dict[str, MetadataValue]:
    """A leaderboard preview: the stores on the main sales target, by achievement."""
    rows = query(TARGET_LEADERBOARD_SQL)
    if not rows:
        return {}
    target_id, day = rows[0][0], rows[0][1]
    body = [(rank, site, name, _num(achievement, 1), _num(projected, 1), status,
             _num(percentile, 2)) for _, _, rank, site, name, achievement, projected, status,
            percentile in rows]
    title = f"Stores on {target_id}, {day}, ranked by achievement to date\n\n"
    return {"leaderboard_stores_main_target": MetadataValue.md(title + table(
        ["rank", "site", "name", "achievement %", "projected %", "status", "percentile"],
        body))}


def fct_target_progress_metadata(query: Query) -> dict[str, MetadataValue]:
    """How many units of every target are on track, at risk, behind or exceeded."""
    rows = query(TARGET_STATUS_SQL)
    return {"status_newest_day": MetadataValue.md(table(
        ["target_id", "metric", "day", "status", "units"], rows))}


# dbt model name -> the metadata its materialisation carries beyond row counts and columns
MART_METADATA: dict[str, Callable[[Query], dict[str, MetadataValue]]] = {
    "fct_site_daily": fct_site_daily_metadata,
    "fct_site_hourly": fct_site_hourly_metadata,
    "fct_benchmarks": fct_benchmarks_metadata,
    "fct_target_leaderboard": fct_target_leaderboard_metadata,
    "fct_target_progress": fct_target_progress_metadata,
}
