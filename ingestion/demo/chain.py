"""The demo chain's shape: organisation, regions, stores, their devices and POS systems.

The chain is a 12-store template repeated to any size, so that the first few stores already
hold every vendor format (tests run on 4-6 stores) and a big chain is the same pattern again.
Everything here is a pure function of (number of stores, seed).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date

import numpy as np

ORGANIZATION_ID = "org_demo"
ORGANIZATION_NAME = "Blipee Demo Retail"
REPORTING_CURRENCY = "GBP"
# Fixed planning rate used for the organisation target (EUR stores counted in GBP).
EUR_TO_GBP = 0.86


@dataclass(frozen=True)
class Region:
    region_id: str
    name: str
    city: str
    country: str  # ISO code for the holidays package
    subdivision: str
    timezone: str
    currency: str
    pos_system: str  # every store of a region runs the same POS
    vat_rate: float


REGIONS: tuple[Region, ...] = (
    Region("reg_uk_south", "London & South", "London", "GB", "ENG", "Europe/London", "GBP",
           "shopify", 0.20),
    Region("reg_uk_north", "North of England", "Manchester", "GB", "ENG", "Europe/London", "GBP",
           "square", 0.20),
    Region("reg_de", "Germany", "Berlin", "DE", "BE", "Europe/Berlin", "EUR", "sap_pos", 0.19),
)

MALL_NAMES = {
    "London": ("Westfield Stratford", "Brent Cross", "Bluewater", "Westfield White City"),
    "Manchester": ("Trafford Centre", "Arndale", "Meadowhall", "Trinity Leeds"),
    "Berlin": ("Mall of Berlin", "Alexa", "Boulevard Berlin", "East Side Mall"),
}
STREET_NAMES = {
    "London": ("Oxford Street", "Kings Road", "Upper Street"),
    "Manchester": ("Market Street", "King Street", "Deansgate"),
    "Berlin": ("Kurfuerstendamm", "Friedrichstrasse", "Schlossstrasse"),
}


@dataclass(frozen=True)
class Line:
    """One counting line of a device and what it counts for the site."""

    line_id: str
    name: str
    role: str  # entrance | passerby | ignore


@dataclass(frozen=True)
class Device:
    """A physical counter: its vendor format, its serial as the vendor writes it, its lines."""

    sensor_id: str
    vendor: str  # milesight | axis | hikvision | generic (the landing folder)
    serial: str
    name: str
    lines: tuple[Line, ...]
    cumulative: bool = False  # Milesight line_total_data only
    inverted: bool = False  # mounted facing inward: the file's in is the site's out

    @property
    def counts_entrance(self) -> bool:
        return any(line.role == "entrance" for line in self.lines)


@dataclass(frozen=True)
class Store:
    index: int
    site_id: str
    name: str
    site_type: str  # mall | street
    region: Region
    mall_id: str | None
    area_sqm: float
    open_date: date
    devices: tuple[Device, ...]
    pos_location_id: str
    base_footfall: float  # expected visitors on an average full day
    conversion: float
    passerby_ratio: float
    sunday_closed: bool

    @property
    def timezone(self) -> str:
        return self.region.timezone

    @property
    def currency(self) -> str:
        return self.region.currency

    @property
    def pos_system(self) -> str:
        return self.region.pos_system


# (site_type, vendor) per position of the 12-store template; region = index % 3.
TEMPLATE: tuple[tuple[str, str], ...] = (
    ("mall", "milesight"),
    ("street", "axis"),
    ("mall", "milesight_cumulative"),
    ("street", "generic"),
    ("mall", "milesight"),
    ("street", "hikvision"),
    ("mall", "milesight"),
    ("mall", "milesight"),
    ("mall", "milesight"),
    ("mall", "milesight"),
    ("street", "milesight_staff_door"),
    ("mall", "milesight"),
)


def digest(*parts: object, size: int = 8) -> bytes:
    """A stable hash of the parts (ids must not depend on Python's hash seed)."""
    return hashlib.blake2b("|".join(map(str, parts)).encode(), digest_size=size).digest()


def stable_int(*parts: object) -> int:
    return int.from_bytes(digest(*parts), "big")


def stable_uuid(*parts: object) -> str:
    return str(uuid.UUID(bytes=digest(*parts, size=16), version=4))


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def base62(*parts: object, length: int = 27) -> str:
    """Square-style opaque ids: base62 characters from a stable hash, fixed length."""
    return "".join(_BASE62[b % 62] for b in digest(*parts, size=length))


def _hex(seed: int, *parts: object, n: int) -> str:
    return digest(seed, *parts, size=16).hex().upper()[:n]


def _devices(index: int, seed: int, site_code: str, site_type: str, vendor: str) -> tuple:
    first_round = index < len(TEMPLATE)
    passer_name = "Mall" if site_type == "mall" else "Street"
    sid = f"sen_{site_code}"
    milesight_sn = "6" + _hex(seed, "ms", index, n=15)
    if vendor in ("milesight", "milesight_cumulative", "milesight_staff_door"):
        lines = [Line("1", "Entrance", "entrance"), Line("2", passer_name, "passerby")]
        if vendor == "milesight_staff_door":
            lines.append(Line("3", "Staff door", "ignore"))
        return (
            Device(f"{sid}_a", "milesight", milesight_sn, f"{site_code.upper()} People Counter",
                   tuple(lines), cumulative=vendor == "milesight_cumulative" and first_round),
        )
    if vendor == "axis":
        # AXIS serials are the MAC: 12 hex digits, ACCC8E / B8A44F prefixes.
        return (
            Device(f"{sid}_a", "axis", "ACCC8E" + _hex(seed, "ax", index, 0, n=6),
                   f"{site_code.upper()} Entrance 3D", (Line("1", "Entrance", "entrance"),),
                   inverted=first_round),
            Device(f"{sid}_b", "axis", "B8A44F" + _hex(seed, "ax", index, 1, n=6),
                   f"{site_code.upper()} Street 3D", (Line("1", "Street", "passerby"),)),
        )
    if vendor == "hikvision":
        def hik(k: int) -> str:
            digits = stable_int(seed, "hik", index, k) % 10**9
            return f"DS-2CD6825G0-IVS20240115AACH{digits:09d}"

        return (
            Device(f"{sid}_a", "hikvision", hik(0), f"{site_code.upper()} Entrance Cam",
                   (Line("1", "Entrance", "entrance"),)),
            Device(f"{sid}_b", "hikvision", hik(1), f"{site_code.upper()} Street Cam",
                   (Line("1", "Street", "passerby"),)),
        )
    if vendor == "generic":
        return (
            Device(f"{sid}_a", "generic", "FFC-" + _hex(seed, "gen", index, n=8),
                   f"{site_code.upper()} FootfallCam", (Line("1", "Entrance", "entrance"),
                                                        Line("2", passer_name, "passerby"))),
        )
    raise ValueError(f"unknown vendor {vendor!r}")


def build_chain(stores: int, seed: int) -> tuple[Store, ...]:
    """The chain's stores, a pure function of its size and the seed."""
    if stores < 1:
        raise ValueError("stores must be at least 1")
    built = []
    # stores so far per (city, type): the nth store of a kind takes the nth place name, and
    # a number once the names run out, so no two stores share a name
    seen: dict[tuple[str, str], int] = {}
    for index in range(stores):
        site_type, vendor = TEMPLATE[index % len(TEMPLATE)]
        region = REGIONS[index % len(REGIONS)]
        nth = seen.get((region.city, site_type), 0)
        seen[(region.city, site_type)] = nth + 1
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, index, 0])))
        site_code = f"{index + 1:03d}"
        names = (MALL_NAMES if site_type == "mall" else STREET_NAMES)[region.city]
        place = names[nth % len(names)]
        suffix = f" {nth // len(names) + 1}" if nth >= len(names) else ""
        if site_type == "mall":
            mall_id = "mall_" + place.lower().replace(" ", "_")
            base = float(rng.uniform(650, 1100))
            conversion = float(rng.uniform(0.15, 0.22))
            passerby_ratio = float(rng.uniform(6.0, 9.0))
        else:
            mall_id = None
            base = float(rng.uniform(420, 720))
            conversion = float(rng.uniform(0.20, 0.30))
            passerby_ratio = float(rng.uniform(9.0, 13.0))
        if region.pos_system == "shopify":
            location = str(60_000_000_000 + stable_int(seed, "shop-loc", index) % 10**10)
        elif region.pos_system == "square":
            location = base62(seed, "sq-loc", index, length=13).upper()
        else:
            location = str(1000 + index + 1)  # SAP plant (WERKS)
        built.append(
            Store(
                index=index,
                site_id=f"site_{site_code}",
                name=f"{region.city} {place}{suffix}",
                site_type=site_type,
                region=region,
                mall_id=mall_id if mall_id is None else f"{mall_id}{suffix.replace(' ', '_')}",
                area_sqm=float(round(rng.uniform(120, 420), 0)),
                open_date=date(2018 + index % 5, 1 + index % 12, 1),
                devices=_devices(index, seed, site_code, site_type, vendor),
                pos_location_id=location,
                base_footfall=base,
                conversion=conversion,
                passerby_ratio=passerby_ratio,
                # German shop-closing law: no Sunday trading.
                sunday_closed=region.country == "DE",
            )
        )
    return tuple(built)
