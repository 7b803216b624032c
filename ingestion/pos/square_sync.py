"""Square Orders sync: completed and cancelled orders into the landing area.

POST /v2/orders/search with location_ids (at most 10 per request, so larger sets run in
chunks, each with its own watermark), query.filter.date_time_filter.updated_at.start_at =
watermark, state_filter COMPLETED and CANCELED (open orders come back once they close,
because closing moves their updated_at), sort UPDATED_AT ASC, limit, and the `cursor` of
the previous answer. Each page lands as pos/square/sync-<locations>-<run>-p<n>.json
(`{"orders": [...]}`, what parse_square reads), then the watermark and cursor are saved.
start_at is inclusive: orders at the watermark instant are fetched again, harmlessly.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests

from infra.http_retry import Counters, HttpError, RetryPolicy, fetch_json
from ingestion.pos.frames import Rejected, utc_timestamp
from ingestion.pos.sync_state import SyncError, SyncReport, land_page, load_state, save_state

DEFAULT_BASE_URL = "https://connect.squareup.com"
SQUARE_VERSION = "2025-10-16"
LANDING_FOLDER = "pos/square"
MAX_LOCATIONS = 10


def sync_square(
    landing_dir: Path,
    state_dir: Path,
    *,
    base_url: str = DEFAULT_BASE_URL,
    token: str,
    location_ids: list[str],
    session: requests.Session | None = None,
    page_size: int = 500,
    now: datetime | None = None,
    since: datetime | None = None,
    retry: RetryPolicy | None = None,
) -> SyncReport:
    """Fetch orders of `location_ids` updated since the watermark (or `since`, or all)."""
    if not location_ids:
        raise ValueError("sync_square needs at least one location id")
    policy = retry or RetryPolicy()
    counters = Counters()
    report = SyncReport("square")
    run = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    url = f"{base_url.rstrip('/')}/v2/orders/search"
    headers = {
        "Authorization": f"Bearer {token}",
        "Square-Version": SQUARE_VERSION,
        "Content-Type": "application/json",
    }
    http = session or requests.Session()
    ids = sorted(set(location_ids))
    chunks = [ids[i : i + MAX_LOCATIONS] for i in range(0, len(ids), MAX_LOCATIONS)]
    try:
        for chunk in chunks:
            _sync_chunk(http, url, headers, chunk, landing_dir, Path(state_dir), run,
                        page_size, since, policy, counters, report)
    except HttpError as exc:
        raise SyncError(f"Square sync stopped: {exc}", report) from exc
    finally:
        report.requests, report.retries = counters.requests, counters.retries
    report.complete = True
    return report


def _sync_chunk(
    http: requests.Session, url: str, headers: dict[str, str], chunk: list[str],
    landing_dir: Path, state_dir: Path, run: str, page_size: int, since: datetime | None,
    policy: RetryPolicy, counters: Counters, report: SyncReport,
) -> None:
    key = hashlib.sha256(",".join(chunk).encode()).hexdigest()[:12]
    state_path = state_dir / f"square-{key}.json"
    state = load_state(state_path)
    cursor = state.cursor
    report.resumed_from_cursor |= cursor is not None
    page = 0
    while True:
        body = _body(chunk, state.watermark, since, cursor, page_size)
        try:
            data, _ = fetch_json(http, "POST", url, headers=headers, json_body=body,
                                 policy=policy, counters=counters)
        except HttpError as exc:
            if cursor is not None and exc.status == 400:
                cursor = None  # a stale cursor: start again from the watermark
                continue
            raise
        if not isinstance(data, dict):
            raise HttpError("POST /v2/orders/search: the answer is not a JSON object")
        orders = data.get("orders") or []
        next_cursor = data.get("cursor") or None
        if orders:
            page += 1
            report.pages += 1
            report.orders += len(orders)
            report.files.append(
                land_page(landing_dir, LANDING_FOLDER, f"sync-{key}-{run}-p{page:05d}", orders)
            )
            state.watermark = _max_updated(orders, state.watermark)
        state.cursor = next_cursor
        save_state(state_path, state)
        report.watermark = _later(report.watermark, state.watermark)
        cursor = next_cursor
        if cursor is None:
            return


def _body(
    chunk: list[str], watermark: str | None, since: datetime | None, cursor: str | None,
    page_size: int,
) -> dict[str, Any]:
    query: dict[str, Any] = {
        "filter": {"state_filter": {"states": ["COMPLETED", "CANCELED"]}},
        "sort": {"sort_field": "UPDATED_AT", "sort_order": "ASC"},
    }
    start = watermark or (since.astimezone(UTC).isoformat() if since else None)
    if start:
        query["filter"]["date_time_filter"] = {"updated_at": {"start_at": start}}
    body: dict[str, Any] = {"location_ids": chunk, "query": query, "limit": page_size}
    if cursor:
        body["cursor"] = cursor
    return body


def _max_updated(orders: list[Any], watermark: str | None) -> str | None:
    best = datetime.fromisoformat(watermark) if watermark else None
    for order in orders:
        try:
            updated = utc_timestamp(order.get("updated_at"), "updated_at")
        except (Rejected, AttributeError):
            continue
        if best is None or updated > best:
            best = updated
    return best.isoformat() if best else None


def _later(a: str | None, b: str | None) -> str | None:
    if a is None or b is None:
        return a or b
    return max(a, b, key=datetime.fromisoformat)
