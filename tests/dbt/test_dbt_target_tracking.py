"""Target phasing, tracking and gamification built on DuckDB and PostgreSQL over a hand-made
chain of two London stores in one region (docs/targets.md, "Phasing", "Tracking",
"Gamification").

Both stores open every day 09:00-10:00 BST (08:00 UTC), counted by one entrance sensor, from
Monday 2024-05-13. Their footfall repeats by weekday: site_001 100 a day and 200 on Saturdays,
site_002 50 and 100 on Saturdays, until Sunday 2024-06-09. In the target week they count:

| site | Mon 06-10 | Tue 06-11 | Wed 06-12 |
|---|---|---|---|
| site_001 | 100 | 100 | 100 |
| site_002 | 200 | 20 | 20 |

so the data run through Wednesday. Thursday 2024-06-13 is a (hand-made) public holiday:
site_002 closes for it (raw.site_closures), site_001 opens. Organisation O1's footfall target
for the week 2024-06-10 .. 2024-06-16 is 1,000, cascaded equally: 1,000 to region UK and 500
to each store.

Day weights (anchor Monday 2024-06-10, so the 8 weeks before hold four of each weekday; no
year of history, so no season index; no past holiday, so a holiday factor of 1):
site_001 100, 100, 100, 100 (the open holiday), 100, 200, 100 = 800; site_002 50, 50, 50,
0 (closed), 50, 100, 50 = 350.

Phasing by largest remainder: site_001 500 x 100 / 800 = 62.5 on six days and 125 on
Saturday: floors 497, the 3 left to the earliest of the tied 0.5 remainders (Mon, Tue, Wed):
63, 63, 63, 62, 62, 125, 62. site_002 500 x 50 / 350 = 71.43 on five days, 142.86 on Saturday:
floors 497, the 3 left to the largest remainder (Saturday, 0.86) and then the earliest of the
tied 0.43 (Mon, Tue): 72, 72, 71, 0, 71, 143, 71. The region and the organisation take the sum:
135, 135, 134, 62, 133, 268, 133 = 1,000.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from dbt_dataset import utc
from dbt_rows import WAREHOUSES, built_chain

Query = Callable[[str], list[tuple[Any, ...]]]
pytestmark = [pytest.mark.slow, pytest.mark.dbt]

BUILD = ["build", "--select", "+fct_target_achievements", "+fct_target_leaderboard",
         "+fct_target_alerts", "+fct_target_streaks", "--indirect-selection", "buildable"]
DELIVERED = utc("2024-06-13 00:00")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FIRST_DAY = date(2024, 5, 13)
WEEK = [date(2024, 6, 10) + timedelta(days=n) for n in range(7)]
# site: (weekday footfall, Saturday footfall, the target week's Mon-Wed)
STORES: dict[str, tuple[int, int, tuple[int, int, int]]] = {
    "site_001": (100, 200, (100, 100, 100)),
    "site_002": (50, 100, (200, 20, 20)),
}


def _footfall(site_id: str, day: date) -> int:
    weekday, saturday, week = STORES[site_id]
    if day >= WEEK[0]:
        return week[(day - WEEK[0]).days]
    return saturday if day.weekday() == 5 else weekday


def _site(site_id: str) -> dict[str, Any]:
    hours = {f"{day}_{edge}": "09:00" if edge == "open" else "10:00"
             for day in DAYS for edge in ("open", "close")}
    return {
        "site_id": site_id, "organization_id": "O1", "region_id": "UK", "name": site_id,
        "site_type": "mall", "timezone": "Europe/London", "country": "GB",
        "subdivision": "GB-ENG", "mall_id": None, "area_sqm": 100.0, "currency": "GBP",
        "open_date": date(2024, 1, 1), "close_date": None, **hours,
    }


def chain() -> dict[str, list[dict[str, Any]]]:
    """The raw tables of the two-store chain and its target."""
    sites, sensors, counts = [], [], []
    for site_id in STORES:
        sites.append(_site(site_id))
        sensors.append({
            "sensor_id": site_id, "line_id": "1", "site_id": site_id, "vendor": "generic",
            "device_serial": site_id, "device_name": None, "line_role": "entrance",
            "interval_minutes": 60, "max_count_per_interval": None,
            "is_direction_inverted": False,
        })
        day = FIRST_DAY
        while day <= WEEK[2]:
            start = datetime(day.year, day.month, day.day, 8, tzinfo=DELIVERED.tzinfo)
            footfall = _footfall(site_id, day)
            counts.append({"sensor_id": site_id, "line_id": "1", "period_start": start,
                           "period_end": start + timedelta(hours=1), "count_in": footfall,
                           "count_out": footfall, "received_at": None})
            day += timedelta(days=1)
    return {
        "organizations": [{"organization_id": "O1", "name": "Acme", "reporting_currency": "GBP"}],
        "regions": [{"region_id": "UK", "organization_id": "O1", "name": "United Kingdom"}],
        "sites": sites, "sensors": sensors, "sensor_counts": counts,
        "public_holidays": [{"country": "GB", "subdivision": "GB-ENG",
                             "holiday_date": WEEK[3], "holiday_name": "Test holiday"}],
        "site_closures": [{"site_id": "site_002", "local_date": WEEK[3], "is_closed": True,
                           "open_time": None, "close_time": None, "reason": "holiday"}],
        "targets_input": [{
            "target_id": "T1", "organization_id": "O1", "level": "organization",
            "level_id": "O1", "metric": "footfall", "period_start": WEEK[0],
            "period_end": WEEK[-1], "target_value": 1000, "currency": None,
            "method": "equal", "name": "Week footfall", "period_type": "week",
            "stretch_value": None, "minimum_value": None, "hybrid_weight": None,
            "cascade_to": "site",
        }],
    }


@pytest.fixture(scope="module", params=WAREHOUSES)
def query(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Query]:
    """The chain loaded and the target tracking marts built with their upstream; a query fn."""
    with built_chain(request, tmp_path_factory, "tracking", chain(), DELIVERED, BUILD) as built:
        yield built.query


def _week(query: Query, sql: str) -> list[tuple[Any, ...]]:
    return query(sql + " and local_date between cast('2024-06-10' as date) "
                 "and cast('2024-06-16' as date) order by local_date")


def test_day_weights_profile_holiday_and_closed_day(query: Query) -> None:
    weights = {
        site: _week(query, "select weight_source, day_weight from "
                    "intermediate.int_target_day_weights where metric_column = 'footfall' "
                    f"and site_id = '{site}'")
        for site in STORES
    }
    assert weights["site_001"] == [("profile", w) for w in (100.0,) * 5 + (200.0, 100.0)]
    assert weights["site_002"] == [
        ("profile", 50.0), ("profile", 50.0), ("profile", 50.0), ("closed", 0.0),
        ("profile", 50.0), ("profile", 100.0), ("profile", 50.0)]


def test_phasing_sums_exactly_and_above_sites_is_their_sum(query: Query) -> None:
    def phased(key: str) -> list[int]:
        return [row[0] for row in _week(
            query, "select phased_target_minor from marts.fct_target_daily_phasing "
            f"where target_key = '{key}'")]
    assert phased("T1|site:site_001") == [63, 63, 63, 62, 62, 125, 62]
    assert phased("T1|site:site_002") == [72, 72, 71, 0, 71, 143, 71]
    assert phased("T1|region:UK") == [135, 135, 134, 62, 133, 268, 133]
    assert phased("T1|organization:O1") == [135, 135, 134, 62, 133, 268, 133]
    assert query("select target_key, cumulative_phased_value from marts.fct_target_daily_phasing "
                 "where local_date = cast('2024-06-16' as date) order by target_key") == [
        ("T1|organization:O1", 1000.0), ("T1|region:UK", 1000.0),
        ("T1|site:site_001", 500.0), ("T1|site:site_002", 500.0)]


def test_progress_and_status(query: Query) -> None:
    # site_002: expected 72, 144, 215; the days after each are expected to bring 300, 250,
    # 200 (its closed Thursday nothing): 200 + 300 = 500 (100%, on_track), 220 + 250 = 470
    # (94%, at_risk), 240 + 200 = 440 (88%, behind). site_001: 100 + 700, 200 + 600,
    # 300 + 500 = 800 (160%) every day; the region 300 + 1,000, 420 + 850, 540 + 700.
    rows = query(
        "select target_key, local_date, actual_to_date, expected_to_date, projected_end_value, "
        "projected_pct, status, is_latest_day, streak_days from marts.fct_target_progress "
        "where target_key in ('T1|site:site_001', 'T1|site:site_002', 'T1|region:UK') "
        "order by target_key, local_date")
    assert rows == [
        ("T1|region:UK", WEEK[0], 300.0, 135.0, 1300.0, 130.0, "on_track", False, 1),
        ("T1|region:UK", WEEK[1], 420.0, 270.0, 1270.0, 127.0, "on_track", False, 0),
        ("T1|region:UK", WEEK[2], 540.0, 404.0, 1240.0, 124.0, "on_track", True, 0),
        ("T1|site:site_001", WEEK[0], 100.0, 63.0, 800.0, 160.0, "on_track", False, 1),
        ("T1|site:site_001", WEEK[1], 200.0, 126.0, 800.0, 160.0, "on_track", False, 2),
        ("T1|site:site_001", WEEK[2], 300.0, 189.0, 800.0, 160.0, "on_track", True, 3),
        ("T1|site:site_002", WEEK[0], 200.0, 72.0, 500.0, 100.0, "on_track", False, 1),
        ("T1|site:site_002", WEEK[1], 220.0, 144.0, 470.0, 94.0, "at_risk", False, 0),
        ("T1|site:site_002", WEEK[2], 240.0, 215.0, 440.0, 88.0, "behind", True, 0),
    ]


def test_alerts_once_per_change(query: Query) -> None:
    rows = query("select target_key, local_date, alert_type, previous_status, length(alert_id) "
                 "from marts.fct_target_alerts order by target_key, local_date")
    assert rows == [
        ("T1|site:site_002", WEEK[1], "at_risk", "on_track", 32),
        ("T1|site:site_002", WEEK[2], "falling_behind", "at_risk", 32),
    ]


def test_leaderboard_streaks_and_badges(query: Query) -> None:
    # Wednesday: site_001 300 / 189 = 158.7%, site_002 240 / 215 = 111.6%
    assert query("select board, target_key, board_rank, board_size, board_percentile "
                 "from marts.fct_target_leaderboard order by board, board_rank") == [
        ("organization", "T1|site:site_001", 1, 2, 1.0),
        ("organization", "T1|site:site_002", 2, 2, 0.0),
        ("region", "T1|site:site_001", 1, 2, 1.0),
        ("region", "T1|site:site_002", 2, 2, 0.0),
    ]
    assert query("select target_key, counted_days, days_on_target, current_streak_days, "
                 "longest_streak_days from marts.fct_target_streaks order by target_key") == [
        ("T1|organization:O1", 3, 1, 0, 1), ("T1|region:UK", 3, 1, 0, 1),
        ("T1|site:site_001", 3, 3, 3, 3), ("T1|site:site_002", 3, 1, 0, 1),
    ]
    assert query("select target_key, badge, earned_date from marts.fct_target_achievements "
                 "order by target_key, badge") == [
        ("T1|organization:O1", "first_day_on_target", WEEK[0]),
        ("T1|region:UK", "first_day_on_target", WEEK[0]),
        ("T1|site:site_001", "first_day_on_target", WEEK[0]),
        ("T1|site:site_002", "first_day_on_target", WEEK[0]),
    ]
