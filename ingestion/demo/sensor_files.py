"""One device-day of counts into its vendor's file, with any fault planned for it.

The device sees the site's true counts through its own quirks: an inverted device swaps in
and out, a cumulative Milesight reports running totals that restart at local midnight. The
faults of faults.py are applied here, and each returns the Fault record of what it did.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

from ingestion.demo import faults as F
from ingestion.demo import sensor_formats as fmt
from ingestion.demo.calendar import DayGrid, day_grid, local_text, offset_text
from ingestion.demo.chain import Device, Store, digest, stable_uuid
from ingestion.demo.traffic import StoreDayCounts

DELIVERY_DELAY = 30 * 60  # files land half an hour after the local day ends
EXTENSIONS = {"milesight": ".jsonl", "axis": ".csv", "hikvision": ".xml", "generic": ".csv"}


@dataclass(frozen=True)
class GridText:
    """Every timestamp spelling the formats need, computed once per zone and day."""

    iso_start: list[str]
    iso_end: list[str]
    milesight_start: list[str]
    milesight_end: list[str]
    naive_start: np.ndarray  # 'YYYY-MM-DD HH:MM:SS', wall clock
    naive_end: np.ndarray  # wall clock at the end instant (Axis: end exclusive)
    hik_start: np.ndarray  # 'YYYY-MM-DDTHH:MM:SS'
    hik_end: np.ndarray  # wall clock one second before the end (Hikvision: end inclusive)
    dst: np.ndarray  # bool: summer time at the start
    end_of_day: int  # epoch seconds of the next local midnight


@lru_cache(maxsize=16)
def grid_text(timezone: str, day, interval_minutes: int) -> GridText:
    grid = day_grid(timezone, day, interval_minutes)
    tz = ZoneInfo(timezone)
    end = grid.start_utc + grid.step
    last = int(datetime.fromtimestamp(int(end[-1]), tz).utcoffset().total_seconds())
    end_offset = np.append(grid.offset[1:], last)
    standard = int(datetime(day.year, 1, 1, tzinfo=tz).utcoffset().total_seconds())

    def iso(epoch: np.ndarray, offsets: np.ndarray, zero: str) -> list[str]:
        wall = local_text(epoch, offsets)
        return [f"{w}{offset_text(int(o), zero)}" for w, o in zip(wall, offsets, strict=True)]

    wall_start = grid.start_utc + grid.offset
    return GridText(
        iso_start=iso(grid.start_utc, grid.offset, "+00:00"),
        iso_end=iso(end, end_offset, "+00:00"),
        milesight_start=iso(grid.start_utc, grid.offset, "-00:00"),
        milesight_end=iso(end, end_offset, "-00:00"),
        naive_start=local_text(wall_start, 0, " "),
        naive_end=local_text(end, end_offset, " "),
        hik_start=local_text(wall_start, 0),
        hik_end=local_text(end - 1, grid.offset),
        dst=grid.offset != standard,
        end_of_day=int(end[-1]),
    )


@dataclass
class DeviceDayOutput:
    files: list[tuple[Path, int]] = field(default_factory=list)  # (path, mtime epoch)
    rows: int = 0
    faults: list[F.Fault] = field(default_factory=list)


def device_path(landing: Path, device: Device, day, suffix: str = "") -> Path:
    ext = EXTENSIONS[device.vendor]
    if device.vendor == "generic":
        return landing / "sensors" / "generic" / f"{device.serial}_{day:%Y-%m-%d}{suffix}{ext}"
    return landing / "sensors" / device.vendor / device.serial / f"{day:%Y-%m-%d}{suffix}{ext}"


def _utc(epoch: int) -> datetime:
    return datetime.fromtimestamp(int(epoch), UTC)


def _window(grid: DayGrid, start_minute: int, end_minute: int) -> np.ndarray:
    return np.flatnonzero((grid.local_minute >= start_minute) & (grid.local_minute < end_minute))


def _set_mtime(path: Path, epoch: int) -> None:
    os.utime(path, (epoch, epoch))


class DeviceDayWriter:
    """Writes one device-day; holds what every format needs about the device."""

    def __init__(self, landing: Path, store: Store, device: Device, grid: DayGrid,
                 counts: StoreDayCounts, boot_epoch: int, seed: int) -> None:
        self.landing = landing
        self.store = store
        self.device = device
        self.grid = grid
        self.text = grid_text(grid.timezone, grid.day, grid.interval_minutes)
        self.boot_epoch = boot_epoch
        self.seed = seed
        self.values: list[tuple[int, np.ndarray, np.ndarray]] = []
        for line in device.lines:
            count_in, count_out = counts.line(line.role)
            if device.inverted:
                count_in, count_out = count_out, count_in
            self.values.append((int(line.line_id), count_in.copy(), count_out.copy()))

    def rel(self, path: Path) -> str:
        return path.relative_to(self.landing).as_posix()

    # -- rendering --------------------------------------------------------------------------
    def _milesight_info(self, index: int, boot: int) -> dict:
        device, store = self.device, self.store
        mac = ":".join(f"{b:02X}" for b in b"\x24\xe1\x24" + digest(device.serial, size=3))
        ip = f"10.20.{store.index % 250}.21"
        end = int(self.grid.start_utc[index]) + self.grid.step
        return fmt.milesight_device_info(device.name, device.serial, mac, ip, end - boot)

    def _line_meta(self, line_no: int) -> tuple[str, str]:
        line = next(x for x in self.device.lines if int(x.line_id) == line_no)
        return line.name, stable_uuid(self.device.serial, line_no)

    def render(self, path: Path, indices: np.ndarray,
               values: list[tuple[int, np.ndarray, np.ndarray]], reboot_index: int | None = None
               ) -> int:
        text, grid = self.text, self.grid
        vendor = self.device.vendor
        if vendor == "axis":
            _, count_in, count_out = values[0]
            return fmt.write_axis_csv(path, (
                (text.naive_start[i], text.naive_end[i], int(count_in[i]), int(count_out[i]))
                for i in indices))
        if vendor == "hikvision":
            _, count_in, count_out = values[0]
            return fmt.write_hikvision_xml(path, (
                (text.hik_start[i], text.hik_end[i], int(count_in[i]), int(count_out[i]))
                for i in indices))
        if vendor == "generic":
            return fmt.write_generic_sensor_csv(path, (
                (self.device.serial, line, text.iso_start[i], text.iso_end[i], int(ci[i]),
                 int(co[i]))
                for i in indices for line, ci, co in values))
        meta = {line: self._line_meta(line) for line, _, _ in values}
        if self.device.cumulative:
            start = reboot_index if reboot_index is not None else grid.n
            totals = []
            for line, ci, co in values:
                tin = np.concatenate([np.cumsum(ci[:start]), np.cumsum(ci[start:])])
                tout = np.concatenate([np.cumsum(co[:start]), np.cumsum(co[start:])])
                totals.append((line, tin, tout))
            docs = (
                fmt.milesight_total_document(
                    self._milesight_info(i, self._boot(i, reboot_index)),
                    fmt.milesight_time_info(grid.timezone, text.milesight_start[i],
                                            text.milesight_end[i], bool(text.dst[i])),
                    [(line, *meta[line], int(tin[i]), int(tout[i])) for line, tin, tout in totals])
                for i in indices)
        else:
            docs = (
                fmt.milesight_periodic_document(
                    self._milesight_info(i, self.boot_epoch),
                    fmt.milesight_time_info(grid.timezone, text.milesight_start[i],
                                            text.milesight_end[i], bool(text.dst[i])),
                    [(line, *meta[line], int(ci[i]), int(co[i])) for line, ci, co in values])
                for i in indices)
        written = fmt.write_milesight_jsonl(path, docs)
        return written * (len(values) if vendor == "milesight" else 1)

    def _boot(self, index: int, reboot_index: int | None) -> int:
        if reboot_index is not None and index >= reboot_index:
            return int(self.grid.start_utc[reboot_index])
        return self.boot_epoch

    # -- the day, with its faults -----------------------------------------------------------
    def write(self, specs: dict[str, F.FaultSpec]) -> DeviceDayOutput:
        out = DeviceDayOutput()
        grid, device = self.grid, self.device
        mtime = self.text.end_of_day + DELIVERY_DELAY
        keep = np.arange(grid.n)
        path = device_path(self.landing, device, grid.day)
        values = self.values

        outage = specs.get(F.SENSOR_OUTAGE)
        if outage:
            gap = _window(grid, outage.start_minute, outage.end_minute)
            keep = np.setdiff1d(keep, gap)
            out.faults.append(self._fault(outage, gap, [path], "documents absent: no data "
                                          "for the period, neither zeros nor rows"))

        resend = specs.get(F.RESENT_PERIOD)
        if resend:
            window = _window(grid, resend.start_minute, resend.end_minute)
            rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(
                [self.seed, self.store.index, grid.day.toordinal(), 7])))
            first = []
            for line, ci, co in values:
                ci2, co2 = ci.copy(), co.copy()
                # the first delivery lost about a third of the crossings
                ci2[window] = rng.binomial(ci[window], 0.65)
                co2[window] = rng.binomial(co[window], 0.65)
                first.append((line, ci2, co2))
            values = first

        malformed = specs.get(F.MALFORMED_ROWS)
        if malformed and device.vendor == "generic":
            out.rows += self._write_malformed(path, keep, malformed, out)
        else:
            reset = specs.get(F.COUNTER_RESET)
            reboot = None
            if reset and device.cumulative:
                reboot = int(_window(grid, reset.start_minute, 24 * 60)[0])
                out.faults.append(self._fault(
                    reset, np.array([reboot]), [path],
                    "device rebooted: line_total_data in/out_counted restart from 0 "
                    "mid-day (besides the reset at local midnight)"))
            out.rows += self.render(path, keep, values, reboot)
        out.files.append((path, mtime))

        if resend:
            later = device_path(self.landing, device, grid.day, "_resend")
            window = _window(grid, resend.start_minute, resend.end_minute)
            out.rows += self.render(later, window, self.values)
            out.files.append((later, mtime + int(F.RESEND_DELAY.total_seconds())))
            out.faults.append(self._fault(
                resend, window, [path, later],
                "first delivery under-counted; a later file re-sends the period with "
                "corrected counts (later mtime wins)"))

        duplicate = specs.get(F.DUPLICATE_FILE)
        if duplicate:
            copy = device_path(self.landing, device, grid.day, "_redelivered")
            shutil.copyfile(path, copy)
            out.files.append((copy, mtime + int(F.DUPLICATE_DELAY.total_seconds())))
            out.faults.append(self._fault(
                duplicate, keep, [path, copy],
                "identical bytes delivered again under another file name"))
        for written, epoch in out.files:
            _set_mtime(written, epoch)
        return out

    def _write_malformed(self, path: Path, keep: np.ndarray, spec: F.FaultSpec,
                         out: DeviceDayOutput) -> int:
        text, serial = self.text, self.device.serial
        window = _window(self.grid, spec.start_minute, spec.end_minute)
        broken_line = int(self.device.lines[0].line_id)
        rows: list[tuple] = []
        good = 0
        slots = {int(i): k for k, i in enumerate(window)}
        for i in keep:
            for line, ci, co in self.values:
                if line == broken_line and int(i) in slots and slots[int(i)] < 4:
                    continue
                rows.append((serial, line, text.iso_start[i], text.iso_end[i], int(ci[i]),
                             int(co[i])))
                good += 1
            if int(i) == int(window[-1]):
                rows.extend(self._broken_rows(window, broken_line))
        fmt.write_generic_sensor_csv(path, rows)
        out.faults.append(self._fault(
            spec, window[:4], [path],
            "4 malformed rows on line 1 in place of the good ones: non-numeric count, "
            "negative count, missing column, end before start"))
        return good

    def _broken_rows(self, window: np.ndarray, line: int) -> list[tuple]:
        text, serial = self.text, self.device.serial
        at = [int(window[k % len(window)]) for k in range(4)]
        return [
            (serial, line, text.iso_start[at[0]], text.iso_end[at[0]], "abc", 0),
            (serial, line, text.iso_start[at[1]], text.iso_end[at[1]], -3, 1),
            (serial, line, text.iso_start[at[2]], text.iso_end[at[2]], 2),
            (serial, line, text.iso_start[at[3]], text.iso_start[max(0, at[3] - 1)], 1, 0),
        ]

    def _fault(self, spec: F.FaultSpec, indices: np.ndarray, paths: list[Path],
               detail: str) -> F.Fault:
        start = end = None
        if len(indices):
            start = _utc(int(self.grid.start_utc[int(indices.min())]))
            end = _utc(int(self.grid.start_utc[int(indices.max())]) + self.grid.step)
        return F.Fault(spec.kind, self.store.site_id, self.device.sensor_id, self.device.serial,
                       self.device.vendor, spec.day, start, end,
                       tuple(self.rel(p) for p in paths), detail)


def boot_epoch(first_day, device: Device, timezone: str) -> int:
    """When the device last booted before the window: up to a month before it starts."""
    tz = ZoneInfo(timezone)
    start = int(datetime(first_day.year, first_day.month, first_day.day, tzinfo=tz).timestamp())
    back = int.from_bytes(digest("boot", device.serial), "big") % (30 * 86400)
    return start - 86400 - back

