"""The targets' reference files (docs/targets.md): targets_input.csv, target_constraints.csv
and org_units.csv, loaded into DuckDB and PostgreSQL.

Each bad row is quarantined with its reason code and a reason naming the value; the good
rows of the same file load. org_units.csv is also checked as a whole: every row of a cycle
is rejected naming the cycle, an orphan naming its missing parent, and the rows under them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from infra.warehouse import connect_duckdb
from ingestion.raw_tables import ensure_raw_tables
from ingestion.records import LoadContext
from ingestion.reference import parse_reference_file
from tests.ingestion import bad_input_warehouse
from tests.ingestion.bad_input_warehouse import Warehouse

wh = bad_input_warehouse.wh  # the fixture: one warehouse of each kind

TARGETS = ("target_id,organization_id,level,level_id,metric,period_start,period_end,"
           "target_value,currency,method,name,period_type,stretch_value,minimum_value,"
           "hybrid_weight,cascade_to\n")
SITES = ("site_id,organization_id,region_id,name,site_type,timezone,currency,open_date\n"
         "s1,org1,r1,Berlin,store,Europe/Berlin,EUR,2020-01-01\n")
ORG_UNITS = "org_unit_level,org_unit_id,org_unit_name,parent_level,parent_id,organization_id\n"


def _quarantined(wh: Warehouse, name: str) -> dict[int, tuple[str, str]]:
    return {line: (code, reason) for _, line, code, reason
            in wh.quarantine(f"reference/{name}")}


def test_targets_input_rows_break_one_rule_each(wh: Warehouse) -> None:
    wh.land("reference/targets_input.csv", TARGETS
            # good: a year, a month left to period_type, a bottom_up sum, manual = historical
            + "t1,org1,organization,org1,net_sales,2026-01-01,2026-12-31,1000000,EUR,"
              "historical,FY,custom,1100000,950000,,site\n"
            + "t2,org1,region,r1,footfall,2026-04-01,,50000,,Potential,,Quarter,,,,\n"
            + "t3,org1,region,r1,net_sales,2026-10-01,,,EUR,bottom_up,,month,,,,\n"
            + "t4,org1,site,s1,net_sales,2026-10-01,,90000,EUR,manual,,month,,,0.3,staff\n"
            # bad
            + "b1,org1,country,DE,net_sales,2026-01-01,2026-12-31,1,EUR,equal,,,,,,\n"
            + "b2,org1,site,s1,net_sales,2026-01-01,2026-12-31,1,EUR,equal,,,,,,shelf\n"
            + "b3,org1,site,s1,net_sales,2026-01-01,2026-12-31,1,EUR,guess,,,,,,\n"
            + "b4,org1,site,s1,net_sales,2026-01-01,2026-12-31,1,EUR,equal,,fortnight,,,,\n"
            + "b5,org1,site,s1,net_sales,2026-01-01,,1,EUR,equal,,custom,,,,\n"
            + "b6,org1,site,s1,net_sales,2026-01-01,,1,EUR,equal,,,,,,\n"
            + "b7,org1,site,s1,net_sales,2026-02-01,2026-01-31,1,EUR,equal,,custom,,,,\n"
            + "b8,org1,site,s1,net_sales,2026-01-01,,1,EUR,hybrid,,month,,,1.5,\n"
            + "b9,org1,site,s1,net_sales,2026-01-01,,,EUR,top_down,,month,,,,\n")
    wh.load()
    assert wh.rows("select target_id, period_end, target_value, method, period_type, "
                   "hybrid_weight, cascade_to from raw.targets_input order by 1") == [
        ("t1", datetime(2026, 12, 31).date(), Decimal("1000000.0000"), "historical", "custom",
         None, "site"),
        ("t2", None, Decimal("50000.0000"), "Potential", "Quarter", None, None),
        ("t3", None, None, "bottom_up", "month", None, None),
        ("t4", None, Decimal("90000.0000"), "manual", "month", 0.3, "staff"),
    ]
    got = _quarantined(wh, "targets_input.csv")
    expected = {
        6: ("UNKNOWN_LEVEL", "level 'country' is not one of organization, region, site, "
                             "department, team, staff"),
        7: ("UNKNOWN_LEVEL", "cascade_to 'shelf' is not one of"),
        8: ("UNKNOWN_METHOD", "method 'guess' is not one of equal, weighted, historical, "
                              "potential, top_down, bottom_up, hybrid, manual"),
        9: ("UNKNOWN_PERIOD_TYPE", "period_type 'fortnight' is not one of day, week, month, "
                                   "quarter, period_454, custom"),
        10: ("BAD_PERIOD", "period_end missing: period_type 'custom' needs it"),
        11: ("BAD_PERIOD", "period_end missing: period_type 'empty' needs it"),
        12: ("BAD_PERIOD", "period_end 2026-01-31 is before period_start 2026-02-01"),
        13: ("OUT_OF_RANGE", "hybrid_weight '1.5' is not a finite number within [0, 1]"),
        14: ("MISSING_TARGET_VALUE", "target_value missing: method 'top_down' needs one"),
    }
    assert set(got) == set(expected)
    for line, (code, text) in expected.items():
        assert got[line][0] == code and text in got[line][1], (line, got[line])


def test_a_targets_file_without_the_new_columns_still_loads(wh: Warehouse) -> None:
    wh.land("reference/targets_input.csv",
            "target_id,organization_id,level,level_id,metric,period_start,period_end,"
            "target_value,currency,method\n"
            "t1,org1,organization,org1,net_sales,2026-01-01,2026-12-31,1000000,EUR,manual\n")
    wh.load()
    assert wh.rows("select target_id, method, name, period_type, stretch_value, "
                   "hybrid_weight, cascade_to from raw.targets_input") == [
        ("t1", "manual", None, None, None, None, None)]
    assert wh.quarantine() == []


def test_target_constraints_weights_shares_and_bounds(wh: Warehouse) -> None:
    wh.land("reference/target_constraints.csv",
            "target_id,org_unit_level,org_unit_id,weight,floor_value,cap_value,min_share\n"
            "t1,site,s1,2,,500000,\n"
            "t1,site,s2,1,100000,,0.1\n"
            "t1,site,s3,0,100,100,0\n"
            "t1,site,s4,-1,,,\n"
            "t1,site,s5,NaN,,,\n"
            "t1,site,s6,1,,,1.5\n"
            "t1,site,s7,1,600000,500000,\n")
    wh.load()
    assert wh.rows("select org_unit_id, weight, floor_value, cap_value, min_share "
                   "from raw.target_constraints order by 1") == [
        ("s1", 2.0, None, Decimal("500000.0000"), None),
        ("s2", 1.0, Decimal("100000.0000"), None, 0.1),
        ("s3", 0.0, Decimal("100.0000"), Decimal("100.0000"), 0.0),
    ]
    assert _quarantined(wh, "target_constraints.csv") == {
        5: ("OUT_OF_RANGE", "weight '-1' is not a finite number >= 0"),
        6: ("OUT_OF_RANGE", "weight 'NaN' is not a finite number >= 0"),
        7: ("OUT_OF_RANGE", "min_share '1.5' is not a finite number within [0, 1]"),
        8: ("BAD_BOUNDS", "floor_value 600000 is above cap_value 500000"),
    }


def test_org_units_a_cycle_an_orphan_and_the_rows_under_them_are_rejected(wh: Warehouse
                                                                        ) -> None:
    wh.land_sites(SITES)
    wh.land("reference/org_units.csv", ORG_UNITS
            + "department,floor,Sales floor,site,s1,org1\n"      # 2: good
            + "team,a,Team A,department,floor,org1\n"            # 3: good
            + "staff,e1,Ann,team,a,org1\n"                       # 4: good
            + "team,regional,Field team,region,r1,org1\n"        # 5: good, under a region
            + "team,x,,team,y,org1\n"                            # 6: cycle
            + "team,y,,team,x,org1\n"                            # 7: cycle
            + "staff,e2,,team,x,org1\n"                          # 8: under the cycle
            + "staff,e3,,team,ghost,org1\n"                      # 9: orphan
            + "staff,e4,,site,s9,org1\n"                         # 10: orphan (no such site)
            + "staff,e5,,staff,e3,org1\n"                        # 11: under an orphan
            + "team,self,,team,self,org1\n"                      # 12: its own parent
            + "site,s2,,region,r1,org1\n"                        # 13: a site
            + "Region,r2,,organization,org1,org1\n")             # 14: a region
    wh.load()
    assert wh.rows("select org_unit_level, org_unit_id, parent_level, parent_id "
                   "from raw.org_units order by 1, 2") == [
        ("department", "floor", "site", "s1"), ("staff", "e1", "team", "a"),
        ("team", "a", "department", "floor"), ("team", "regional", "region", "r1")]
    cycle = "org unit cycle: team:x -> team:y -> team:x"
    assert _quarantined(wh, "org_units.csv") == {
        6: ("ORG_UNIT_CYCLE", cycle),
        7: ("ORG_UNIT_CYCLE", cycle),
        8: ("ORG_UNIT_ORPHAN", f"orphan: parent team:x of staff:e2 is rejected ({cycle})"),
        9: ("ORG_UNIT_ORPHAN", "orphan: parent team:ghost of staff:e3 is neither a row of "
                               "org_units.csv nor an organisation, region or site in "
                               "raw.sites"),
        10: ("ORG_UNIT_ORPHAN", "orphan: parent site:s9 of staff:e4 is neither a row of "
                                "org_units.csv nor an organisation, region or site in "
                                "raw.sites"),
        11: ("ORG_UNIT_ORPHAN", "orphan: parent staff:e3 of staff:e5 is rejected (orphan: "
                                "parent team:ghost of staff:e3 is neither a row of "
                                "org_units.csv nor an organisation, region or site in "
                                "raw.sites)"),
        12: ("ORG_UNIT_SELF_PARENT", "org unit team:self is its own parent"),
        13: ("ORG_UNIT_LEVEL", "org_unit_level 'site': organisations, regions and sites "
                               "come from organizations.csv, regions.csv and sites.csv; "
                               "org_units.csv lists the units below them"),
        14: ("ORG_UNIT_LEVEL", "org_unit_level 'Region': organisations, regions and sites "
                               "come from organizations.csv, regions.csv and sites.csv; "
                               "org_units.csv lists the units below them"),
    }


def test_without_known_sites_only_cycles_and_their_rows_are_rejected() -> None:
    """A parser called without a warehouse cannot tell an orphan: dbt's
    assert_org_unit_hierarchy_is_a_tree names it if it reaches the warehouse."""
    now = datetime(2026, 11, 30, tzinfo=UTC)
    ctx = LoadContext("reference/org_units.csv", now, now)
    result = parse_reference_file(
        (ORG_UNITS + "staff,e1,,team,ghost,org1\nteam,x,,team,y,org1\n"
         "team,y,,team,x,org1\nstaff,e2,,team,y,org1\n").encode(), ctx, "org_units")
    assert [(q.line_no, q.reason_code) for q in result.quarantined] == [
        (3, "ORG_UNIT_CYCLE"), (4, "ORG_UNIT_CYCLE"), (5, "ORG_UNIT_ORPHAN")]
    assert result.tables["org_units"]["org_unit_id"].to_list() == ["e1"]


@pytest.mark.parametrize("dialect", ["duckdb", pytest.param("postgres",
                                                            marks=pytest.mark.postgres)])
def test_an_older_warehouse_drops_not_null_of_target_value_and_period_end(
        dialect: str, tmp_path, request: pytest.FixtureRequest) -> None:
    """raw.targets_input made by a release where target_value and period_end were required."""
    if dialect == "duckdb":
        conn = connect_duckdb(tmp_path / "warehouse.duckdb")
    else:
        from infra.warehouse import connect_postgres

        conn = connect_postgres(request.getfixturevalue("pg_dsn"))
    try:
        conn.execute("create schema raw")
        conn.execute("create table raw.targets_input (target_id text not null, "
                     "period_end date not null, target_value numeric(18, 4) not null, "
                     "primary key (target_id))")
        ensure_raw_tables(conn, dialect)
        nullable = dict(conn.execute(
            "select column_name, is_nullable from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'targets_input'").fetchall())
        assert (nullable["target_id"], nullable["period_end"], nullable["target_value"]) == (
            "NO", "YES", "YES")
        assert nullable["cascade_to"] == "YES"
    finally:
        conn.close()
