"""Shopify Admin REST orders JSON -> raw.pos_transactions / raw.pos_transaction_lines.

Accepted payloads: `{"orders": [...]}` (orders.json, what the sync lands), `{"order": {...}}`
(one order) and `{"refund": {...}}` (a standalone refund). Anything else, e.g. a transactions
list or `{"count": n}`, carries no sales and is quarantined whole as NO_ORDER_DATA.

One order gives:
* the order row, external_id `<order id>`: type `sale`, or `void` when the order was
  cancelled (`cancelled_at` set or `financial_status` = `voided`);
* one `return` row per refund, external_id `<order id>:refund:<refund id>`, amounts as
  positive magnitudes (docs/metrics.md: net_sales = sales minus refunded amounts). A cancelled
  order's refunds are emitted as `void` under the same keys, so a cancellation that arrives
  after a refund replaces the return rather than leaving it to be subtracted.
Amounts: gross_amount = price x quantity over lines, tax excluded (taxes_included shops have
line tax taken out); discount = total_discounts; net_amount = gross_amount - discount; tax =
total_tax. Shipping, tips and duties are not sales and are left out. Timestamps are Shopify's
shop-local ISO 8601 with offset, stored in UTC; `processed_at` is the sale time.
Orders without a location (online orders) resolve through the pos_locations entry
`shopify / online`, else they are quarantined as UNKNOWN_LOCATION.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

from ingestion.pos.currencies import is_known_currency
from ingestion.pos.frames import (
    OrderRecord,
    Rejected,
    Sites,
    hash_customer,
    money,
    parse_order_json,
    raw_json,
    utc_timestamp,
)
from ingestion.records import LoadContext, ParseResult

SOURCE_SYSTEM = "shopify"
SOURCE_FORMAT = "pos_shopify"
ONLINE_LOCATION = "online"
ZERO = Decimal(0)


def parse_shopify(content: bytes, ctx: LoadContext) -> ParseResult:
    """Parse one landed Shopify file; bad orders are quarantined, never raised."""
    sites = Sites(ctx.pos_locations, SOURCE_SYSTEM)

    def records(payload: Any, result: ParseResult) -> Iterator[OrderRecord]:
        for kind, item in _items(payload, result):
            if kind == "order":
                yield item, partial(_order_rows, item, sites, ctx.customer_salt)
            else:
                yield item, partial(_standalone_refund_rows, item, sites)

    return parse_order_json(content, SOURCE_FORMAT, records, ctx)


def _items(payload: Any, result: ParseResult) -> list[tuple[str, Any]]:
    if isinstance(payload, dict) and isinstance(payload.get("orders"), list):
        return [("order", order) for order in payload["orders"]]
    if isinstance(payload, dict) and isinstance(payload.get("order"), dict):
        return [("order", payload["order"])]
    if isinstance(payload, dict) and isinstance(payload.get("refund"), dict):
        return [("refund", payload["refund"])]
    result.reject(
        "NO_ORDER_DATA",
        "no orders in this Shopify payload (transactions, counts and other lists carry no "
        "sales; sales come from orders)",
        raw_json(payload)[:2000],
    )
    return []


def _order_rows(
    order: Any, sites: Sites, salt: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if not isinstance(order, dict):
        raise Rejected("MALFORMED_ROW", "order is not a JSON object")
    order_id = order.get("id")
    if order_id is None:
        raise Rejected("MALFORMED_ROW", "order has no id")
    if order.get("test") is True:
        raise Rejected("TEST_ORDER", f"order {order_id} is a test order")
    currency = order.get("currency")
    if currency is None:
        raise Rejected("MALFORMED_ROW", f"order {order_id} has no currency")
    if not is_known_currency(currency):
        raise Rejected("BAD_CURRENCY", f"order {order_id}: unknown currency {currency!r}")
    ts = utc_timestamp(order.get("processed_at") or order.get("created_at"), "processed_at")
    site_id = sites.site_for(order.get("location_id"), fallback=ONLINE_LOCATION)
    is_void = order.get("cancelled_at") is not None or order.get("financial_status") == "voided"
    taxes_included = order.get("taxes_included") is True

    line_items = order.get("line_items")
    lines: list[dict[str, Any]] = []
    if isinstance(line_items, list) and line_items:
        gross = ZERO
        line_discounts = ZERO
        for line_no, item in enumerate(line_items, start=1):
            row, line_gross, line_discount = _line(order_id, line_no, item, taxes_included)
            if row["quantity"] < 0 and not is_void:
                raise Rejected(
                    "NEGATIVE_QUANTITY", f"order {order_id} line {line_no}: negative quantity"
                )
            lines.append(row)
            gross += line_gross
            line_discounts += line_discount
        item_count: int | None = sum(row["quantity"] for row in lines)
        discount = (
            money(order["total_discounts"], "total_discounts")
            if order.get("total_discounts") is not None
            else line_discounts
        )
    else:
        gross = money(order.get("total_line_items_price"), "total_line_items_price")
        if taxes_included:
            gross -= money(order.get("total_tax") or 0, "total_tax")
        discount = money(order.get("total_discounts") or 0, "total_discounts")
        item_count = None
    tax = money(order.get("total_tax") or 0, "total_tax")
    customer = order.get("customer") if isinstance(order.get("customer"), dict) else {}
    rows = [
        {
            "source_system": SOURCE_SYSTEM,
            "external_id": str(order_id),
            "site_id": site_id,
            "ts": ts,
            "type": "void" if is_void else "sale",
            "gross_amount": gross,
            "discount": discount,
            "tax": tax,
            "net_amount": gross - discount,
            "currency": currency,
            "item_count": item_count,
            "staff_id": None if order.get("user_id") is None else str(order["user_id"]),
            "customer_id": hash_customer(salt, SOURCE_SYSTEM, customer.get("id")),
            "payment_method": _payment_method(order),
        }
    ]
    refunds = order.get("refunds") or []
    if not isinstance(refunds, list):
        raise Rejected("MALFORMED_ROW", f"order {order_id}: refunds is not a list")
    for refund in refunds:
        refund_row, refund_lines = _refund_rows(refund, order_id, site_id, currency)
        if is_void:
            refund_row["type"] = "void"
        refund_row["customer_id"] = rows[0]["customer_id"]
        refund_row["staff_id"] = rows[0]["staff_id"]
        rows.append(refund_row)
        lines.extend(refund_lines)
    return rows, lines


def _line(
    order_id: Any, line_no: int, item: Any, taxes_included: bool
) -> tuple[dict[str, Any], Decimal, Decimal]:
    """One line item -> (line row, gross before discount, discount), tax excluded."""
    if not isinstance(item, dict):
        raise Rejected("MALFORMED_ROW", f"order {order_id} line {line_no} is not an object")
    quantity = _quantity(item.get("quantity"), f"order {order_id} line {line_no} quantity")
    price = money(item.get("price"), f"order {order_id} line {line_no} price")
    gross = price * quantity
    allocations = item.get("discount_allocations")
    if isinstance(allocations, list) and allocations:
        discount = sum((money(a.get("amount"), "discount amount") for a in allocations), ZERO)
    else:
        discount = money(item.get("total_discount") or 0, "total_discount")
    if taxes_included:
        gross -= _tax_of(item)
    row = {
        "source_system": SOURCE_SYSTEM,
        "external_id": str(order_id),
        "line_no": line_no,
        "sku": item.get("sku") or None,
        "product_name": item.get("name") or item.get("title"),
        "category": item.get("product_type") or None,
        "quantity": quantity,
        "unit_price": price,
        "line_amount": gross - discount,
    }
    return row, gross, discount


def _tax_of(item: dict[str, Any]) -> Decimal:
    return sum(
        (money(t.get("price"), "tax price") for t in item.get("tax_lines") or []), ZERO
    )


def _refund_rows(
    refund: Any, order_id: Any, site_id: str, currency: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A refund -> a `return` row with positive amounts, and its lines.

    With refund_line_items: net = sum of their `subtotal` (after discount, tax excluded; in
    old payloads without it, price x quantity less the refunded share of the line's
    discount), tax = sum of `total_tax` (or the refunded share of the line's tax_lines).
    Without items (an amount-only refund): net = sum of successful refund transactions,
    tax unknown (0).
    """
    if not isinstance(refund, dict) or refund.get("id") is None:
        raise Rejected("MALFORMED_ROW", f"order {order_id}: a refund has no id")
    external_id = f"{order_id}:refund:{refund['id']}"
    ts = utc_timestamp(refund.get("processed_at") or refund.get("created_at"), "refund time")
    lines: list[dict[str, Any]] = []
    net = discount = tax = ZERO
    for line_no, rli in enumerate(refund.get("refund_line_items") or [], start=1):
        item = rli.get("line_item") if isinstance(rli.get("line_item"), dict) else {}
        quantity = _quantity(rli.get("quantity"), f"{external_id} line {line_no} quantity")
        if quantity < 0:
            raise Rejected("NEGATIVE_QUANTITY", f"{external_id} line {line_no}: negative")
        price = money(item.get("price"), f"{external_id} line {line_no} price")
        sold = _quantity(item.get("quantity") or quantity, "line quantity") or 1
        share = Decimal(quantity) / Decimal(sold)
        if rli.get("subtotal") is not None:
            line_net = money(rli["subtotal"], "refund subtotal")
        else:
            line_net = price * quantity - money(item.get("total_discount") or 0, "d") * share
        if rli.get("total_tax") is not None:
            line_tax = money(rli["total_tax"], "refund total_tax")
        else:
            line_tax = _tax_of(item) * share
        net += line_net
        tax += line_tax
        discount += price * quantity - line_net
        lines.append(
            {
                "source_system": SOURCE_SYSTEM,
                "external_id": external_id,
                "line_no": line_no,
                "sku": item.get("sku") or None,
                "product_name": item.get("name") or item.get("title"),
                "category": item.get("product_type") or None,
                "quantity": quantity,
                "unit_price": price,
                "line_amount": line_net,
            }
        )
    if not lines:
        for transaction in refund.get("transactions") or []:
            if transaction.get("kind") == "refund" and transaction.get("status") == "success":
                net += money(transaction.get("amount"), "refund transaction amount")
    row = {
        "source_system": SOURCE_SYSTEM,
        "external_id": external_id,
        "site_id": site_id,
        "ts": ts,
        "type": "return",
        "gross_amount": net + discount,
        "discount": discount,
        "tax": tax,
        "net_amount": net,
        "currency": currency,
        "item_count": sum(line["quantity"] for line in lines) if lines else None,
        "staff_id": None,
        "customer_id": None,
        "payment_method": _refund_gateway(refund),
    }
    return row, lines


def _standalone_refund_rows(
    refund: Any, sites: Sites
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """`{"refund": ...}` alone: the same return row its order would give, if we can place it.

    The refund does not carry the order's location, so the site comes from where goods were
    restocked (refund_line_items[].location_id) or the refund transaction's location, else
    the `online` entry; the currency from its transactions.
    """
    if not isinstance(refund, dict) or refund.get("order_id") is None:
        raise Rejected("MALFORMED_ROW", "refund has no order_id")
    transactions = refund.get("transactions") or []
    locations = [r.get("location_id") for r in refund.get("refund_line_items") or []]
    locations += [t.get("location_id") for t in transactions]
    location = next((loc for loc in locations if loc is not None), None)
    site_id = sites.site_for(location, fallback=ONLINE_LOCATION)
    currencies = {t.get("currency") for t in transactions if t.get("currency")}
    if len(currencies) != 1:
        raise Rejected("MALFORMED_ROW", "refund: currency cannot be told from its transactions")
    currency = currencies.pop()
    if not is_known_currency(currency):
        raise Rejected("BAD_CURRENCY", f"refund: unknown currency {currency!r}")
    row, lines = _refund_rows(refund, refund["order_id"], site_id, currency)
    return [row], lines


def _quantity(value: Any, what: str) -> int:
    if isinstance(value, bool):
        raise Rejected("MALFORMED_ROW", f"{what} is not an integer")
    if isinstance(value, int):
        return value
    if isinstance(value, (str, Decimal)):
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = Decimal("NaN")
        if number.is_finite() and number == number.to_integral_value():
            return int(number)
    raise Rejected("MALFORMED_ROW", f"{what} is not an integer: {value!r}")


def _payment_method(order: dict[str, Any]) -> str | None:
    gateways = order.get("payment_gateway_names")
    names = {g for g in gateways if g} if isinstance(gateways, list) else set()
    if not names and order.get("gateway"):
        names = {order["gateway"]}
    if not names:
        return None
    return names.pop().lower() if len(names) == 1 else "mixed"


def _refund_gateway(refund: dict[str, Any]) -> str | None:
    gateways = {t.get("gateway") for t in refund.get("transactions") or [] if t.get("gateway")}
    if not gateways:
        return None
    return gateways.pop().lower() if len(gateways) == 1 else "mixed"
