"""Local stand-ins for the Shopify and Square APIs, served over real HTTP on 127.0.0.1.

Each implements the documented paging (Shopify's Link header with page_info, Square's body
cursor), filters by updated_at like the real API, and can be told to misbehave: answer 429
with Retry-After, answer 5xx, cut a page short, or fail for good after N pages.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import polars as pl
import pytest

from ingestion.records import LoadContext

SHOPIFY_TOKEN = "shpat_test_secret_0123456789"  # the test modules repeat these two
SQUARE_TOKEN = "EAAA_test_secret_square_987"


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _encode(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode()


def _decode(token: str) -> dict[str, Any]:
    return json.loads(base64.urlsafe_b64decode(token.encode()))


class FakeApi:
    """Shared behaviour: scripted faults, request log, a thread-served HTTP server."""

    def __init__(self) -> None:
        self.orders: list[dict[str, Any]] = []
        self.faults: list[str] = []  # consumed one per request: "429", "500", "truncate", "ok"
        self.fail_after_pages: int | None = None  # then 500 for good
        self.pages_served = 0
        self.requests: list[dict[str, Any]] = []
        self.server: ThreadingHTTPServer | None = None
        self.faults_sent: list[str] = []

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> None:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                api.handle(self, None)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                api.handle(self, json.loads(self.rfile.read(length)))

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.01,), daemon=True).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()

    def handle(self, req: BaseHTTPRequestHandler, body: Any) -> None:
        raise NotImplementedError

    def fault(self, req: BaseHTTPRequestHandler) -> str:
        """Serve the next scripted fault; returns it ("ok" or "truncate": serve a page)."""
        if self.fail_after_pages is not None and self.pages_served >= self.fail_after_pages:
            self.send(req, 500, {"errors": "down"})
            return "down"
        fault = self.faults.pop(0) if self.faults else "ok"
        self.faults_sent.append(fault)
        if fault == "429":
            self.send(req, 429, {"errors": "slow down"}, {"Retry-After": "0"})
        elif fault == "500":
            self.send(req, 503, {"errors": "unavailable"})
        elif fault == "drop":  # promise a long body, send a few bytes, hang up
            req.send_response(200)
            req.send_header("Content-Length", "100000")
            req.end_headers()
            req.wfile.write(b'{"orders": [')
            req.close_connection = True
        return fault

    def send(self, req: BaseHTTPRequestHandler, status: int, payload: Any,
             headers: dict[str, str] | None = None, truncate: bool = False) -> None:
        body = json.dumps(payload).encode()
        if truncate:
            body = body[: len(body) // 2]
        req.send_response(status)
        req.send_header("Content-Type", "application/json")
        req.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            req.send_header(key, value)
        req.end_headers()
        req.wfile.write(body)


class FakeShopify(FakeApi):
    """GET /admin/api/2026-07/orders.json with updated_at_min, limit and page_info."""

    def __init__(self) -> None:
        super().__init__()
        self.call_limit = "1/40"

    def handle(self, req: BaseHTTPRequestHandler, body: Any) -> None:
        parts = urlsplit(req.path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        self.requests.append(params)
        if parts.path != "/admin/api/2026-07/orders.json":
            return self.send(req, 404, {"errors": "Not Found"})
        if req.headers.get("X-Shopify-Access-Token") != SHOPIFY_TOKEN:
            return self.send(req, 401, {"errors": "Invalid API key or access token"})
        fault = self.fault(req)
        if fault not in ("ok", "truncate"):
            return None
        truncate = fault == "truncate"
        limit = int(params.get("limit", 50))
        if "page_info" in params:
            if set(params) - {"page_info", "limit", "fields"}:
                return self.send(req, 400, {"errors": "page_info allows only limit"})
            try:
                cursor = _decode(params["page_info"])
            except ValueError:
                return self.send(req, 400, {"errors": {"page_info": "Invalid value."}})
        else:
            assert params.get("status") == "any"
            assert params.get("order") == "updated_at asc"
            cursor = {"min": params.get("updated_at_min"), "offset": 0}
        matching = sorted(
            (o for o in self.orders
             if cursor["min"] is None or _ts(o["updated_at"]) >= _ts(cursor["min"])),
            key=lambda o: (_ts(o["updated_at"]), o["id"]),
        )
        start = cursor["offset"]
        page = matching[start : start + limit]
        headers = {"X-Shopify-Shop-Api-Call-Limit": self.call_limit}
        if start + limit < len(matching):
            info = _encode({"min": cursor["min"], "offset": start + limit})
            headers["Link"] = (
                f'<{self.url}/admin/api/2026-07/orders.json?limit={limit}&page_info={info}>; '
                'rel="next"'
            )
        if not truncate:
            self.pages_served += 1
        self.send(req, 200, {"orders": page}, headers, truncate=truncate)
        return None


class FakeSquare(FakeApi):
    """POST /v2/orders/search with location_ids, updated_at start_at, states, cursor."""

    def handle(self, req: BaseHTTPRequestHandler, body: Any) -> None:
        self.requests.append(body)
        if urlsplit(req.path).path != "/v2/orders/search":
            return self.send(req, 404, {"errors": [{"code": "NOT_FOUND"}]})
        if req.headers.get("Authorization") != f"Bearer {SQUARE_TOKEN}":
            return self.send(req, 401, {"errors": [{"code": "UNAUTHORIZED"}]})
        fault = self.fault(req)
        if fault not in ("ok", "truncate"):
            return None
        truncate = fault == "truncate"
        query = body["query"]
        assert query["sort"] == {"sort_field": "UPDATED_AT", "sort_order": "ASC"}
        assert len(body["location_ids"]) <= 10
        states = set(query["filter"]["state_filter"]["states"])
        start_at = (query["filter"].get("date_time_filter") or {}).get("updated_at", {}).get(
            "start_at")
        if body.get("cursor"):
            try:
                cursor = _decode(body["cursor"])
            except ValueError:
                return self.send(req, 400, {"errors": [{"code": "INVALID_CURSOR"}]})
            start_at = cursor["min"]
        else:
            cursor = {"min": start_at, "offset": 0}
        matching = sorted(
            (o for o in self.orders
             if o["location_id"] in body["location_ids"] and o["state"] in states
             and (start_at is None or _ts(o["updated_at"]) >= _ts(start_at))),
            key=lambda o: (_ts(o["updated_at"]), o["id"]),
        )
        limit = body.get("limit", 500)
        start = cursor["offset"]
        answer: dict[str, Any] = {"orders": matching[start : start + limit]}
        if start + limit < len(matching):
            answer["cursor"] = _encode({"min": start_at, "offset": start + limit})
        if not answer["orders"]:
            answer = {}  # Square answers {} when nothing matches
        if not truncate:
            self.pages_served += 1
        self.send(req, 200, answer, truncate=truncate)
        return None


@pytest.fixture
def shopify_api() -> Iterator[FakeShopify]:
    api = FakeShopify()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def square_api() -> Iterator[FakeSquare]:
    api = FakeSquare()
    api.start()
    yield api
    api.stop()


@pytest.fixture
def sleeps() -> Callable[[float], None]:
    """A sleep that really sleeps (the tests keep every wait tiny) and records each wait."""
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(min(seconds, 0.05))

    sleep.waits = waits  # type: ignore[attr-defined]
    return sleep


@pytest.fixture
def make_ctx() -> Callable[..., LoadContext]:
    """A LoadContext for a landed POS file, with a few registered locations and sites."""

    def make(source_file: str, **overrides: Any) -> LoadContext:
        now = datetime(2026, 7, 2, tzinfo=UTC)  # after every order of the tests
        values: dict[str, Any] = {
            "source_file": source_file,
            "delivered_at": now,
            "now": now,
            "pos_locations": pl.DataFrame(
                {
                    "source_system": ["shopify", "shopify", "square", "square", "square",
                                      "sap_pos", "sap_pos"],
                    "location_id": ["online", "655441491", "P3CCK6HSNDAS7", "D7AVYMEAPJ3A3",
                                    "L-TOKYO", "1000", "2000"],
                    "site_id": ["web-store", "lisbon-01", "sf-01", "sf-02", "tokyo-01",
                                "berlin-01", "nyc-01"],
                }
            ),
            "sites": pl.DataFrame(
                {
                    "site_id": ["berlin-01", "nyc-01", "lisbon-01"],
                    "timezone": ["Europe/Berlin", "America/New_York", "Europe/Lisbon"],
                }
            ),
            "customer_salt": "test-salt",
        }
        values.update(overrides)
        return LoadContext(**values)

    return make


from tests.ingestion.bad_input_warehouse import wh  # noqa: E402,F401  (the warehouse fixture)
