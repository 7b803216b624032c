"""ISO 4217 codes we accept, with their minor-unit exponents.

Square sends money in the smallest unit of the currency (550 USD cents = 5.50, 550 JPY =
550), so the exponent is needed to turn an amount into a decimal. A code not in this table
is rejected with BAD_CURRENCY rather than guessed. The table is deliberately small: the
currencies a retail chain is likely to trade in; add a line when a new market opens.
"""

from __future__ import annotations

from decimal import Decimal

_TWO = (
    "AED", "ARS", "AUD", "BGN", "BRL", "CAD", "CHF", "CNY", "COP", "CZK", "DKK", "EGP", "EUR",
    "GBP", "HKD", "HUF", "IDR", "ILS", "INR", "KES", "MAD", "MXN", "MYR", "NGN", "NOK", "NZD",
    "PEN", "PHP", "PLN", "QAR", "RON", "SAR", "SEK", "SGD", "THB", "TRY", "TWD", "UAH", "USD",
    "UYU", "ZAR",
)
_ZERO = ("CLP", "ISK", "JPY", "KRW", "PYG", "UGX", "VND", "XAF", "XOF")
_THREE = ("BHD", "JOD", "KWD", "OMR", "TND")

CURRENCY_EXPONENTS: dict[str, int] = {
    # two decimals
    **dict.fromkeys(_TWO, 2),
    # no minor unit
    **dict.fromkeys(_ZERO, 0),
    # three decimals
    **dict.fromkeys(_THREE, 3),
}


def is_known_currency(code: object) -> bool:
    return isinstance(code, str) and code in CURRENCY_EXPONENTS


def from_minor_units(amount: int, currency: str) -> Decimal:
    """550 USD -> Decimal('5.50'); 550 JPY -> Decimal('550'); 5500 KWD -> Decimal('5.500')."""
    return Decimal(int(amount)).scaleb(-CURRENCY_EXPONENTS[currency])
