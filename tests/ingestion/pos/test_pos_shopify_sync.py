"""The Shopify sync against a local HTTP server speaking the Admin REST paging protocol."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from infra.http_retry import RetryPolicy
from ingestion.pos import SyncError, parse_pos_file, sync_shopify

SHOPIFY_TOKEN = "shpat_test_secret_0123456789"  # what the local server accepts

EMAIL = "jane.doe@example.com"


def order(order_id: int, updated_at: str, price: str = "10.00", **extra: Any) -> dict[str, Any]:
    """A Shopify POS order at location 655441491 with one line and a customer."""
    return {
        "id": order_id,
        "created_at": "2026-06-01T10:00:00+01:00",
        "processed_at": "2026-06-01T10:00:00+01:00",
        "updated_at": updated_at,
        "currency": "EUR",
        "location_id": 655441491,
        "total_discounts": "0.00",
        "total_tax": "0.00",
        "email": EMAIL,
        "customer": {"id": 7000 + order_id, "email": EMAIL, "first_name": "Jane"},
        "line_items": [{"id": order_id * 10, "price": price, "quantity": 1, "sku": "S1"}],
        "refunds": [],
        **extra,
    }


def five_orders() -> list[dict[str, Any]]:
    return [order(i, f"2026-06-0{i}T12:00:00Z") for i in range(1, 6)]


def run(api: Any, tmp_path: Path, sleeps: Callable[[float], None], day: int = 1, **kw: Any):
    """One sync run; `day` is the run's clock (July 2026), which names its files."""
    return sync_shopify(
        tmp_path / "landing", tmp_path / "state", shop_url=api.url, token=SHOPIFY_TOKEN,
        page_size=2, now=datetime(2026, 7, day, tzinfo=UTC),
        retry=RetryPolicy(backoff_seconds=0.001, sleep=sleeps), throttle_seconds=0.001, **kw,
    )


def landed_orders(landing: Path, files: list[str]) -> list[dict[str, Any]]:
    return [o for f in files for o in json.loads((landing / f).read_text())["orders"]]


def state_of(tmp_path: Path) -> dict[str, Any]:
    (path,) = (tmp_path / "state").glob("shopify-*.json")
    return json.loads(path.read_text())


def test_pages_land_in_order_and_the_watermark_is_the_last_update(shopify_api, tmp_path,
                                                                   sleeps):
    shopify_api.orders = five_orders()
    report = run(shopify_api, tmp_path, sleeps)
    # 5 orders, 2 per page -> pages [1,2] [3,4] [5]
    assert report.pages == 3 and report.orders == 5 and report.complete
    assert [Path(f).name for f in report.files] == [
        f"sync-127-20260701T000000000000Z-p0000{n}.json" for n in (1, 2, 3)
    ]
    landing = tmp_path / "landing"
    assert [o["id"] for o in landed_orders(landing, report.files)] == [1, 2, 3, 4, 5]
    assert state_of(tmp_path)["watermark"] == "2026-06-05T12:00:00+00:00"
    assert state_of(tmp_path)["cursor"] is None
    # the first request asks for everything, later ones follow page_info only
    assert shopify_api.requests[0] == {"status": "any", "limit": "2", "order": "updated_at asc"}
    assert set(shopify_api.requests[1]) == {"limit", "page_info"}


def test_a_second_run_starts_at_the_watermark(shopify_api, tmp_path, sleeps):
    shopify_api.orders = five_orders()
    run(shopify_api, tmp_path, sleeps)
    report = run(shopify_api, tmp_path, sleeps)
    assert shopify_api.requests[-1]["updated_at_min"] == "2026-06-05T12:00:00+00:00"
    # updated_at_min is inclusive: only order 5 (at the watermark) comes again
    assert landed_orders(tmp_path / "landing", report.files)[0]["id"] == 5
    assert report.orders == 1


def test_landed_pages_parse_and_hold_no_personal_data_or_token(shopify_api, tmp_path, sleeps,
                                                               make_ctx):
    shopify_api.orders = five_orders()
    report = run(shopify_api, tmp_path, sleeps)
    for rel in report.files:
        text = (tmp_path / "landing" / rel).read_text()
        assert EMAIL not in text and "Jane" not in text and SHOPIFY_TOKEN not in text
        result = parse_pos_file(text.encode(), make_ctx(rel))
        assert result.quarantined == []
        assert result.tables["pos_transactions"]["site_id"].to_list() == ["lisbon-01"] * len(
            json.loads(text)["orders"])
    assert SHOPIFY_TOKEN not in json.dumps(state_of(tmp_path))


def test_429_5xx_truncated_and_dropped_pages_are_retried(shopify_api, tmp_path, sleeps):
    shopify_api.orders = five_orders()
    shopify_api.faults = ["429", "500", "ok", "truncate", "drop", "ok"]
    report = run(shopify_api, tmp_path, sleeps)
    # 3 pages + 4 failed attempts = 7 requests, 4 of them retried
    assert report.requests == 7 and report.retries == 4
    assert [o["id"] for o in landed_orders(tmp_path / "landing", report.files)] == [1, 2, 3, 4, 5]
    assert sleeps.waits[0] == 0.0  # the 429's Retry-After: 0 was honoured


def test_a_nearly_full_call_bucket_slows_the_sync_down(shopify_api, tmp_path, sleeps):
    shopify_api.orders = five_orders()
    shopify_api.call_limit = "39/40"
    report = run(shopify_api, tmp_path, sleeps)
    # every one of the 3 pages reports 39/40 used (>= 80%), so each is followed by a wait
    assert report.throttle_waits == 3
    assert sleeps.waits == [0.001, 0.001, 0.001]


def test_an_interrupted_sync_resumes_without_loss_or_duplicates(shopify_api, tmp_path, sleeps):
    shopify_api.orders = five_orders()
    shopify_api.fail_after_pages = 2
    with pytest.raises(SyncError) as failure:
        run(shopify_api, tmp_path, sleeps)
    first = failure.value.report
    assert first.pages == 2 and not first.complete
    # the watermark covers exactly the landed pages (orders 1-4); the cursor points at page 3
    assert state_of(tmp_path)["watermark"] == "2026-06-04T12:00:00+00:00"
    assert state_of(tmp_path)["cursor"] is not None

    shopify_api.fail_after_pages = None
    second = run(shopify_api, tmp_path, sleeps)
    assert second.resumed_from_cursor and second.complete
    ids = [o["id"] for o in landed_orders(tmp_path / "landing", first.files + second.files)]
    assert sorted(ids) == [1, 2, 3, 4, 5] and len(ids) == len(set(ids))
    assert state_of(tmp_path)["cursor"] is None


def test_a_refused_cursor_falls_back_to_the_watermark(shopify_api, tmp_path, sleeps):
    shopify_api.orders = five_orders()
    shopify_api.fail_after_pages = 2
    with pytest.raises(SyncError):
        run(shopify_api, tmp_path, sleeps)
    (state_path,) = (tmp_path / "state").glob("shopify-*.json")
    state = json.loads(state_path.read_text())
    state["cursor"] = "expired"  # cursors do not live for ever
    state_path.write_text(json.dumps(state))
    shopify_api.fail_after_pages = None
    report = run(shopify_api, tmp_path, sleeps)
    # restarted at updated_at_min = order 4's time: orders 4 and 5 land, nothing is lost
    assert [o["id"] for o in landed_orders(tmp_path / "landing", report.files)] == [4, 5]


def test_an_order_refunded_later_lands_again_in_a_later_file(shopify_api, tmp_path, sleeps,
                                                              make_ctx):
    shopify_api.orders = five_orders()
    first = run(shopify_api, tmp_path, sleeps)
    refunded = order(2, "2026-06-20T09:00:00Z", refunds=[{
        "id": 99, "created_at": "2026-06-20T09:00:00Z",
        "refund_line_items": [{"quantity": 1, "subtotal": "10.00", "total_tax": "0.00",
                               "line_item": {"price": "10.00", "quantity": 1, "sku": "S1"}}],
    }])
    shopify_api.orders[1] = refunded
    second = run(shopify_api, tmp_path, sleeps, day=2)
    assert second.files[-1] > first.files[-1]  # fetch order = name order
    # latest delivery wins per key, as the loader does it
    rows: dict[tuple[str, str], str] = {}
    for rel in first.files + second.files:
        content = (tmp_path / "landing" / rel).read_bytes()
        frame = parse_pos_file(content, make_ctx(rel)).tables["pos_transactions"]
        for row in frame.iter_rows(named=True):
            rows[(row["source_system"], row["external_id"])] = row["type"]
    assert rows[("shopify", "2:refund:99")] == "return"
    assert state_of(tmp_path)["watermark"] == "2026-06-20T09:00:00+00:00"


def test_a_refused_token_stops_at_once_without_retrying(shopify_api, tmp_path, sleeps):
    with pytest.raises(SyncError, match="HTTP 401") as failure:
        sync_shopify(tmp_path / "l", tmp_path / "s", shop_url=shopify_api.url, token="wrong",
                     retry=RetryPolicy(backoff_seconds=0.001, sleep=sleeps))
    assert failure.value.report.requests == 1
    assert "wrong" not in str(failure.value)
