"""generate_demo: a whole retail chain's landing area, one store-day at a time.

Days run in order (returns need their sale's day first), stores within a day; each store-day
draws from its own generators seeded by (seed, store, day, stream), so what a store-day
holds does not depend on how many stores or days came before it. Sensor files are written
as soon as the device-day is drawn and POS files are streamed, so memory stays flat however
large the chain or the window.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np

from ingestion import schemas
from ingestion.demo import pos_formats as pos
from ingestion.demo import reference as ref
from ingestion.demo.calendar import day_context, day_grid, plan_events
from ingestion.demo.chain import REGIONS, Store, build_chain
from ingestion.demo.faults import Fault, faults_for, plan_faults
from ingestion.demo.sales import Return, Txn, sample_sales, time_returns
from ingestion.demo.sensor_files import (
    DELIVERY_DELAY,
    DeviceDayWriter,
    boot_epoch,
    grid_text,
)
from ingestion.demo.staffing import plan_shifts
from ingestion.demo.traffic import expected_traffic, sample_counts
from ingestion.demo.weather import HourlyWeather, city_weather

STREAM_TRAFFIC, STREAM_STAFF, STREAM_SALES, STREAM_RETURNS = 1, 2, 3, 4
VALID_INTERVALS = (1, 5, 10, 15, 20, 30, 60)


@dataclass(frozen=True)
class DemoSummary:
    """What generate_demo wrote, for the CLI to print and the tests to check."""

    landing_dir: Path
    stores: int
    sensors: int  # devices
    sensor_lines: int
    files_written: int
    sensor_rows: int  # interval rows per counting line, as delivered
    transactions: int  # POS tickets: sales, voids and returns
    first_date: date
    last_date: date
    faults: tuple[Fault, ...]

    def fault(self, kind: str) -> Fault:
        return next(f for f in self.faults if f.kind == kind)

    def lines(self) -> list[str]:
        return [
            f"landing: {self.landing_dir}",
            f"window: {self.first_date} .. {self.last_date}",
            f"stores: {self.stores}, sensors: {self.sensors} ({self.sensor_lines} lines)",
            f"files: {self.files_written}, sensor rows: {self.sensor_rows}, "
            f"transactions: {self.transactions}",
            *(f"fault {f.describe()}" for f in self.faults),
        ]


def _rng(seed: int, store: Store, day: date, stream: int) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(
        np.random.SeedSequence([seed, store.index, day.toordinal(), stream])))


def _set_mtime(path: Path, epoch: int) -> None:
    os.utime(path, (epoch, epoch))


class _PosDay:
    """The day's POS files, one per system, streamed store after store."""

    def __init__(self, landing: Path, day: date, systems: set[str], interval: int) -> None:
        self.day = day
        self.landing = landing
        self.json: dict[str, pos.OrdersJsonWriter] = {}
        self.sap: pos.GenericPosCsvWriter | None = None
        for system in sorted(systems):
            if system == "sap_pos":
                self.sap = pos.GenericPosCsvWriter(
                    landing / "pos" / "generic" / "sap_pos" / f"sales_{day:%Y-%m-%d}.csv")
            else:
                self.json[system] = pos.OrdersJsonWriter(
                    landing / "pos" / system / f"orders_{day:%Y-%m-%d}.json")
        self.zones = {r.pos_system: r.timezone for r in REGIONS}
        self.interval = interval

    def add(self, seed: int, store: Store, txns: tuple[Txn, ...],
            returns: tuple[Return, ...]) -> None:
        events: list[tuple[int, int, Txn | Return]] = [(t.ts_ms, 0, t) for t in txns]
        events += [(r.ts_ms, 1, r) for r in returns]
        events.sort(key=lambda e: (e[0], e[1]))
        for _, _, event in events:
            if store.pos_system == "shopify":
                order = (pos.shopify_order(store, event) if isinstance(event, Txn)
                         else pos.shopify_order(store, event.original, refund=event))
                self.json["shopify"].add(order)
            elif store.pos_system == "square":
                order = (pos.square_order(seed, store, event) if isinstance(event, Txn)
                         else pos.square_return_order(seed, store, event))
                self.json["square"].add(order)
            else:
                assert self.sap is not None
                self.sap.add_rows(pos.sap_rows(store, event) if isinstance(event, Txn)
                                  else pos.sap_return_rows(store, event))

    def close(self) -> list[Path]:
        paths = []
        writers: list[tuple[str, pos.OrdersJsonWriter | pos.GenericPosCsvWriter]] = [
            *self.json.items()]
        if self.sap is not None:
            writers.append(("sap_pos", self.sap))
        for system, writer in writers:
            writer.close()
            text = grid_text(self.zones[system], self.day, self.interval)
            _set_mtime(writer.path, text.end_of_day + DELIVERY_DELAY)
            paths.append(writer.path)
        return paths


def generate_demo(landing_dir: Path, *, stores: int = 12, days: int = 90, seed: int = 42,
                  interval_minutes: int = 15, end_date: date | None = None,
                  progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Write a deterministic demo chain into `landing_dir` (the landing layout).

    `end_date` is the last day of data (default: yesterday in UTC); `progress(done, total)`
    is called after every store-day.
    """
    if days < 1:
        raise ValueError("days must be at least 1")
    if interval_minutes not in VALID_INTERVALS:
        raise ValueError(f"interval_minutes must be one of {VALID_INTERVALS}")
    landing = Path(landing_dir)
    last = end_date or (datetime.now(UTC).date() - timedelta(days=1))
    first = last - timedelta(days=days - 1)
    chain = build_chain(stores, seed)
    events = plan_events(chain, first, last)
    specs = plan_faults(chain, first, last, events)

    files_written = 0

    def landed(path: Path, epoch: int) -> None:
        nonlocal files_written
        _set_mtime(path, epoch)
        files_written += 1

    reference_mtime = int(datetime(last.year, last.month, last.day, tzinfo=UTC).timestamp()
                          + 86400 + 45 * 60)
    for table, rows in ref.static_tables(chain, interval_minutes, first, last, events).items():
        landed(ref.write_table(landing, table, rows), reference_mtime)
    weather_csv = ref.ReferenceCsv(landing, schemas.WEATHER)
    shifts_csv = ref.ReferenceCsv(landing, schemas.STAFF_SHIFTS)
    systems = {store.pos_system for store in chain}
    if "sap_pos" in systems:
        landed(pos.write_sap_mapping(landing / "pos" / "generic" / "sap_pos"), reference_mtime)
    boots = {d.sensor_id: boot_epoch(first, d, s.timezone) for s in chain for d in s.devices}

    pending: dict[int, dict[date, list[Return]]] = defaultdict(lambda: defaultdict(list))
    faults: list[Fault] = []
    sensor_rows = transactions = 0
    total, done = days * len(chain), 0
    for offset in range(days):
        day = first + timedelta(days=offset)
        pos_day = _PosDay(landing, day, systems, interval_minutes)
        skies: dict[str, HourlyWeather] = {}
        for store in chain:
            grid = day_grid(store.timezone, day, interval_minutes)
            ctx = day_context(store, day, events)
            city = store.region.city
            if city not in skies:
                skies[city] = city_weather(city, day, grid, seed)
            weather = skies[city]
            traffic_rng = _rng(seed, store, day, STREAM_TRAFFIC)
            expected = expected_traffic(store, ctx, grid, weather, traffic_rng)
            shifts = plan_shifts(store, ctx, grid, expected.entrance,
                                 _rng(seed, store, day, STREAM_STAFF))
            pairs = 2 if shifts else 0
            counts = sample_counts(store, ctx, grid, expected, pairs, pairs, traffic_rng)
            for device in store.devices:
                written = DeviceDayWriter(landing, store, device, grid, counts,
                                          boots[device.sensor_id], seed
                                          ).write(faults_for(specs, device, day))
                files_written += len(written.files)
                sensor_rows += written.rows
                faults += written.faults
            staff = tuple(sorted({int(s.staff_id[-2:]) for s in shifts}))
            txns, returns = sample_sales(store, ctx, grid, counts.customers_in, staff,
                                         _rng(seed, store, day, STREAM_SALES))
            due = pending[store.index].pop(day, [])
            if ctx.hours is None and due and day < last:
                pending[store.index][day + timedelta(days=1)].extend(due)
                due = []
            timed = time_returns(due, ctx, grid, _rng(seed, store, day, STREAM_RETURNS))
            for ret in returns:
                if ret.due <= last:
                    pending[store.index][ret.due].append(ret)
            pos_day.add(seed, store, txns, timed)
            transactions += len(txns) + len(timed)
            weather_csv.add(ref.weather_rows(store, weather))
            shifts_csv.add(ref.shift_rows(store, shifts))
            done += 1
            if progress is not None:
                progress(done, total)
        files_written += len(pos_day.close())
    landed(weather_csv.close(), reference_mtime)
    landed(shifts_csv.close(), reference_mtime)
    return DemoSummary(
        landing_dir=landing,
        stores=len(chain),
        sensors=sum(len(s.devices) for s in chain),
        sensor_lines=sum(len(d.lines) for s in chain for d in s.devices),
        files_written=files_written,
        sensor_rows=sensor_rows,
        transactions=transactions,
        first_date=first,
        last_date=last,
        faults=tuple(sorted(faults, key=lambda f: (f.day, f.kind))),
    )
