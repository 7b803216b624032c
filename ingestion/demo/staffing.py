"""Staff shifts for one store-day, sized to the traffic the store expects.

An opening and a closing pair always work (the opening pair arrives half an hour before the
doors open, the closing pair leaves half an hour after they shut: those are the counts seen
outside the opening hours), and extra staff cover the busiest hours, one per ~350 expected
visitors a day.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ingestion.demo.calendar import DayContext, DayGrid
from ingestion.demo.chain import Store

STAFF_POOL = 14
VISITORS_PER_EXTRA_STAFF = 350.0


@dataclass(frozen=True)
class Shift:
    shift_id: str
    staff_id: str
    start_utc: int
    end_utc: int
    role: str


def staff_id(store: Store, number: int) -> str:
    return f"{store.site_id}_e{number:02d}"


def local_to_utc(grid: DayGrid, minute: float) -> int:
    """Epoch seconds of a local wall-clock minute of the grid's day (DST-aware)."""
    index = int(np.clip(np.searchsorted(grid.local_minute, minute, side="right") - 1, 0,
                        grid.n - 1))
    return int(grid.start_utc[index] + (minute - grid.local_minute[index]) * 60)


def plan_shifts(store: Store, ctx: DayContext, grid: DayGrid, expected: np.ndarray,
                rng: np.random.Generator) -> tuple[Shift, ...]:
    if ctx.hours is None:
        return ()
    opening, closing = ctx.hours
    length = closing - opening
    shift_minutes = min(8 * 60, length + 30)
    extra = max(0, round(float(expected.sum()) / VISITORS_PER_EXTRA_STAFF) - 2)
    people = rng.permutation(np.arange(1, STAFF_POOL + 1))
    plan: list[tuple[float, float, str]] = [
        (opening - 30, opening - 30 + shift_minutes, "manager"),
        (opening - 30, opening - 30 + shift_minutes, "sales"),
        (closing + 30 - shift_minutes, closing + 30, "supervisor"),
        (closing + 30 - shift_minutes, closing + 30, "sales"),
    ]
    if extra:
        peak = float(grid.local_minute[int(np.argmax(expected))])
        start = float(np.clip(round((peak - 150) / 15) * 15, opening, closing - 300))
        plan += [(start, start + 300, "sales")] * extra
    shifts = []
    for number, (start, end, role) in enumerate(plan[:STAFF_POOL]):
        shifts.append(Shift(f"{store.site_id}_{grid.day:%Y%m%d}_{number + 1:02d}",
                            staff_id(store, int(people[number])), local_to_utc(grid, start),
                            local_to_utc(grid, end), role))
    return tuple(shifts)
