"""One generated demo landing area shared by the demo tests (generation takes ~1 s)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from ingestion.demo import DemoSummary, generate_demo

# 2026-10-17 .. 2026-10-30: two of every weekday, and the DST change of 2026-10-25
END = date(2026, 10, 30)


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """6 stores (every vendor format and POS system), 14 days."""
    return generate_demo(tmp_path_factory.mktemp("demo") / "landing", stores=6, days=14,
                         seed=42, end_date=END)


@pytest.fixture(scope="package")
def landing(demo: DemoSummary) -> Path:
    return demo.landing_dir


@pytest.fixture(scope="package")
def holiday_demo(tmp_path_factory: pytest.TempPathFactory) -> DemoSummary:
    """3 stores over 2026-08-26 .. 2026-10-04: the August bank holiday (GB, Monday 31st)
    and German Unity Day (Saturday 3 October)."""
    return generate_demo(tmp_path_factory.mktemp("holiday") / "landing", stores=3, days=40,
                         seed=42, end_date=date(2026, 10, 4))


@pytest.fixture(scope="session")
def repo_docs() -> Path:
    return Path(__file__).resolve().parents[3] / "docs"
