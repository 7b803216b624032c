"""What a load or a replay did, for the CLI, the logs and Dagster metadata."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

PREVIEW_FILES = 10


@dataclass
class FileReport:
    """One landed file: loaded, skipped (already in the manifest), quarantined whole, or
    failed (it could not be read from disk: nothing written, tried again next run)."""

    path: str
    sha256: str
    source_format: str
    status: str  # loaded | skipped | quarantined | failed
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    reason: str | None = None

    @property
    def total_loaded(self) -> int:
        return sum(self.rows_loaded.values())

    @property
    def total_quarantined(self) -> int:
        return sum(self.rows_quarantined.values())


@dataclass
class LoadReport:
    """A whole run over the landing dir."""

    files_seen: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_quarantined: int = 0
    files_failed: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_quarantined: dict[str, int] = field(default_factory=dict)
    by_format: dict[str, dict[str, int]] = field(default_factory=dict)
    files: list[FileReport] = field(default_factory=list)

    def add(self, report: FileReport) -> None:
        self.files_seen += 1
        self.files.append(report)
        if report.status == "skipped":
            self.files_skipped += 1
            return
        if report.status == "failed":
            self.files_failed += 1
            return
        if report.status == "quarantined":
            self.files_quarantined += 1
        else:
            self.files_loaded += 1
        loaded, quarantined = Counter(self.rows_loaded), Counter(self.rows_quarantined)
        loaded.update(report.rows_loaded)
        quarantined.update(report.rows_quarantined)
        self.rows_loaded, self.rows_quarantined = dict(loaded), dict(quarantined)
        fmt = self.by_format.setdefault(
            report.source_format, {"files": 0, "rows_loaded": 0, "rows_quarantined": 0}
        )
        fmt["files"] += 1
        fmt["rows_loaded"] += report.total_loaded
        fmt["rows_quarantined"] += report.total_quarantined

    @property
    def preview(self) -> str:
        """A markdown table of the first files this run touched (skipped ones left out)."""
        touched = [f for f in self.files if f.status != "skipped"][:PREVIEW_FILES]
        lines = ["| file | format | status | rows loaded | rows quarantined |",
                 "| --- | --- | --- | ---: | ---: |"]
        lines += [f"| {f.path} | {f.source_format} | {f.status} | {f.total_loaded} | "
                  f"{f.total_quarantined} |" for f in touched]
        return "\n".join(lines)

    def as_metadata(self) -> dict[str, Any]:
        """Plain values for Dagster MaterializeResult metadata."""
        return {
            "files_seen": self.files_seen,
            "files_loaded": self.files_loaded,
            "files_skipped": self.files_skipped,
            "files_quarantined": self.files_quarantined,
            "files_failed": self.files_failed,
            "rows_loaded": dict(self.rows_loaded),
            "rows_quarantined": dict(self.rows_quarantined),
            "by_format": {k: dict(v) for k, v in self.by_format.items()},
            "preview": self.preview,
        }

    def __str__(self) -> str:
        return (f"{self.files_seen} files seen: {self.files_loaded} loaded, "
                f"{self.files_skipped} already loaded, {self.files_quarantined} quarantined "
                f"whole, {self.files_failed} unreadable on disk; rows loaded "
                f"{self.rows_loaded}; rows quarantined {self.rows_quarantined}")


@dataclass
class ReplayReport:
    """A replay of quarantined files: which were re-parsed and what moved out of quarantine."""

    reason_code: str | None
    files_replayed: int = 0
    files_unchanged: int = 0
    files_missing: int = 0
    rows_loaded: dict[str, int] = field(default_factory=dict)
    rows_released: int = 0  # quarantine rows removed because their rows now load
    rows_still_quarantined: int = 0
    files: list[FileReport] = field(default_factory=list)

    def as_metadata(self) -> dict[str, Any]:
        return {
            "reason_code": self.reason_code or "any",
            "files_replayed": self.files_replayed,
            "files_unchanged": self.files_unchanged,
            "files_missing": self.files_missing,
            "rows_loaded": dict(self.rows_loaded),
            "rows_released": self.rows_released,
            "rows_still_quarantined": self.rows_still_quarantined,
        }

    def __str__(self) -> str:
        return (f"replayed {self.files_replayed} files ({self.files_unchanged} unchanged, "
                f"{self.files_missing} missing from the landing dir): {self.rows_released} "
                f"quarantined rows released, {self.rows_still_quarantined} still quarantined, "
                f"rows loaded {self.rows_loaded}")
