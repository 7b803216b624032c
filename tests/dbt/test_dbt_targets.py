"""The target cascade built end to end on DuckDB and PostgreSQL over a hand-made chain, and
`blipee targets cascade --method` on the same warehouse.

Organisation O1 (GBP): region N with stores a and b, region S with store c. The stores open
on Mondays 09:00-10:00 BST (08:00 UTC) and traded on 2023-05-29 (a 30, b 10, c 60: so every
store has a year of history before 2024-06-01 - 364 = 2023-06-03) and on 2023-06-05, last
year's June (net sales a 300, b 100, c 600; footfall a 100, b 100, c 300). a's sales were
rung by a_e1 (20, then 200) and a_e2 (10, then 100); a_e1 sits in team a_team of department
a_floor (raw.org_units), a_e2 is listed nowhere and so hangs directly under store a.

The targets (period June 2024 unless said; period_type month, so the end is derived):
- T_ORG, O1, net sales 10,000.00, historical: N 4,000 (0.4) and S 6,000 (0.6), the spec's
  example; a 3,000, b 1,000, c 6,000.
- T_STAFF, store a, net sales 100.00 for the week of 2024-06-03, historical down to staff:
  a_floor 66.67 and a_e2 33.33 (200 : 100, the cent to the larger fraction); a_team and
  a_e1 66.67.
- T_CAP, O1, net sales 1,000.00, weighted 1 : 1 with N capped at 300: N 300, S 700; N's
  stores have no weights, so they split by history: a 225, b 75.
- T_CONV, O1, conversion 0.25, historical: N's and S's rates weighted by last June's
  footfall give back 0.25.
- T_UP, region N, net sales bottom-up over a's own 1,200.50 and b's 799.50: N 2,000.00.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dbt_dataset import utc
from dbt_rows import WAREHOUSES, BuiltChain, built_chain
from dbt_runner import REPO_ROOT

from planning.cascade import cascade

pytestmark = [pytest.mark.slow, pytest.mark.dbt]

BUILD = ["build", "--select", "+fct_targets", "--indirect-selection", "buildable"]
DELIVERED = utc("2024-06-04 00:00")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# site: (region, {day: (footfall, [(staff_id, net sales), ...])})
STORES: dict[str, tuple[str, dict[str, tuple[int, list[tuple[str | None, int]]]]]] = {
    "a": ("N", {"2023-05-29": (10, [("a_e1", 20), ("a_e2", 10)]),
                "2023-06-05": (100, [("a_e1", 200), ("a_e2", 100)])}),
    "b": ("N", {"2023-05-29": (10, [(None, 10)]), "2023-06-05": (100, [(None, 100)])}),
    "c": ("S", {"2023-05-29": (10, [(None, 60)]),
                "2023-06-05": (300, [(None, 200), (None, 400)])}),
}


def _site(site_id: str, region: str) -> dict[str, Any]:
    hours = {f"{day}_{edge}": None for day in DAYS for edge in ("open", "close")}
    hours.update({"mon_open": "09:00", "mon_close": "10:00"})
    return {
        "site_id": site_id, "organization_id": "O1", "region_id": region, "name": site_id,
        "site_type": "mall", "timezone": "Europe/London", "country": "GB",
        "subdivision": "GB-ENG", "mall_id": None, "area_sqm": 100.0, "currency": "GBP",
        "open_date": date(2023, 1, 1), "close_date": None, **hours,
    }


def _target(target_id: str, level: str, level_id: str, metric: str, value: str | None,
            method: str, **extra: Any) -> dict[str, Any]:
    return {"target_id": target_id, "organization_id": "O1", "level": level,
            "level_id": level_id, "metric": metric, "period_start": date(2024, 6, 1),
            "period_end": None, "period_type": "month",
            "target_value": None if value is None else Decimal(value),
            "currency": "GBP" if metric == "net_sales" else None, "method": method, **extra}


def chain() -> dict[str, list[dict[str, Any]]]:
    """The raw tables of the three-store chain and its targets."""
    sites, sensors, counts, sales = [], [], [], []
    for site_id, (region, days) in STORES.items():
        sites.append(_site(site_id, region))
        sensors.append({
            "sensor_id": site_id, "line_id": "1", "site_id": site_id, "vendor": "generic",
            "device_serial": site_id, "device_name": None, "line_role": "entrance",
            "interval_minutes": 60, "max_count_per_interval": None,
            "is_direction_inverted": False,
        })
        for day, (footfall, tickets) in days.items():
            start = datetime.fromisoformat(f"{day} 08:00").replace(tzinfo=utc("2024-01-01").tzinfo)
            counts.append({"sensor_id": site_id, "line_id": "1", "period_start": start,
                           "period_end": start + timedelta(hours=1), "count_in": footfall,
                           "count_out": footfall, "received_at": None})
            sales += [{
                "source_system": "test", "external_id": f"{site_id}-{day}-{n}",
                "site_id": site_id, "ts": start + timedelta(minutes=n), "type": "sale",
                "gross_amount": None, "discount": None, "tax": None,
                "net_amount": Decimal(amount), "currency": "GBP", "item_count": 1,
                "staff_id": staff, "customer_id": None, "payment_method": None,
            } for n, (staff, amount) in enumerate(tickets)]
    return {
        "organizations": [{"organization_id": "O1", "name": "Acme", "reporting_currency": "GBP"}],
        "regions": [{"region_id": "N", "organization_id": "O1", "name": "North"},
                    {"region_id": "S", "organization_id": "O1", "name": "South"}],
        "sites": sites, "sensors": sensors, "sensor_counts": counts, "pos_transactions": sales,
        "org_units": [
            {"org_unit_level": "department", "org_unit_id": "a_floor", "org_unit_name": "Floor",
             "parent_level": "site", "parent_id": "a", "organization_id": "O1"},
            {"org_unit_level": "team", "org_unit_id": "a_team", "org_unit_name": "Team",
             "parent_level": "department", "parent_id": "a_floor", "organization_id": "O1"},
            {"org_unit_level": "staff", "org_unit_id": "a_e1", "org_unit_name": "Ann",
             "parent_level": "team", "parent_id": "a_team", "organization_id": "O1"},
        ],
        "targets_input": [
            _target("T_ORG", "organization", "O1", "net_sales", "10000", "historical"),
            _target("T_STAFF", "site", "a", "net_sales", "100", "historical",
                    cascade_to="staff", period_start=date(2024, 6, 3), period_type="week"),
            _target("T_CAP", "organization", "O1", "net_sales", "1000", "weighted"),
            _target("T_CONV", "organization", "O1", "conversion_rate", "0.25", "historical"),
            _target("T_UP", "region", "N", "net_sales", None, "bottom_up"),
            _target("T_UP_A", "site", "a", "net_sales", "1200.50", "manual"),
            _target("T_UP_B", "site", "b", "net_sales", "799.50", "manual"),
        ],
        "target_constraints": [
            {"target_id": "T_CAP", "org_unit_level": "region", "org_unit_id": "N",
             "weight": 1.0, "floor_value": None, "cap_value": Decimal("300"), "min_share": None},
            {"target_id": "T_CAP", "org_unit_level": "region", "org_unit_id": "S",
             "weight": 1.0, "floor_value": None, "cap_value": None, "min_share": None},
        ],
    }


@pytest.fixture(scope="module", params=WAREHOUSES)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[BuiltChain]:
    """The chain loaded and fct_targets built with its upstream."""
    with built_chain(request, tmp_path_factory, "targets", chain(), DELIVERED, BUILD) as built:
        yield built


def _values(built: BuiltChain, target_id: str) -> dict[str, float]:
    rows = built.query(f"select org_unit_key, target_value from marts.fct_targets "
                 f"where target_id = '{target_id}'")
    return dict(rows)  # type: ignore[arg-type]


def test_historical_cascade_is_the_spec_example_down_to_stores(built: BuiltChain) -> None:
    assert _values(built, "T_ORG") == {
        "organization:O1": 10000.0, "region:N": 4000.0, "region:S": 6000.0,
        "site:a": 3000.0, "site:b": 1000.0, "site:c": 6000.0}
    (period,) = built.query("select distinct period_start_date, period_end_date, history_window "
                      "from marts.fct_targets where target_id = 'T_ORG' and cascade_depth = 1")
    assert period == (date(2024, 6, 1), date(2024, 6, 30), "last_year")


def test_cascade_below_a_store_through_departments_teams_and_staff(built: BuiltChain) -> None:
    assert _values(built, "T_STAFF") == {
        "site:a": 100.0, "department:a_floor": 66.67, "staff:a_e2": 33.33,
        "team:a_team": 66.67, "staff:a_e1": 66.67}


def test_a_capped_child_passes_the_rest_on(built: BuiltChain) -> None:
    assert _values(built, "T_CAP") == {
        "organization:O1": 1000.0, "region:N": 300.0, "region:S": 700.0,
        "site:a": 225.0, "site:b": 75.0, "site:c": 700.0}
    capped = built.query("select org_unit_key from marts.fct_targets "
                   "where target_id = 'T_CAP' and is_capped")
    assert capped == [("region:N",)]


def test_a_rate_cascades_as_a_rate_weighted_by_footfall(built: BuiltChain) -> None:
    # last June's footfall: N 100 + 100, S 300
    rates = _values(built, "T_CONV")
    assert rates["organization:O1"] == 0.25
    weighted = (rates["region:N"] * 200 + rates["region:S"] * 300) / 500
    assert weighted == pytest.approx(0.25, abs=1e-6)
    assert rates["region:N"] != rates["region:S"]


def test_bottom_up_is_the_sum_of_the_stores_own_targets(built: BuiltChain) -> None:
    assert _values(built, "T_UP") == {"region:N": 2000.0, "site:a": 1200.5, "site:b": 799.5}


def test_targets_cascade_command_reruns_a_target_with_another_method(built: BuiltChain
                                                                      ) -> None:
    result = cascade("T_ORG", "equal", project_dir=REPO_ROOT, env=built.env,
                     work_dir=built.work / "show")
    values = {row.org_unit_key: float(row.target_value or 0) for row in result.rows}
    assert result.method == "equal"
    assert values == {"organization:O1": 10000.0, "region:N": 5000.0, "region:S": 5000.0,
                      "site:a": 2500.0, "site:b": 2500.0, "site:c": 5000.0}
    assert [row.depth for row in result.rows][:1] == [0]
