"""Same seed and end date -> byte-identical landing tree; another seed -> another tree."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from demo_landing_reader import tree_digest

from ingestion.demo import generate_demo

END = date(2026, 10, 27)


def _generate(root: Path, seed: int, stores: int = 4) -> Path:
    generate_demo(root, stores=stores, days=5, seed=seed, end_date=END)
    return root


def test_same_seed_gives_byte_identical_tree_and_mtimes(tmp_path: Path) -> None:
    first = tree_digest(_generate(tmp_path / "a", 42))
    second = tree_digest(_generate(tmp_path / "b", 42))
    assert first == second


def test_another_seed_gives_another_tree(tmp_path: Path) -> None:
    assert tree_digest(_generate(tmp_path / "a", 42)) != tree_digest(_generate(tmp_path / "b", 7))


def test_a_store_day_does_not_depend_on_the_rest_of_the_chain(tmp_path: Path) -> None:
    # per-store/per-day seeds: store 1's Milesight files are the same in a 2-store and a
    # 4-store chain (both chains put the outage and the re-send on store 1, same days)
    small = _generate(tmp_path / "small", 42, stores=2) / "sensors" / "milesight"
    large = _generate(tmp_path / "large", 42, stores=4) / "sensors" / "milesight"
    serial = next(small.iterdir()).name
    names = sorted(p.name for p in (small / serial).iterdir())
    assert names == sorted(p.name for p in (large / serial).iterdir())
    assert len(names) >= 5  # one per day, plus the re-send
    for name in names:
        assert (small / serial / name).read_bytes() == (large / serial / name).read_bytes(), name


def test_progress_counts_every_store_day(tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    generate_demo(tmp_path, stores=3, days=2, end_date=END,
                  progress=lambda done, total: calls.append((done, total)))
    # 3 stores x 2 days = 6 store-days, reported one by one
    assert calls == [(n, 6) for n in range(1, 7)]


@pytest.mark.parametrize("kwargs", [{"days": 0}, {"stores": 0}, {"interval_minutes": 7}])
def test_rejects_nonsense_arguments(tmp_path: Path, kwargs: dict) -> None:
    with pytest.raises(ValueError):
        generate_demo(tmp_path, end_date=END, **kwargs)
