"""POS transactions for one store-day: traffic x conversion x basket, with voids and returns.

Sales follow the store's own sampled entries (a visitor pays some minutes after entering),
so sales correlate with traffic interval by interval. Money is integer minor units
throughout (pence, cents), so every amount is exact and formats identically on every run.
About 1% of tickets are voided at the till; about 4% of sales come back 1-7 days later as a
return at the same store, which the generator emits on the return day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from ingestion.demo.calendar import DayContext, DayGrid
from ingestion.demo.chain import Store
from ingestion.demo.traffic import open_mask

VOID_RATE = 0.01
RETURN_RATE = 0.04
CUSTOMER_SHARE = 0.45
CUSTOMER_POOL = 3000
CASH_SHARE = 0.22
# visitors pay this many intervals after entering (share per lag)
PAY_LAG = (0.2, 0.45, 0.25, 0.1)

# sku, title, category, GBP price in pence, popularity weight
CATALOGUE: tuple[tuple[str, str, str, int, float], ...] = (
    ("TS-100-BLK", "Organic Cotton T-Shirt Black", "tops", 1500, 9.0),
    ("TS-100-WHT", "Organic Cotton T-Shirt White", "tops", 1500, 8.0),
    ("TS-210-NVY", "Striped Breton Top", "tops", 2800, 4.0),
    ("SH-300-BLU", "Oxford Shirt Blue", "tops", 3500, 4.0),
    ("KN-410-GRY", "Merino Crew Jumper", "knitwear", 5500, 3.0),
    ("KN-420-CRM", "Cable Knit Cardigan", "knitwear", 6500, 2.0),
    ("JN-500-IND", "Slim Jeans Indigo", "denim", 4900, 5.0),
    ("JN-510-BLK", "Straight Jeans Black", "denim", 4900, 4.0),
    ("TR-600-KHK", "Chino Trousers Khaki", "trousers", 3900, 3.0),
    ("DR-700-GRN", "Wrap Dress Green", "dresses", 5900, 2.5),
    ("DR-710-BLK", "Jersey Midi Dress", "dresses", 4500, 2.5),
    ("JK-800-OLV", "Quilted Jacket Olive", "outerwear", 8900, 1.5),
    ("CT-810-CML", "Wool Coat Camel", "outerwear", 14900, 0.8),
    ("SC-900-RED", "Lambswool Scarf", "accessories", 2500, 3.0),
    ("BG-910-TAN", "Leather Tote Bag", "accessories", 7900, 1.2),
    ("SK-920-MIX", "Socks 3-Pack", "accessories", 1000, 7.0),
    ("BT-930-BRN", "Leather Belt", "accessories", 2900, 2.0),
    ("SN-950-WHT", "Canvas Trainers White", "footwear", 5500, 2.0),
    ("BO-960-BLK", "Chelsea Boots", "footwear", 9900, 1.0),
    ("GC-999-GFT", "Gift Card", "gift_cards", 2500, 0.7),
)
SKU_WEIGHTS = np.array([item[4] for item in CATALOGUE]) / sum(item[4] for item in CATALOGUE)
FIRST_NAMES = ("Alex", "Sam", "Charlie", "Jamie", "Morgan", "Robin", "Kim", "Lena", "Jonas",
               "Mia", "Noah", "Emma", "Oliver", "Amelia", "Leon", "Hannah", "Finn", "Isla")
LAST_NAMES = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Müller", "Schmidt", "Fischer",
              "Weber", "Evans", "Walker", "Wagner", "Becker", "Hughes", "Green", "Hoffmann")


def unit_price(sku_index: int, currency: str) -> int:
    """Catalogue price in minor units; euro prices are sterling x 1.15 ending in .95."""
    pence = CATALOGUE[sku_index][3]
    if currency == "GBP":
        return pence
    return round(pence * 1.15 / 100) * 100 - 5


@dataclass(frozen=True)
class Item:
    line_no: int
    sku_index: int
    quantity: int
    unit_price: int
    discount: int
    tax: int

    @property
    def sku(self) -> str:
        return CATALOGUE[self.sku_index][0]

    @property
    def title(self) -> str:
        return CATALOGUE[self.sku_index][1]

    @property
    def category(self) -> str:
        return CATALOGUE[self.sku_index][2]

    @property
    def gross(self) -> int:
        return self.unit_price * self.quantity

    @property
    def net(self) -> int:
        """Line amount net of discount, tax excluded."""
        return self.gross - self.discount


class Basket:
    """Amounts of a ticket or a return, summed over its `items` (minor currency units)."""

    items: tuple[Item, ...]

    @property
    def gross(self) -> int:
        return sum(item.gross for item in self.items)

    @property
    def discount(self) -> int:
        return sum(item.discount for item in self.items)

    @property
    def net(self) -> int:
        return sum(item.net for item in self.items)

    @property
    def tax(self) -> int:
        return sum(item.tax for item in self.items)

    @property
    def total(self) -> int:
        return self.net + self.tax

    @property
    def quantity(self) -> int:
        return sum(item.quantity for item in self.items)


@dataclass(frozen=True)
class Txn(Basket):
    """One till ticket: a sale or a voided sale."""

    store_index: int
    day: date
    seq: int
    ts_ms: int  # epoch milliseconds, UTC
    kind: str  # sale | void
    items: tuple[Item, ...]
    customer: int | None
    payment: str  # card | cash
    staff_number: int



@dataclass(frozen=True)
class Return(Basket):
    """Goods of an earlier sale brought back: which lines and when (ts set on the day)."""

    original: Txn
    due: date
    line_nos: tuple[int, ...]
    ts_ms: int = 0

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.original.items if item.line_no in self.line_nos)

    @property
    def is_full(self) -> bool:
        return len(self.line_nos) == len(self.original.items)


def _pay_lagged(entries: np.ndarray) -> np.ndarray:
    paying = np.zeros(len(entries), dtype=float)
    for lag, share in enumerate(PAY_LAG):
        paying[lag:] += share * entries[: len(entries) - lag]
    return paying


def _basket(store: Store, promo: bool, rng: np.random.Generator) -> tuple[Item, ...]:
    count = int(min(8, 1 + rng.poisson(0.7 if promo else 0.55)))
    skus = rng.choice(len(CATALOGUE), size=count, p=SKU_WEIGHTS)
    discount_rate = 0.0
    if rng.random() < (0.35 if promo else 0.10):
        discount_rate = float(rng.choice((0.1, 0.15, 0.2, 0.3)))
    items = []
    for line_no, sku in enumerate(skus, start=1):
        quantity = 2 if rng.random() < 0.08 else 1
        price = unit_price(int(sku), store.currency)
        discount = round(price * quantity * discount_rate)
        tax = round((price * quantity - discount) * store.region.vat_rate)
        items.append(Item(line_no, int(sku), quantity, price, discount, tax))
    return tuple(items)


def sample_sales(store: Store, ctx: DayContext, grid: DayGrid, customer_entries: np.ndarray,
                 staff_numbers: tuple[int, ...],
                 rng: np.random.Generator) -> tuple[tuple[Txn, ...], tuple[Return, ...]]:
    """The day's tickets, and the returns they will cause on later days."""
    if ctx.hours is None or not staff_numbers:
        return (), ()
    mask = open_mask(grid, ctx.hours)
    expected = store.conversion * ctx.conversion * _pay_lagged(customer_entries) * mask
    per_interval = rng.poisson(expected)
    promo = ctx.conversion > 1.0
    txns: list[Txn] = []
    returns: list[Return] = []
    step_ms = grid.step * 1000
    for interval in np.flatnonzero(per_interval):
        offsets = np.sort(rng.integers(0, step_ms, int(per_interval[interval])))
        for offset in offsets:
            items = _basket(store, promo, rng)
            has_customer = rng.random() < CUSTOMER_SHARE
            customer = int(rng.integers(0, CUSTOMER_POOL)) if has_customer else None
            kind = "void" if rng.random() < VOID_RATE else "sale"
            txn = Txn(store.index, grid.day, len(txns) + 1,
                      int(grid.start_utc[interval]) * 1000 + int(offset), kind, items,
                      customer, "cash" if rng.random() < CASH_SHARE else "card",
                      int(rng.choice(staff_numbers)))
            txns.append(txn)
            if kind == "sale" and rng.random() < RETURN_RATE:
                lag = int(rng.integers(1, 8))
                if len(items) > 1 and rng.random() < 0.6:
                    lines = (int(rng.integers(1, len(items) + 1)),)
                else:
                    lines = tuple(item.line_no for item in items)
                returns.append(Return(txn, grid.day + timedelta(days=lag), lines))
    return tuple(txns), tuple(returns)


def time_returns(due: list[Return], ctx: DayContext, grid: DayGrid,
                 rng: np.random.Generator) -> tuple[Return, ...]:
    """Give today's returns a time inside the opening hours, in till order."""
    if ctx.hours is None or not due:
        return ()
    is_open = np.flatnonzero(open_mask(grid, ctx.hours))
    slots = rng.choice(is_open, len(due))
    offsets = rng.integers(0, grid.step * 1000, len(due))
    timed = [
        Return(r.original, r.due, r.line_nos, int(grid.start_utc[s]) * 1000 + int(o))
        for r, s, o in zip(due, slots, offsets, strict=True)
    ]
    return tuple(sorted(timed, key=lambda r: (r.ts_ms, r.original.seq)))


def customer_name(store_index: int, customer: int) -> tuple[str, str, str]:
    """(first name, last name, e-mail) of a loyalty customer; example.com addresses only."""
    first = FIRST_NAMES[(customer * 7 + store_index) % len(FIRST_NAMES)]
    last = LAST_NAMES[(customer * 11 + store_index * 3) % len(LAST_NAMES)]
    email = f"{first.lower()}.{last.lower().replace('ü', 'ue')}{customer}@example.com"
    return first, last, email
