"""Which landed files to load, in which order, and what each one is.

Reference files come first (organisations before regions before sites before sensors before
POS locations, then the rest by name), so that the sensor and POS parsers of the same run
resolve devices and locations registered by it. Then sensors/ and pos/, each by path.
Latest-wins makes the order irrelevant for the tables; it is fixed so that reports and
quarantine rows come out the same on every run.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from pathlib import Path

REFERENCE_ORDER = ("organizations", "regions", "sites", "sensors", "pos_locations")
KINDS = ("reference", "sensors", "pos")
# Files that are not data: dotfiles, partial uploads, the mapping of a generic POS export.
_IGNORED_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".md")
_IGNORED_NAMES = ("mapping.yaml", "mapping.yml")


def relative(path: Path, landing_dir: Path) -> str:
    """The landing-relative path with forward slashes: the file's name everywhere."""
    return path.resolve().relative_to(landing_dir.resolve()).as_posix()


def kind_of(rel: str) -> str:
    return rel.split("/", 1)[0]


def _is_data_file(path: Path) -> bool:
    name = path.name
    return (path.is_file() and not name.startswith(".") and name not in _IGNORED_NAMES
            and not name.lower().endswith(_IGNORED_SUFFIXES))


def _reference_rank(rel: str) -> tuple[int, str]:
    stem = Path(rel).stem
    rank = REFERENCE_ORDER.index(stem) if stem in REFERENCE_ORDER else len(REFERENCE_ORDER)
    return rank, rel


def walk(landing_dir: Path) -> list[str]:
    """Every data file under the landing dir, landing-relative, in load order."""
    if not landing_dir.is_dir():
        return []
    rels = [relative(p, landing_dir) for p in landing_dir.rglob("*") if _is_data_file(p)]
    reference = sorted((r for r in rels if kind_of(r) == "reference"), key=_reference_rank)
    others = sorted(r for r in rels if kind_of(r) != "reference")
    return reference + others


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def delivered_at(path: Path) -> datetime:
    """When the file landed: its modification time, in UTC."""
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)
