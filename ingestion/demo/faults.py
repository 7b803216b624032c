"""The faults the demo plants for the pipeline to survive, each at a fixed, reported place.

Placement depends only on the chain and the window (a fraction of the way through it, moved
to the next day the store is open), never on random draws, so a test can find each fault
where DemoSummary says it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from ingestion.demo.calendar import Event, day_context
from ingestion.demo.chain import Device, Store

SENSOR_OUTAGE = "sensor_outage"
DUPLICATE_FILE = "duplicate_file"
RESENT_PERIOD = "resent_period"
MALFORMED_ROWS = "malformed_rows"
COUNTER_RESET = "counter_reset"

OUTAGE_HOURS = (11 * 60, 15 * 60)  # local minutes: documents absent
RESEND_HOURS = (12 * 60, 16 * 60)  # local minutes: first delivery under-counted, re-sent
RESET_MINUTE = 14 * 60  # the device reboots at 14:00 local, its totals restart from zero
MALFORMED_HOURS = (3 * 60, 4 * 60)  # night rows of line 1 replaced by broken ones
RESEND_DELAY = timedelta(days=2)
DUPLICATE_DELAY = timedelta(days=1)


@dataclass(frozen=True)
class FaultSpec:
    """Where a fault goes: a device, a local day and a local time window (minutes)."""

    kind: str
    store: Store
    device: Device
    day: date
    start_minute: int
    end_minute: int


@dataclass(frozen=True)
class Fault:
    """A planted fault as written: for DemoSummary, the CLI and the tests."""

    kind: str
    site_id: str
    sensor_id: str
    device_serial: str
    vendor: str
    day: date
    start: datetime | None  # UTC, the affected period
    end: datetime | None
    files: tuple[str, ...]  # landing-relative paths, forward slashes
    detail: str

    def describe(self) -> str:
        period = ""
        if self.start and self.end:
            period = f" {self.start:%Y-%m-%d %H:%M} .. {self.end:%Y-%m-%d %H:%M} UTC"
        return (f"{self.kind}: {self.vendor} {self.device_serial} ({self.site_id}) "
                f"on {self.day}{period} - {self.detail}; files: {', '.join(self.files)}")


def _open_day(store: Store, first: date, last: date, fraction: float,
              events: tuple[Event, ...]) -> date | None:
    days = (last - first).days + 1
    day = first + timedelta(days=int(days * fraction))
    while day <= last:
        if day_context(store, day, events).hours is not None:
            return day
        day += timedelta(days=1)
    return None


def plan_faults(chain: tuple[Store, ...], first: date, last: date,
                events: tuple[Event, ...]) -> tuple[FaultSpec, ...]:
    def first_device(predicate) -> tuple[Store, Device] | None:
        for store in chain:
            for device in store.devices:
                if predicate(device):
                    return store, device
        return None

    def periodic_milesight(device: Device) -> bool:
        return device.vendor == "milesight" and not device.cumulative

    outage = first_device(periodic_milesight)
    resend = None
    if len(chain) > 4 and periodic_milesight(chain[4].devices[0]):
        resend = (chain[4], chain[4].devices[0])
    resend = resend or outage
    duplicate = first_device(lambda d: d.vendor == "axis" and d.counts_entrance) or outage
    wanted = (
        (MALFORMED_ROWS, first_device(lambda d: d.vendor == "generic"), 0.20, MALFORMED_HOURS),
        (SENSOR_OUTAGE, outage, 0.30, OUTAGE_HOURS),
        (DUPLICATE_FILE, duplicate, 0.45, (0, 24 * 60)),
        (COUNTER_RESET, first_device(lambda d: d.cumulative), 0.55,
         (RESET_MINUTE, RESET_MINUTE)),
        (RESENT_PERIOD, resend, 0.60, RESEND_HOURS),
    )
    specs = []
    for kind, target, fraction, (start, end) in wanted:
        if target is None:
            continue
        store, device = target
        day = _open_day(store, first, last, fraction, events)
        if day is not None:
            specs.append(FaultSpec(kind, store, device, day, start, end))
    return tuple(specs)


def faults_for(specs: tuple[FaultSpec, ...], device: Device, day: date) -> dict[str, FaultSpec]:
    return {s.kind: s for s in specs if s.device.sensor_id == device.sensor_id and s.day == day}
