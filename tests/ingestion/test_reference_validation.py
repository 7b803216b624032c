"""Issue 12 item 6 for reference files: values a cast lets through are quarantined.

Loaded into DuckDB and PostgreSQL: each bad row is quarantined with a reason that names its
column and value, and the good rows of the same file load.
"""

from __future__ import annotations

from tests.ingestion import bad_input_warehouse
from tests.ingestion.bad_input_warehouse import NOW, Warehouse

wh = bad_input_warehouse.wh  # the fixture: one warehouse of each kind

SITE_COLUMNS = ("site_id,organization_id,region_id,name,site_type,timezone,area_sqm,currency,"
                "open_date,mon_open,mon_close\n")


def load_reference(wh: Warehouse) -> None:
    wh.land("reference/organizations.csv", "organization_id,name,reporting_currency\n"
            "org1,Acme,EUR\norg2,Nowhere,XXX\n")
    wh.land("reference/sites.csv", SITE_COLUMNS
            + "s1,org1,r1,Berlin,store,Europe/Berlin,120.5,EUR,2020-01-01,09:00,20:00\n"
            + "s2,org1,r1,Mars,store,Mars/Olympus,100,EUR,2020-01-01,09:00,20:00\n"
            + "s3,org1,r1,Void,store,Europe/Lisbon,NaN,EUR,2020-01-01,09:00,20:00\n"
            + "s4,org1,r1,Hole,store,Europe/Lisbon,-5,EUR,2020-01-01,09:00,20:00\n"
            + "s5,org1,r1,Test,store,Europe/Lisbon,100,XXX,2020-01-01,09:00,20:00\n"
            + "s6,org1,r1,Late,store,Europe/Lisbon,100,EUR,2020-01-01,25:99,20:00\n"
            + "s7,org1,r1,Night,store,Europe/Lisbon,,EUR,2020-01-01,00:00,24:00\n")
    wh.land("reference/sensors.csv", "sensor_id,line_id,site_id,vendor,device_serial,"
            "line_role,interval_minutes,max_count_per_interval\n"
            "sen1,1,s1,axis,dev1,entrance,15,100\n"
            "sen2,1,s1,axis,dev2,entrance,0,100\n"
            "sen3,1,s1,axis,dev3,entrance,-15,100\n"
            "sen4,1,s9,axis,dev4,entrance,15,100\n")
    wh.land("reference/weather.csv", "site_id,ts,temperature_c,precipitation_mm,condition\n"
            "s1,2026-11-02T10:00:00Z,8.5,0.2,rain\n"
            "s1,2026-11-02T11:00:00Z,NaN,0,clear\n"
            "s1,2026-11-02T12:00:00Z,inf,0,clear\n"
            "s1,2026-11-02T13:00:00Z,8.0,-1.5,rain\n"
            "s1,2099-11-02T13:00:00Z,8.0,0,clear\n"
            "s1,1900-01-01T00:00:00Z,8.0,0,clear\n")
    wh.load()


def test_bad_reference_values_are_quarantined_with_column_and_value(wh):
    load_reference(wh)
    assert wh.rows("select organization_id from raw.organizations") == [("org1",)]
    assert wh.rows("select site_id from raw.sites order by 1") == [("s1",), ("s7",)]
    assert wh.rows("select sensor_id from raw.sensors") == [("sen1",)]
    assert wh.rows("select temperature_c from raw.weather") == [(8.5,)]
    got = {(path.split("/")[1], line): (code, reason) for path, line, code, reason
           in wh.quarantine("reference/%")}
    expected = {
        ("organizations.csv", 3): ("BAD_CURRENCY", "reporting_currency 'XXX'"),
        ("sites.csv", 3): ("MALFORMED_ROW", "timezone 'Mars/Olympus' is not an IANA"),
        ("sites.csv", 4): ("MALFORMED_ROW", "area_sqm 'NaN' is not a positive number"),
        ("sites.csv", 5): ("MALFORMED_ROW", "area_sqm '-5' is not a positive number"),
        ("sites.csv", 6): ("BAD_CURRENCY", "currency 'XXX'"),
        ("sites.csv", 7): ("MALFORMED_ROW", "mon_open '25:99' is not a local time HH:MM"),
        ("sensors.csv", 3): ("MALFORMED_ROW", "interval_minutes '0' is not a positive"),
        ("sensors.csv", 4): ("MALFORMED_ROW", "interval_minutes '-15' is not a positive"),
        ("sensors.csv", 5): ("UNKNOWN_SITE", "site_id 's9' is not in raw.sites"),
        ("weather.csv", 3): ("MALFORMED_ROW", "temperature_c 'NaN' is not a finite number"),
        ("weather.csv", 4): ("MALFORMED_ROW", "temperature_c 'inf' is not a finite number"),
        ("weather.csv", 5): ("MALFORMED_ROW", "precipitation_mm '-1.5' is not a finite "
                                              "number >= 0"),
        ("weather.csv", 6): ("FUTURE_TIMESTAMP", "ts 2099-11-02T13:00:00Z is more than 5 "
                                                 f"minutes after the load clock {NOW.isoformat()}"),
        ("weather.csv", 7): ("IMPLAUSIBLE_TIMESTAMP", "ts 1900-01-01T00:00:00Z is before "
                                                      "2019-10-03T00:00:00+00:00"),
    }
    assert set(got) == set(expected)
    for key, (code, text) in expected.items():
        assert got[key][0] == code and text in got[key][1], (key, got[key])


def test_a_sensor_of_an_unknown_site_loads_once_the_site_is_registered(wh):
    from ingestion.loader import replay_quarantine

    load_reference(wh)
    wh.land("reference/sites.csv", SITE_COLUMNS
            + "s9,org1,r1,Porto,store,Europe/Lisbon,80,EUR,2021-01-01,09:00,20:00\n")
    wh.load()
    replay_quarantine(wh.conn, wh.dialect, wh.landing, settings=wh.settings,
                      reason_code="UNKNOWN_SITE")
    assert wh.rows("select sensor_id from raw.sensors order by 1") == [("sen1",), ("sen4",)]
