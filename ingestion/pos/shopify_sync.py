"""Shopify Admin REST orders sync: new and changed orders into the landing area.

GET /admin/api/2026-07/orders.json?status=any&updated_at_min=<watermark>&limit=250
&order=updated_at asc, then follows the Link header's rel="next" page_info cursor (later
pages take only page_info and limit, as Shopify requires). Each page lands as
pos/shopify/sync-<shop>-<run>-p<n>.json (`{"orders": [...]}`, what parse_shopify reads),
then the watermark and the next cursor are saved (see sync_state). updated_at_min is
inclusive, so the orders at the watermark second are fetched again next run: harmless.
An order refunded or cancelled later has a later updated_at, so it lands again in a later
file and its rows replace the earlier ones in the loader.

Rate limits: the leaky bucket is read from X-Shopify-Shop-Api-Call-Limit ("32/40"); when
it is nearly full the sync waits before the next call. 429 honours Retry-After.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests

from infra.http_retry import Counters, HttpError, RetryPolicy, fetch_json
from ingestion.pos.frames import Rejected, utc_timestamp
from ingestion.pos.sync_state import (
    SyncError,
    SyncReport,
    land_page,
    load_state,
    save_state,
)

log = logging.getLogger(__name__)

API_VERSION = "2026-07"
LANDING_FOLDER = "pos/shopify"
BUCKET_NEARLY_FULL = 0.8  # wait when 80% of the call bucket is used


def sync_shopify(
    landing_dir: Path,
    state_dir: Path,
    *,
    shop_url: str,
    token: str,
    session: requests.Session | None = None,
    page_size: int = 250,
    now: datetime | None = None,
    since: datetime | None = None,
    retry: RetryPolicy | None = None,
    throttle_seconds: float = 1.0,
) -> SyncReport:
    """Fetch orders updated since the watermark (or `since`, or all on a first run)."""
    base = shop_url.rstrip("/")
    if not base.startswith(("http://", "https://")):
        base = f"https://{base}"
    shop = urlsplit(base).hostname or "shop"
    shop_name = shop.split(".")[0]
    state_path = Path(state_dir) / f"shopify-{_key(base)}.json"
    state = load_state(state_path)
    policy = retry or RetryPolicy()
    counters = Counters()
    report = SyncReport("shopify", watermark=state.watermark)
    run = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    url = f"{base}/admin/api/{API_VERSION}/orders.json"
    headers = {"X-Shopify-Access-Token": token, "Accept": "application/json"}
    http = session or requests.Session()
    cursor = state.cursor
    report.resumed_from_cursor = cursor is not None
    try:
        while True:
            params = _params(cursor, state.watermark, since, page_size)
            try:
                data, response = fetch_json(
                    http, "GET", url, headers=headers, params=params, policy=policy,
                    counters=counters,
                )
            except HttpError as exc:
                if cursor is not None and exc.status in (400, 404, 422):
                    log.warning("saved cursor refused (%s); restarting from watermark", exc)
                    cursor = None
                    continue
                raise
            orders = data.get("orders") if isinstance(data, dict) else None
            if not isinstance(orders, list):
                raise HttpError(f"GET {urlsplit(url).path}: no orders list in the answer")
            next_cursor = _next_page_info(response)
            if orders:
                report.pages += 1
                report.orders += len(orders)
                report.files.append(
                    land_page(landing_dir, LANDING_FOLDER,
                              f"sync-{shop_name}-{run}-p{report.pages:05d}", orders)
                )
                state.watermark = _max_updated(orders, state.watermark)
            state.cursor = next_cursor
            save_state(state_path, state)
            report.watermark = state.watermark
            cursor = next_cursor
            if _bucket_nearly_full(response):
                report.throttle_waits += 1
                policy.sleep(throttle_seconds)
            if cursor is None:
                break
    except HttpError as exc:
        raise SyncError(f"Shopify sync of {shop} stopped: {exc}", report) from exc
    finally:
        _count(report, counters)
    report.complete = True
    return report


def _params(
    cursor: str | None, watermark: str | None, since: datetime | None, page_size: int
) -> dict[str, Any]:
    if cursor is not None:
        return {"limit": page_size, "page_info": cursor}
    params: dict[str, Any] = {"status": "any", "limit": page_size, "order": "updated_at asc"}
    start = watermark or (since.astimezone(UTC).isoformat() if since else None)
    if start:
        params["updated_at_min"] = start
    return params


def _next_page_info(response: requests.Response) -> str | None:
    link = response.links.get("next")
    if not link:
        return None
    values = parse_qs(urlsplit(link["url"]).query).get("page_info")
    return values[0] if values else None


def _max_updated(orders: list[Any], watermark: str | None) -> str | None:
    best = datetime.fromisoformat(watermark) if watermark else None
    for order in orders:
        try:
            updated = utc_timestamp(order.get("updated_at"), "updated_at")
        except (Rejected, AttributeError):
            continue  # the parser will quarantine it; it does not move the watermark
        if best is None or updated > best:
            best = updated
    return best.isoformat() if best else None


def _bucket_nearly_full(response: requests.Response) -> bool:
    value = response.headers.get("X-Shopify-Shop-Api-Call-Limit", "")
    used, _, size = value.partition("/")
    try:
        return int(used) >= BUCKET_NEARLY_FULL * int(size)
    except ValueError:
        return False


def _count(report: SyncReport, counters: Counters) -> None:
    report.requests, report.retries = counters.requests, counters.retries


def _key(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:12]
