"""dim_org_unit at any depth, built on DuckDB and PostgreSQL over a hand-made chain.

Organisation O1 has regions UK and DE; UK holds sites s1 and s2 (GBP), DE holds s3 (EUR).
raw.org_units puts a sales floor under s1 with two teams and a staff member in each, and a
floor under s3 with one staff member:

    organization:O1
    ├── region:UK
    │   ├── site:s1 ── department:s1_floor ─┬─ team:s1_team_a ── staff:e1 (listed)
    │   │                                   └─ team:s1_team_b ── staff:e2 (listed)
    │   └── site:s2
    └── region:DE
        └── site:s3 ── department:s3_floor ── staff:e5 (listed)

Staff seen only in the shifts or the POS sit directly under the site they work at most:
e3 (2 shifts at s2, 1 at s1) under s2; e4 (no shift; 2 transactions at s3, 1 at s1) under
s3; e6 (1 shift each at s1 and s2: a tie) under s1, the lowest site_id; e7 (1 shift at s1,
3 transactions at s2: shifts count first) under s1. e1 also works shifts at s2, but org_units
lists them, so they stay under their team.

Then rows the loader would reject are written straight into raw.org_units: a cycle
team:cyc_a <-> team:cyc_b, staff:e9 under it, an orphan team:lost under a department that
does not exist, and a row naming a site. dim_org_unit leaves them out and
assert_org_unit_hierarchy_is_a_tree fails, naming each.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from dbt_dataset import utc
from dbt_rows import connection, insert_rows, load, plain
from dbt_runner import run_dbt

from infra.postgres import dbt_env, scratch_database
from ingestion.raw_tables import ensure_raw_tables

pytestmark = [pytest.mark.slow, pytest.mark.dbt]

BUILD = ["build", "--select", "+dim_org_unit", "--indirect-selection", "buildable"]
TREE_TEST = "assert_org_unit_hierarchy_is_a_tree"
DELIVERED = utc("2024-06-04 00:00")
COLUMNS = ("org_unit_key, org_unit_level, org_unit_id, org_unit_name, parent_org_unit_key, "
           "organization_id, region_id, site_id, currency, hierarchy_depth, org_unit_path")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _site(site_id: str, region_id: str, currency: str, timezone: str) -> dict[str, Any]:
    hours = {f"{day}_{edge}": None for day in DAYS for edge in ("open", "close")}
    return {
        "site_id": site_id, "organization_id": "O1", "region_id": region_id, "name": site_id,
        "site_type": "mall", "timezone": timezone, "country": None, "subdivision": None,
        "mall_id": None, "area_sqm": 100.0, "currency": currency,
        "open_date": date(2023, 1, 1), "close_date": None, **hours,
    }


def _unit(level: str, unit_id: str, parent_level: str, parent_id: str,
          name: str | None = None) -> dict[str, Any]:
    return {"org_unit_level": level, "org_unit_id": unit_id, "org_unit_name": name,
            "parent_level": parent_level, "parent_id": parent_id, "organization_id": "O1"}


def _shifts(staff: str, site: str, count: int) -> list[dict[str, Any]]:
    start = utc("2024-06-03 08:00")
    return [{"shift_id": f"{staff}-{site}-{n}", "site_id": site, "staff_id": staff,
             "shift_start": start + timedelta(days=n),
             "shift_end": start + timedelta(days=n, hours=8),
             "role": "sales"} for n in range(count)]


def _sales(staff: str, site: str, count: int) -> list[dict[str, Any]]:
    start = utc("2024-06-03 09:00")
    return [{
        "source_system": "test", "external_id": f"{staff}-{site}-{n}", "site_id": site,
        "ts": start + timedelta(minutes=n), "type": "sale", "gross_amount": None,
        "discount": None, "tax": None, "net_amount": Decimal("10"),
        "currency": "EUR" if site == "s3" else "GBP", "item_count": 1, "staff_id": staff,
        "customer_id": None, "payment_method": None,
    } for n in range(count)]


def chain() -> dict[str, list[dict[str, Any]]]:
    """The raw tables of the clean chain."""
    return {
        "organizations": [{"organization_id": "O1", "name": "Acme", "reporting_currency": "GBP"}],
        "regions": [{"region_id": "UK", "organization_id": "O1", "name": "United Kingdom"},
                    {"region_id": "DE", "organization_id": "O1", "name": "Germany"}],
        "sites": [_site("s1", "UK", "GBP", "Europe/London"),
                  _site("s2", "UK", "GBP", "Europe/London"),
                  _site("s3", "DE", "EUR", "Europe/Berlin")],
        "org_units": [
            _unit("department", "s1_floor", "site", "s1", "Sales floor"),
            _unit("team", "s1_team_a", "department", "s1_floor", "Team A"),
            _unit("team", "s1_team_b", "department", "s1_floor", "Team B"),
            _unit("staff", "e1", "team", "s1_team_a", "Ann"),
            _unit("staff", "e2", "team", "s1_team_b", "Bob"),
            _unit("department", "s3_floor", "site", "s3", "Verkaufsfläche"),
            _unit("staff", "e5", "department", "s3_floor", "Eva"),
        ],
        "staff_shifts": (_shifts("e1", "s1", 1) + _shifts("e1", "s2", 3)
                         + _shifts("e3", "s2", 2) + _shifts("e3", "s1", 1)
                         + _shifts("e6", "s2", 1) + _shifts("e6", "s1", 1)
                         + _shifts("e7", "s1", 1)),
        "pos_transactions": (_sales("e4", "s3", 2) + _sales("e4", "s1", 1)
                             + _sales("e7", "s2", 3) + _sales("e2", "s2", 1)),
    }


BROKEN = [
    _unit("team", "cyc_a", "team", "cyc_b"),
    _unit("team", "cyc_b", "team", "cyc_a"),
    _unit("staff", "e9", "team", "cyc_a"),
    _unit("team", "lost", "department", "nowhere"),
    _unit("site", "s1", "team", "s1_team_a"),
]


@dataclass(frozen=True)
class Built:
    """dim_org_unit over the clean chain, then with the broken rows, and the test's output."""

    clean: dict[str, tuple[Any, ...]]
    broken: dict[str, tuple[Any, ...]]
    problems: dict[str, str]
    test_output: str


def _dim(target: str, where: str) -> dict[str, tuple[Any, ...]]:
    with connection(target, where) as conn:
        rows = conn.execute(f"select {COLUMNS} from marts.dim_org_unit").fetchall()
    return {row[0]: tuple(plain(v) for v in row[1:]) for row in rows}


@pytest.fixture(
    scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> Iterator[Built]:
    """The chain built clean; then the broken rows, dim_org_unit rebuilt and the tree test."""
    work = tmp_path_factory.mktemp(f"dbt-org-units-{request.param}")

    def run(target: str, where: str, env: dict[str, str]) -> Built:
        with connection(target, where) as conn:
            ensure_raw_tables(conn, target)
            load(conn, target, chain(), DELIVERED)
        run_dbt(BUILD, target, env, work)
        clean = _dim(target, where)
        with connection(target, where) as conn:
            insert_rows(conn, target, "org_units", BROKEN, DELIVERED)
        run_dbt(["run", "--select", "dim_org_unit"], target, env, work)
        broken = _dim(target, where)
        with pytest.raises(AssertionError) as failed:
            run_dbt(["test", "--select", TREE_TEST, "--store-failures"], target, env, work)
        with connection(target, where) as conn:
            rows = conn.execute(f"select org_unit_key, problem from dbt_test__audit.{TREE_TEST}"
                                ).fetchall()
        return Built(clean, broken, dict(rows), str(failed.value))

    if request.param == "duckdb":
        path = str(work / "warehouse.duckdb")
        yield run("duckdb", path, {"BLIPEE_DUCKDB_PATH": path})
        return
    server = request.getfixturevalue("pg_server_dsn")
    with scratch_database(server, prefix="blipee_dbt_org") as dsn:
        yield run("postgres", dsn, dbt_env(dsn))


def test_every_unit_at_every_depth_with_its_parent(built: Built) -> None:
    parents = {key: (row[3], row[8]) for key, row in built.clean.items()}
    assert parents == {
        "organization:O1": (None, 1),
        "region:UK": ("organization:O1", 2),
        "region:DE": ("organization:O1", 2),
        "site:s1": ("region:UK", 3),
        "site:s2": ("region:UK", 3),
        "site:s3": ("region:DE", 3),
        "department:s1_floor": ("site:s1", 4),
        "team:s1_team_a": ("department:s1_floor", 5),
        "team:s1_team_b": ("department:s1_floor", 5),
        "staff:e1": ("team:s1_team_a", 6),
        "staff:e2": ("team:s1_team_b", 6),
        "department:s3_floor": ("site:s3", 4),
        "staff:e5": ("department:s3_floor", 5),
        # not in org_units: under the site of most shifts, then transactions, then lowest id
        "staff:e3": ("site:s2", 4),
        "staff:e4": ("site:s3", 4),
        "staff:e6": ("site:s1", 4),
        "staff:e7": ("site:s1", 4),
    }


def test_units_below_a_site_carry_the_sites_ids_and_currency(built: Built) -> None:
    assert built.clean["staff:e1"] == (
        "staff", "e1", "Ann", "team:s1_team_a", "O1", "UK", "s1", "GBP", 6,
        "organization:O1 > region:UK > site:s1 > department:s1_floor > team:s1_team_a "
        "> staff:e1")
    assert built.clean["staff:e5"][4:8] == ("O1", "DE", "s3", "EUR")
    assert built.clean["staff:e4"][:3] == ("staff", "e4", "e4")  # named by the staff_id
    assert built.clean["region:DE"][4:8] == ("O1", "DE", None, None)
    assert built.clean["organization:O1"][4:8] == ("O1", None, None, "GBP")
    assert built.clean["site:s3"][4:8] == ("O1", "DE", "s3", "EUR")


def test_a_cycle_an_orphan_and_a_reserved_level_stay_out_of_the_dimension(built: Built
                                                                           ) -> None:
    assert built.broken == built.clean
    assert not {"team:cyc_a", "team:cyc_b", "staff:e9", "team:lost"} & set(built.broken)


def test_the_tree_test_fails_naming_each_problem_unit(built: Built) -> None:
    assert "Got 5 results" in built.test_output
    assert built.problems == {
        "team:cyc_a": "cycle: team:cyc_a -> team:cyc_b -> team:cyc_a",
        "team:cyc_b": "cycle: team:cyc_b -> team:cyc_a -> team:cyc_b",
        "staff:e9": "under an orphan or a cycle: parent team:cyc_a is not in dim_org_unit",
        "team:lost": "orphan: parent department:nowhere does not exist",
        "site:s1": "reserved level: org_units names a site (organisations, regions and "
                   "sites come from their own files)",
    }


def test_the_clean_chain_passes_the_tree_test(built: Built) -> None:
    # the build ran the tree test over the clean chain: it would have failed the fixture
    assert len(built.clean) == 17
