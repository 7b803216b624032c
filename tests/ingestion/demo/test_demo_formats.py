"""The demo's files have the shapes of the real vendor payloads in tests/fixtures/vendor-samples."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import yaml
from demo_landing_reader import axis_rows, header, hikvision_rows, milesight_docs

from ingestion.demo.chain import build_chain

CHAIN = build_chain(6, 42)
DST_DAY = "2026-10-25"  # clocks go back in London and Berlin: 25 local hours


def _keys(docs: list[dict], *path: str) -> set[str]:
    keys: set[str] = set()
    for doc in docs:
        node = doc
        for part in path:
            node = node[part]
            if isinstance(node, list):
                node = node[0]
        keys |= set(node)
    return keys


def test_milesight_periodic_mirrors_the_live_capture(landing: Path, samples_dir: Path) -> None:
    capture = json.loads((samples_dir / "milesight" /
                          "vs125_mqtt_live_capture_cumulative_negative_capacity.json").read_text())
    trigger = json.loads((samples_dir / "milesight" / "vs125_http_line_trigger.json").read_text())
    serial = CHAIN[0].devices[0].serial
    docs = milesight_docs(landing / "sensors" / "milesight" / serial / "2026-10-20.jsonl")
    assert len(docs) == 96  # one push document per quarter-hour, one per JSONL line
    assert set(docs[0]) == {"device_info", "line_periodic_data", "time_info"}
    assert _keys(docs, "device_info") <= set(capture["device_info"]) | set(trigger["device_info"])
    assert _keys(docs, "time_info") == set(capture["time_info"])
    assert _keys(docs, "line_periodic_data") == set(capture["line_periodic_data"][0])
    assert _keys(docs, "line_periodic_data", "total") == {"in", "out"}
    assert docs[0]["device_info"]["device_sn"] == serial
    assert re.fullmatch(r"[0-9A-F]{16}", serial)  # as device_sn is written in the samples
    assert docs[40]["time_info"]["start_time"] == "2026-10-20T10:00:00+01:00"
    assert docs[40]["time_info"]["end_time"] == "2026-10-20T10:15:00+01:00"


def test_milesight_cumulative_mirrors_line_total_data(landing: Path, samples_dir: Path) -> None:
    capture = json.loads((samples_dir / "milesight" /
                          "vs125_mqtt_live_capture_cumulative_negative_capacity.json").read_text())
    serial = CHAIN[2].devices[0].serial  # site_003, Berlin
    docs = milesight_docs(landing / "sensors" / "milesight" / serial / "2026-10-20.jsonl")
    assert _keys(docs, "line_total_data") == set(capture["line_total_data"][0])
    assert _keys(docs, "line_total_data", "total") == set(capture["line_total_data"][0]["total"])
    total = docs[-1]["line_total_data"][0]["total"]
    assert total["capacity_counted"] == total["in_counted"] - total["out_counted"]
    assert docs[0]["time_info"]["start_time"] == "2026-10-20T00:00:00+02:00"


def test_milesight_writes_a_zero_offset_as_the_capture_does(landing: Path) -> None:
    serial = CHAIN[0].devices[0].serial  # London, GMT from 2026-10-25 01:00 UTC
    docs = milesight_docs(landing / "sensors" / "milesight" / serial / "2026-10-26.jsonl")
    assert docs[0]["time_info"]["start_time"] == "2026-10-26T00:00:00-00:00"
    assert docs[0]["time_info"]["dst_status"] is False


def test_axis_export_csv_as_the_a3dpc_sample(landing: Path, samples_dir: Path) -> None:
    sample = samples_dir / "axis" / "a3dpc_export_csv_minute.csv"
    serial = CHAIN[1].devices[0].serial
    path = landing / "sensors" / "axis" / serial / "2026-10-20.csv"
    assert header(path) == header(sample) == ["start", "end", "in", "out"]
    rows = axis_rows(path)
    assert len(rows) == 96
    assert rows[0][:2] == ("2026-10-20 00:00:00", "2026-10-20 00:15:00")  # end exclusive
    assert all(a[1] == b[0] for a, b in itertools.pairwise(rows))
    assert re.fullmatch(r"[0-9A-F]{12}", serial)


def test_hikvision_counting_statistics_result(landing: Path) -> None:
    serial = CHAIN[5].devices[0].serial
    path = landing / "sensors" / "hikvision" / serial / "2026-10-20.xml"
    text = path.read_text()
    assert "<responseStatusStrg>OK</responseStatusStrg>" in text
    assert "<numOfMatches>96</numOfMatches>" in text
    rows = hikvision_rows(path)
    assert len(rows) == 96
    # device-local, no offset, end inclusive
    assert rows[40][:2] == ("2026-10-20T10:00:00", "2026-10-20T10:14:59")


def test_generic_sensor_csv_header(landing: Path) -> None:
    serial = CHAIN[3].devices[0].serial
    path = landing / "sensors" / "generic" / f"{serial}_2026-10-20.csv"
    assert header(path) == ["device_serial", "line_id", "period_start", "period_end",
                            "count_in", "count_out"]
    second = path.read_text().splitlines()[1]
    assert second == f"{serial},1,2026-10-20T00:00:00+01:00,2026-10-20T00:15:00+01:00,0,0"


def test_the_dst_day_has_25_hours_everywhere(landing: Path) -> None:
    london = CHAIN[0].devices[0].serial
    docs = milesight_docs(landing / "sensors" / "milesight" / london / f"{DST_DAY}.jsonl")
    assert len(docs) == 100  # 25 hours x 4
    times = [d["time_info"]["start_time"] for d in docs]
    # 01:00-02:00 local comes twice: first in summer time, then in winter time
    assert times[4:9] == ["2026-10-25T01:00:00+01:00", "2026-10-25T01:15:00+01:00",
                          "2026-10-25T01:30:00+01:00", "2026-10-25T01:45:00+01:00",
                          "2026-10-25T01:00:00-00:00"]
    axis = axis_rows(landing / "sensors" / "axis" / CHAIN[1].devices[0].serial
                     / f"{DST_DAY}.csv")
    assert len(axis) == 100
    # naive wall clock: the last summer quarter ends at 01:00 (the instant, in winter time)
    assert axis[7][:2] == ("2026-10-25 01:45:00", "2026-10-25 01:00:00")
    hik = hikvision_rows(landing / "sensors" / "hikvision" / CHAIN[5].devices[0].serial
                         / f"{DST_DAY}.xml")
    assert len(hik) == 100
    # Berlin goes back at 03:00 CEST -> 02:00 CET: 02:00-03:00 comes twice
    assert [r[0][11:] for r in hik[8:13]] == ["02:00:00", "02:15:00", "02:30:00", "02:45:00",
                                              "02:00:00"]


# Fields of the real APIs that the trimmed samples happen not to show.
SHOPIFY_EXTRA = {"admin_graphql_api_id", "payment_gateway_names", "presentment_currency",
                 "processed_at", "refunds", "discount_allocations", "tax_lines", "taxable",
                 "total_discount"}
SQUARE_EXTRA = {"customer_id", "taxes", "catalog_object_id", "variation_name", "returns",
                "return_amounts", "refunds"}


def _sample_keys(paths: list[Path], key: str) -> tuple[set[str], set[str]]:
    orders, lines = set(), set()
    for path in paths:
        data = json.loads(path.read_text())
        for order in data.get(key + "s") or [data[key]]:
            orders |= set(order)
            for line in order.get("line_items", []):
                lines |= set(line)
    return orders, lines


def test_shopify_orders_use_the_api_field_names(landing: Path, samples_dir: Path) -> None:
    orders, lines = _sample_keys([samples_dir / "shopify" / name for name in (
        "python_api_fixture_order.json", "python_api_fixture_orders.json",
        "admin_rest_2026-07_orders_fields_subset.json")], "order")
    ours = json.loads((landing / "pos" / "shopify" / "orders_2026-10-20.json").read_text())
    assert set(ours) == {"orders"}
    for order in ours["orders"]:
        assert set(order) <= orders | SHOPIFY_EXTRA
        for line in order["line_items"]:
            assert set(line) <= lines | SHOPIFY_EXTRA
        assert re.fullmatch(r"\d+\.\d\d", order["total_price"])  # money as decimal strings
        # shop-local time with offset (a refunded order comes back with its sale date)
        assert re.fullmatch(r"2026-10-\d\dT\d\d:\d\d:\d\d\+01:00", order["created_at"])


def test_square_orders_use_the_api_field_names(landing: Path, samples_dir: Path) -> None:
    orders, lines = _sample_keys([samples_dir / "square" / name for name in (
        "pay_order_response_completed_split_tender.json", "retrieve_order_response_open.json",
        "batch_retrieve_orders_response.json")], "order")
    ours = json.loads((landing / "pos" / "square" / "orders_2026-10-20.json").read_text())
    states = set()
    for order in ours["orders"]:
        assert set(order) <= orders | SQUARE_EXTRA
        for line in order.get("line_items", []):
            assert set(line) <= lines | SQUARE_EXTRA
            assert isinstance(line["quantity"], str)
            assert isinstance(line["total_money"]["amount"], int)  # minor units
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", order["created_at"])
        states.add(order["state"])
    assert states <= {"COMPLETED", "CANCELED"}


def test_generic_pos_csv_matches_its_mapping(landing: Path, repo_docs: Path) -> None:
    folder = landing / "pos" / "generic" / "sap_pos"
    mapping_text = (folder / "mapping.yaml").read_text()
    assert mapping_text in (repo_docs / "landing-layout.md").read_text()  # the docs example
    mapping = yaml.safe_load(mapping_text)
    columns = header(folder / "sales_2026-10-20.csv")
    assert set(mapping["columns"].values()) == set(columns)
    assert len(columns) == len(set(columns))
