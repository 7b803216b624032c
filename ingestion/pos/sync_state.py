"""What the POS syncs keep between runs, and how they write without ever half-writing.

Exactly-once, in two steps per fetched page: (1) the page is written to the landing area
atomically (a temp file in the same folder, fsync, rename) and (2) only then the watermark
(max updated_at landed so far, plus the cursor of the next page while a run is under way) is
saved atomically in the state dir. A run killed between (1) and (2) re-fetches that page
next time: the loader's manifest and latest-wins upsert make a re-delivered order harmless.
A run can never lose a page, because the watermark never runs ahead of what has landed.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ingestion.pos.frames import PII_KEYS


@dataclass
class SyncReport:
    """What one sync run did; `files` are landing-relative paths in fetch order."""

    system: str
    pages: int = 0
    orders: int = 0
    files: list[str] = field(default_factory=list)
    watermark: str | None = None
    resumed_from_cursor: bool = False
    complete: bool = False
    requests: int = 0
    retries: int = 0
    throttle_waits: int = 0


class SyncError(RuntimeError):
    """A sync stopped (retries exhausted, auth refused); what it landed stays landed."""

    def __init__(self, message: str, report: SyncReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class SyncState:
    watermark: str | None = None  # ISO 8601 UTC: max updated_at of every landed order
    cursor: str | None = None  # where the interrupted run was; None between runs
    saved_at: str | None = None


def load_state(path: Path) -> SyncState:
    if not path.is_file():
        return SyncState()
    data = json.loads(path.read_text())
    return SyncState(data.get("watermark"), data.get("cursor"), data.get("saved_at"))


def save_state(path: Path, state: SyncState) -> None:
    state.saved_at = datetime.now(UTC).isoformat()
    atomic_write(path, json.dumps(asdict(state), indent=2).encode())


def atomic_write(path: Path, content: bytes) -> None:
    """Write so that readers see the old file or the whole new one, never a partial one.

    The temp file is hidden (leading dot, `.partial` suffix) so no loader picks it up.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def land_page(landing_dir: Path, folder: str, stem: str, orders: list[Any]) -> str:
    """Write one page as `{"orders": [...]}` under landing/<folder>/; returns its rel path.

    Personal data is dropped before anything touches the disk: the landing area keeps the
    customer's id (the parser hashes it) but no name, e-mail, address or card data.
    """
    target = landing_dir / folder / f"{stem}.json"
    suffix = 1
    while target.exists():  # a landed file is never replaced
        suffix += 1
        target = landing_dir / folder / f"{stem}-{suffix}.json"
    payload = json.dumps({"orders": [minimise(o) for o in orders]}, default=_decimal_text)
    atomic_write(target, payload.encode())
    return target.relative_to(landing_dir).as_posix()


def minimise(value: Any) -> Any:
    """The value without personal data; a customer object keeps only its id."""
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key == "customer" and isinstance(item, dict):
                out[key] = {"id": item.get("id")}
            elif key == "customer_id":
                out[key] = item
            elif key not in PII_KEYS:
                out[key] = minimise(item)
        return out
    if isinstance(value, list):
        return [minimise(v) for v in value]
    return value


def _decimal_text(value: Any) -> str:
    """Non-integer JSON numbers were read as Decimal; they are landed as exact strings."""
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"cannot serialise {type(value).__name__}")
