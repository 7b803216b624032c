"""One HTTP call with the retries every remote API needs: 429, 5xx, drops and truncated pages.

A 429 waits Retry-After seconds (or the backoff when the header is missing); a 5xx, a
dropped connection or a 2xx whose body is not valid JSON (a truncated page) is retried with
exponential backoff. Other 4xx are not retried: they mean our request or our credentials are
wrong. Nothing here logs headers or bodies, so a token cannot leak into a log.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

import requests

log = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    backoff_seconds: float = 0.5
    max_backoff_seconds: float = 60.0
    timeout_seconds: float = 60.0
    sleep: Callable[[float], None] = time.sleep

    def backoff(self, attempt: int) -> float:
        return min(self.backoff_seconds * 2 ** (attempt - 1), self.max_backoff_seconds)


class HttpError(RuntimeError):
    """A response that retrying will not fix (4xx other than 429), or retries exhausted."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Counters:
    requests: int = 0
    retries: int = 0


def fetch_json(
    session: requests.Session,
    method: str,
    url: str,
    *,
    headers: dict[str, str],
    policy: RetryPolicy,
    counters: Counters,
    params: dict[str, Any] | None = None,
    json_body: dict[str, Any] | None = None,
) -> tuple[Any, requests.Response]:
    """The parsed JSON body (floats as Decimal) and the response, after retries."""
    where = urlsplit(url).path
    problem = "no attempt made"
    for attempt in range(1, policy.max_attempts + 1):
        counters.requests += 1
        try:
            response = session.request(
                method, url, headers=headers, params=params, json=json_body,
                timeout=policy.timeout_seconds,
            )
        except (
            requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError,
            requests.exceptions.ContentDecodingError,
        ) as exc:
            problem, wait = f"{type(exc).__name__}", policy.backoff(attempt)
        else:
            status = response.status_code
            if status == 429:
                problem, wait = "HTTP 429", _retry_after(response, policy.backoff(attempt))
            elif status >= 500:
                problem, wait = f"HTTP {status}", policy.backoff(attempt)
            elif status >= 400:
                raise HttpError(f"{method} {where} answered HTTP {status}", status)
            else:
                try:
                    return json.loads(response.content, parse_float=Decimal), response
                except (ValueError, UnicodeDecodeError):
                    problem, wait = "truncated or invalid JSON body", policy.backoff(attempt)
        if attempt == policy.max_attempts:
            break
        counters.retries += 1
        log.warning("%s %s: %s, retry %d in %.1fs", method, where, problem, attempt, wait)
        policy.sleep(wait)
    raise HttpError(f"{method} {where} failed after {policy.max_attempts} attempts: {problem}")


def _retry_after(response: requests.Response, default: float) -> float:
    value = response.headers.get("Retry-After")
    try:
        return max(float(value), 0.0) if value is not None else default
    except ValueError:
        return default
