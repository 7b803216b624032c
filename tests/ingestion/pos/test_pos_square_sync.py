"""The Square sync against a local HTTP server speaking SearchOrders' cursor protocol."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from infra.http_retry import RetryPolicy
from ingestion.pos import SyncError, parse_pos_file, sync_square

SQUARE_TOKEN = "EAAA_test_secret_square_987"  # what the local server accepts


def order(order_id: str, updated_at: str, *, state: str = "COMPLETED",
          location: str = "L-TOKYO", yen: int = 1200, **extra: Any) -> dict[str, Any]:
    """A Tokyo order in JPY (no minor unit): one line of `yen`."""
    money = {"amount": yen, "currency": "JPY"}
    return {
        "id": order_id,
        "location_id": location,
        "state": state,
        "created_at": updated_at,
        "closed_at": updated_at,
        "updated_at": updated_at,
        "customer_id": f"CUST-{order_id}",
        "line_items": [{"uid": "l1", "name": "Matcha", "quantity": "1",
                        "base_price_money": money, "gross_sales_money": money,
                        "total_money": money}],
        "tenders": [{"type": "CASH"}],
        **extra,
    }


def six_orders() -> list[dict[str, Any]]:
    return [order(f"O{i}", f"2026-06-0{i}T08:00:00.000Z") for i in range(1, 7)]


def run(api: Any, tmp_path: Path, sleeps: Callable[[float], None], day: int = 1,
        locations: list[str] | None = None):
    return sync_square(
        tmp_path / "landing", tmp_path / "state", base_url=api.url, token=SQUARE_TOKEN,
        location_ids=locations or ["L-TOKYO"], page_size=4,
        now=datetime(2026, 7, day, tzinfo=UTC),
        retry=RetryPolicy(backoff_seconds=0.001, sleep=sleeps),
    )


def landed_ids(tmp_path: Path, files: list[str]) -> list[str]:
    landing = tmp_path / "landing"
    return [o["id"] for f in files for o in json.loads((landing / f).read_text())["orders"]]


def state_of(tmp_path: Path) -> dict[str, Any]:
    (path,) = (tmp_path / "state").glob("square-*.json")
    return json.loads(path.read_text())


def test_cursor_pages_land_and_open_orders_wait_until_they_close(square_api, tmp_path,
                                                                  sleeps):
    square_api.orders = [*six_orders(), order("OPEN1", "2026-06-03T09:00:00Z", state="OPEN")]
    report = run(square_api, tmp_path, sleeps)
    # 6 closed orders, 4 per page -> 2 pages; the OPEN one is filtered out by the API query
    assert report.pages == 2 and report.complete
    assert landed_ids(tmp_path, report.files) == ["O1", "O2", "O3", "O4", "O5", "O6"]
    assert state_of(tmp_path)["watermark"] == "2026-06-06T08:00:00+00:00"
    body = square_api.requests[0]
    assert body["location_ids"] == ["L-TOKYO"] and body["limit"] == 4
    assert body["query"]["filter"]["state_filter"]["states"] == ["COMPLETED", "CANCELED"]
    assert "cursor" in square_api.requests[1]

    square_api.orders[-1] = order("OPEN1", "2026-06-10T09:00:00Z")  # it closes later
    second = run(square_api, tmp_path, sleeps, day=2)
    start = square_api.requests[-1]["query"]["filter"]["date_time_filter"]["updated_at"]
    assert start == {"start_at": "2026-06-06T08:00:00+00:00"}
    assert landed_ids(tmp_path, second.files) == ["O6", "OPEN1"]  # O6 sits on the watermark


def test_landed_yen_orders_parse_without_a_minor_unit(square_api, tmp_path, sleeps, make_ctx):
    square_api.orders = six_orders()
    report = run(square_api, tmp_path, sleeps)
    rel = report.files[0]
    content = (tmp_path / "landing" / rel).read_bytes()
    assert b"CUST-O1" in content  # the id lands; the parser hashes it
    frame = parse_pos_file(content, make_ctx(rel)).tables["pos_transactions"]
    # JPY has exponent 0: 1200 minor units = 1200 yen, not 12.00
    assert frame["net_amount"].to_list() == [Decimal("1200")] * 4
    assert frame["site_id"].unique().to_list() == ["tokyo-01"]
    assert "CUST-O1" not in frame["customer_id"].to_list()


def test_429_5xx_and_truncated_pages_are_retried(square_api, tmp_path, sleeps):
    square_api.orders = six_orders()
    square_api.faults = ["500", "429", "truncate", "ok", "drop", "ok"]
    report = run(square_api, tmp_path, sleeps)
    # 2 pages + 4 failed attempts
    assert report.requests == 6 and report.retries == 4
    assert landed_ids(tmp_path, report.files) == ["O1", "O2", "O3", "O4", "O5", "O6"]
    assert 0.0 in sleeps.waits  # Retry-After: 0


def test_an_interrupted_sync_resumes_from_its_cursor(square_api, tmp_path, sleeps):
    square_api.orders = [order(f"O{i:02d}", f"2026-06-{i:02d}T08:00:00Z") for i in range(1, 11)]
    square_api.fail_after_pages = 2
    with pytest.raises(SyncError) as failure:
        run(square_api, tmp_path, sleeps)
    assert failure.value.report.pages == 2
    # pages 1-2 hold O01..O08: the watermark is O08's time, never further
    assert state_of(tmp_path)["watermark"] == "2026-06-08T08:00:00+00:00"
    square_api.fail_after_pages = None
    second = run(square_api, tmp_path, sleeps, day=2)
    ids = landed_ids(tmp_path, failure.value.report.files + second.files)
    assert ids == [f"O{i:02d}" for i in range(1, 11)]  # all, none twice


def test_more_than_ten_locations_run_in_chunks_with_their_own_watermarks(square_api, tmp_path,
                                                                         sleeps):
    locations = [f"L{i:02d}" for i in range(12)]
    square_api.orders = [order("A", "2026-06-01T08:00:00Z", location="L00"),
                         order("B", "2026-06-02T08:00:00Z", location="L11")]
    report = run(square_api, tmp_path, sleeps, locations=locations)
    assert [len(body["location_ids"]) for body in square_api.requests] == [10, 2]
    assert sorted(landed_ids(tmp_path, report.files)) == ["A", "B"]
    assert len(list((tmp_path / "state").glob("square-*.json"))) == 2


def test_a_refused_token_is_not_retried_and_not_echoed(square_api, tmp_path, sleeps):
    with pytest.raises(SyncError, match="HTTP 401") as failure:
        sync_square(tmp_path / "l", tmp_path / "s", base_url=square_api.url,
                    token="bad-token-xyz", location_ids=["L-TOKYO"],
                    retry=RetryPolicy(backoff_seconds=0.001, sleep=sleeps))
    assert failure.value.report.requests == 1
    assert "bad-token-xyz" not in str(failure.value)
