"""The benchmark marts (peer groups, ranks, top-quartile gaps, improvement potential and the
driver split) built on DuckDB and PostgreSQL over a hand-made chain of four London stores.

The stores open only on Mondays, 09:00-10:00 BST (08:00 UTC), so a week, a retail period and
a month each hold one trading day and every number below is that day's. Per store
(footfall F, transactions T, net sales S; conversion C = T / F, ATV A = S / T):

| site | type, area | 2024-05-27 (F, T, S) | 2024-06-03 (F, T, S) | C, A on 2024-06-03 |
|---|---|---|---|---|
| site_001 | mall, 100 m2 (small) | 90, 18, 900 | 100, 20, 1000 | 0.20, 50 |
| site_002 | mall, 150 m2 (small) | 100, 20, 1000 | 120, 30, 1200 | 0.25, 40 |
| site_003 | mall, 250 m2 (medium) | 110, 22, 1100 | 100, 16, 800 | 0.16, 50 |
| site_004 | street, 400 m2 (large) | 70, 7, 350 | 80, 10, 600 | 0.125, 60 |

site_001 also traded on Monday 2023-06-05 (80, 12, 480), 364 days before 2024-06-03, and on
no Monday in between: those weeks are incomplete and take no part. The seed peer_groups puts
site_001 and site_002 (and site_005, not in this chain) in custom:flagships. The seed
external_benchmarks ships empty: no external rows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dbt_dataset import utc
from dbt_rows import WAREHOUSES, built_chain

Query = Callable[[str], list[tuple[Any, ...]]]
pytestmark = [pytest.mark.slow, pytest.mark.dbt]

BUILD = ["build", "--select", "+fct_benchmark_potential", "--indirect-selection", "buildable"]
DELIVERED = utc("2024-06-04 00:00")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# site: (type, area, {day: (footfall, transactions, net sales)})
STORES: dict[str, tuple[str, float, dict[str, tuple[int, int, int]]]] = {
    "site_001": ("mall", 100.0, {"2023-06-05": (80, 12, 480), "2024-05-27": (90, 18, 900),
                                 "2024-06-03": (100, 20, 1000)}),
    "site_002": ("mall", 150.0, {"2024-05-27": (100, 20, 1000), "2024-06-03": (120, 30, 1200)}),
    "site_003": ("mall", 250.0, {"2024-05-27": (110, 22, 1100), "2024-06-03": (100, 16, 800)}),
    "site_004": ("street", 400.0, {"2024-05-27": (70, 7, 350), "2024-06-03": (80, 10, 600)}),
}


def _site(site_id: str, site_type: str, area: float) -> dict[str, Any]:
    hours = {f"{day}_{edge}": None for day in DAYS for edge in ("open", "close")}
    hours.update({"mon_open": "09:00", "mon_close": "10:00"})
    return {
        "site_id": site_id, "organization_id": "O1", "region_id": "UK", "name": site_id,
        "site_type": site_type, "timezone": "Europe/London", "country": "GB",
        "subdivision": "GB-ENG", "mall_id": None, "area_sqm": area, "currency": "GBP",
        "open_date": date(2023, 1, 1), "close_date": None, **hours,
    }


def chain() -> dict[str, list[dict[str, Any]]]:
    """The raw tables of the four-store chain."""
    sites, sensors, counts, sales = [], [], [], []
    for site_id, (site_type, area, days) in STORES.items():
        sites.append(_site(site_id, site_type, area))
        sensors.append({
            "sensor_id": site_id, "line_id": "1", "site_id": site_id, "vendor": "generic",
            "device_serial": site_id, "device_name": None, "line_role": "entrance",
            "interval_minutes": 60, "max_count_per_interval": None,
            "is_direction_inverted": False,
        })
        for day, (footfall, transactions, net) in days.items():
            start = datetime.fromisoformat(f"{day} 08:00").replace(tzinfo=utc("2024-01-01").tzinfo)
            counts.append({"sensor_id": site_id, "line_id": "1", "period_start": start,
                           "period_end": start + timedelta(hours=1), "count_in": footfall,
                           "count_out": footfall, "received_at": None})
            sales += [{
                "source_system": "test", "external_id": f"{site_id}-{day}-{n}",
                "site_id": site_id, "ts": start + timedelta(minutes=n), "type": "sale",
                "gross_amount": None, "discount": None, "tax": None,
                "net_amount": Decimal(net // transactions), "currency": "GBP",
                "item_count": 1, "staff_id": None, "customer_id": None,
                "payment_method": None,
            } for n in range(transactions)]
    return {
        "organizations": [{"organization_id": "O1", "name": "Acme", "reporting_currency": "GBP"}],
        "regions": [{"region_id": "UK", "organization_id": "O1", "name": "United Kingdom"}],
        "sites": sites, "sensors": sensors, "sensor_counts": counts, "pos_transactions": sales,
    }


@pytest.fixture(scope="module", params=WAREHOUSES)
def query(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Query]:
    """The chain loaded and the benchmark marts built with their upstream; a query fn."""
    with built_chain(request, tmp_path_factory, "bench", chain(), DELIVERED, BUILD) as built:
        yield built.query


def _benchmark(query: Query, site: str, group: str, metric: str,
               period: str = "week", start: str = "2024-06-03") -> tuple[Any, ...]:
    rows = query(
        "select metric_value, peer_count, peer_rank, percentile, median_value, "
        "top_quartile_value, gap_to_top_quartile, prior_metric_value, prior_peer_rank, "
        "prior_percentile, prior_gap_to_top_quartile, last_year_metric_value, "
        "last_year_peer_rank, last_year_percentile, last_year_gap_to_top_quartile "
        f"from marts.fct_benchmarks where site_id = '{site}' and peer_group_id = '{group}' "
        f"and metric = '{metric}' and period_type = '{period}' "
        f"and period_start_date = cast('{start}' as date)")
    assert len(rows) == 1, rows
    return rows[0]


def test_peer_groups_are_region_store_type_size_band_and_the_seed(query: Query) -> None:
    rows = query("select site_id, peer_group_id from intermediate.int_benchmark_peer_groups "
                 "order by site_id, peer_group_id")
    assert rows == [
        ("site_001", "custom:flagships"), ("site_001", "region:UK"),
        ("site_001", "size_band:small"), ("site_001", "store_type:mall"),
        ("site_002", "custom:flagships"), ("site_002", "region:UK"),
        ("site_002", "size_band:small"), ("site_002", "store_type:mall"),
        ("site_003", "region:UK"), ("site_003", "size_band:medium"),
        ("site_003", "store_type:mall"),
        ("site_004", "region:UK"), ("site_004", "size_band:large"),
        ("site_004", "store_type:street"),
    ]


def test_prior_and_last_year_periods(query: Query) -> None:
    rows = query(
        "select period_type, prior_period_start_date, last_year_period_start_date "
        "from intermediate.int_benchmark_periods where (period_type, period_start_date) in "
        "(('week', cast('2024-06-03' as date)), ('month', cast('2024-03-01' as date)), "
        "('retail_period', cast('2024-02-04' as date))) order by period_type")
    assert rows == [
        ("month", date(2024, 2, 1), date(2023, 3, 1)),
        # FY2024 period 1: before it the 5-week period 12 of the 53-week FY2023 (from
        # 2023-12-31); a year earlier FY2023 period 1 (from 2023-01-29)
        ("retail_period", date(2023, 12, 31), date(2023, 1, 29)),
        ("week", date(2024, 5, 27), date(2023, 6, 5)),
    ]


def test_rank_percentile_and_top_quartile_in_the_region(query: Query) -> None:
    # footfall 2024-06-03 in region UK: 100, 120, 100, 80 -> sorted 80, 100, 100, 120:
    # site_001 ranks 2 (tied with site_003), beats 1 of 3 others (percent_rank 1/3); median
    # at position 1.5 = 100; top quartile at 0.75 x 3 = 2.25: 100 + 0.25 x 20 = 105, gap -5.
    # The week before (70, 90, 100, 110): rank 3, percentile 1/3, top quartile
    # 100 + 0.25 x 10 = 102.5, gap 90 - 102.5 = -12.5. Last year (2023-06-05) site_001 was
    # the only store: rank 1, no percentile, its own 80 is the top quartile.
    assert _benchmark(query, "site_001", "region:UK", "footfall") == (
        100.0, 4, 1 + 1, round(1 / 3, 6), 100.0, 105.0, -5.0,
        90.0, 3, round(1 / 3, 6), -12.5, 80.0, 1, None, 0.0)
    # the same day is the whole retail period 5 (from 2024-06-02) and the month of June
    assert _benchmark(query, "site_001", "region:UK", "footfall", "retail_period",
                      "2024-06-02")[:7] == (100.0, 4, 2, round(1 / 3, 6), 100.0, 105.0, -5.0)
    assert _benchmark(query, "site_001", "region:UK", "footfall", "month",
                      "2024-06-01")[:7] == (100.0, 4, 2, round(1 / 3, 6), 100.0, 105.0, -5.0)


def test_ratios_money_and_custom_groups(query: Query) -> None:
    # conversion in store_type:mall: 0.2, 0.25, 0.16 -> top quartile at 1.5: 0.2 + 0.5 x 0.05
    assert _benchmark(query, "site_003", "store_type:mall", "conversion_rate")[:7] == (
        0.16, 3, 3, 0.0, 0.2, 0.225, -0.065)
    # sales per m2 in custom:flagships: site_001 1000 / 100 = 10, site_002 1200 / 150 = 8
    assert _benchmark(query, "site_002", "custom:flagships", "sales_per_sqm")[:7] == (
        8.0, 2, 2, 0.0, 9.0, 9.5, -1.5)
    assert query("select count(*) from marts.fct_benchmarks "
                 "where peer_group_type = 'external'") == [(0,)]


def test_improvement_potential_and_driver_split(query: Query) -> None:
    rows = query(
        "select site_id, top_quartile_conversion_rate, top_quartile_atv, conversion_potential, "
        "atv_potential, median_site_id, gap_to_median, traffic_effect, conversion_effect, "
        "basket_effect, traffic_effect + conversion_effect + basket_effect - gap_to_median "
        "from marts.fct_benchmark_potential where peer_group_id = 'store_type:mall' "
        "and period_type = 'week' and period_start_date = cast('2024-06-03' as date) "
        "order by site_id")
    assert rows == [
        # top quartiles: conversion 0.225, ATV (40, 50, 50) -> 50. site_001 is the median
        # store (sales 800, 1000, 1200). 100 x 0.225 x 50 - 1000 = 125; 20 x 50 - 1000 = 0
        ("site_001", 0.225, 50.0, 125.0, 0.0, "site_001", 0.0, 0.0, 0.0, 0.0, 0.0),
        # 120 x 0.225 x 40 = 1080 < 1200: 0; 30 x 50 - 1200 = 300. All three drivers move
        # (F 100 -> 120, C 0.2 -> 0.25, A 50 -> 40): Shapley 201.67, 246.67, -248.33; the
        # basket takes the cent of rounding: 200 - 201.67 - 246.67 = -248.34
        ("site_002", 0.225, 50.0, 0.0, 300.0, "site_001", 200.0, 201.67, 246.67, -248.34, 0.0),
        # 100 x 0.225 x 50 - 800 = 325; 16 x 50 - 800 = 0. Only conversion moves (0.2 ->
        # 0.16): -0.04 x (5000/3 + 5000/6 + 5000/6 + 5000/3) = -200, all of the gap
        ("site_003", 0.225, 50.0, 325.0, 0.0, "site_001", -200.0, 0.0, -200.0, 0.0, 0.0),
    ]
