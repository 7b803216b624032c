"""The summary's targets section: how each store stands against the organisation's sales
target on the newest tracked day (fct_target_progress), after `make demo`."""

from __future__ import annotations

from typing import Any

from rich.table import Table

from orchestration.lib.kpis import MAIN_TARGET_CTE

# The organisation's main sales target tracked on its latest day: the organisation, its
# regions and its stores.
TARGET_PROGRESS_SQL = f"""
with {MAIN_TARGET_CTE}
select
    p.target_id, p.org_unit_level, p.org_unit_key, p.org_unit_name, p.currency,
    p.target_value, p.actual_to_date, p.expected_to_date, p.projected_end_value,
    p.achievement_pct, p.status, p.local_date, p.period_start_date, p.period_end_date
from marts.fct_target_progress as p
inner join chosen on p.target_id = chosen.target_id
where p.is_latest_day and p.org_unit_level in ('organization', 'region', 'site')
order by
    case p.org_unit_level when 'organization' then 1 when 'region' then 2 else 3 end,
    p.org_unit_key
"""

STATUS_STYLE = {"exceeded": "bold green", "on_track": "green", "at_risk": "yellow",
                "behind": "red"}


def built_marts(conn: Any, names: tuple[str, ...]) -> set[str]:
    """Which of the mart tables `names` the warehouse holds (a part not run yet has none)."""
    listed = ", ".join(f"'{name}'" for name in names)
    return {name for (name,) in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        f"and table_name in ({listed})").fetchall()}


def target_rows(conn: Any) -> list[tuple[Any, ...]]:
    """The progress rows, or none where the target marts are not built."""
    needed = ("fct_targets", "fct_target_progress")
    if built_marts(conn, needed) != set(needed):
        return []
    return conn.execute(TARGET_PROGRESS_SQL).fetchall()


def _money(value: Any) -> str:
    return "" if value is None else f"{float(value):,.0f}"


def target_table(rows: list[tuple[Any, ...]]) -> Table:
    """One line per unit: target, actual and expected to date, projected, status."""
    target_id, *_ = rows[0]
    day, start, end = rows[0][11], rows[0][12], rows[0][13]
    table = Table(title=f"Target {target_id} ({start} .. {end}), tracked to {day}")
    for column in ("unit", "name", "target", "actual to date", "expected to date",
                   "projected", "achievement", "status"):
        table.add_column(column, justify="left" if column in ("unit", "name", "status")
                         else "right")
    for (_, level, key, name, currency, target, actual, expected, projected, achievement,
         status, *_) in rows:
        indent = {"organization": "", "region": "  "}.get(level, "    ")
        style = STATUS_STYLE.get(status, "")
        unit = indent + key.split(":", 1)[-1]
        table.add_row(unit, name or "", f"{_money(target)} {currency or ''}".strip(),
                      _money(actual), _money(expected), _money(projected),
                      "" if achievement is None else f"{float(achievement):.1f}%",
                      f"[{style}]{status}[/{style}]" if style else str(status))
    return table
