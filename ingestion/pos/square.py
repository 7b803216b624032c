"""Square Orders API JSON -> raw.pos_transactions / raw.pos_transaction_lines.

Accepted payloads: `{"orders": [...]}` (SearchOrders / BatchRetrieveOrders, what the sync
lands), `{"order": {...}}` (RetrieveOrder, PayOrder) and webhook events whose
`data.object.order` is a full order. Payloads without orders (payments, refunds, SearchOrders
`order_entries`, the id-only `order.created` / `order.updated` / `refund.created` webhooks)
carry no sales and are quarantined whole as NO_ORDER_DATA: the sync fetches the order itself.

States: COMPLETED -> `sale` (its line items) plus one `return` row per `returns[]` entry;
CANCELED -> `void` (returns under the same keys become `void` too); OPEN and DRAFT orders are
not final and are quarantined as ORDER_NOT_FINAL: the sync fetches them again once they
complete (their updated_at moves), and that later delivery loads.

Money is `{amount, currency}` in the currency's minor unit (USD cents, JPY yen, KWD fils):
divided by 10^exponent into a decimal. Per line: line_amount = total_money - total_tax_money -
total_service_charge_money (after discounts, tax excluded, inclusive or additive alike);
the order's net_amount is the sum of its lines, discount the sum of line discounts,
gross_amount = net_amount + discount, tax the sum of line taxes. Return rows carry the same
quantities as positive magnitudes, external_id `<order id>:return:<return uid>`.
A quantity with a fraction (a measured item, "2.25" kg) is stored as 1 unit, its unit_price
the price of the measured amount.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

from ingestion.pos.currencies import from_minor_units, is_known_currency
from ingestion.pos.frames import (
    OrderRecord,
    Rejected,
    Sites,
    hash_customer,
    parse_order_json,
    raw_json,
    utc_timestamp,
)
from ingestion.records import LoadContext, ParseResult

SOURCE_SYSTEM = "square"
SOURCE_FORMAT = "pos_square"
ZERO = Decimal(0)
_TYPE_BY_STATE = {"COMPLETED": "sale", "CANCELED": "void"}


def parse_square(content: bytes, ctx: LoadContext) -> ParseResult:
    """Parse one landed Square file; bad orders are quarantined, never raised."""
    sites = Sites(ctx.pos_locations, SOURCE_SYSTEM)

    def records(payload: Any, result: ParseResult) -> Iterator[OrderRecord]:
        for order in _orders(payload, result):
            yield order, partial(_order_rows, order, sites, ctx.customer_salt)

    return parse_order_json(content, SOURCE_FORMAT, records, ctx)


def _orders(payload: Any, result: ParseResult) -> list[Any]:
    if isinstance(payload, dict):
        if isinstance(payload.get("orders"), list):
            return payload["orders"]
        if isinstance(payload.get("order"), dict):
            return [payload["order"]]
        data = payload.get("data")
        obj = data.get("object") if isinstance(data, dict) else None
        if isinstance(obj, dict) and isinstance(obj.get("order"), dict):
            return [obj["order"]]
    result.reject(
        "NO_ORDER_DATA",
        "no orders in this Square payload (payments, refunds, order entries and id-only "
        "webhooks carry no sales; the sync fetches the orders)",
        raw_json(payload)[:2000],
    )
    return []


class _Money:
    """Reads Square money objects of one order, holding them to one known currency."""

    def __init__(self, order_id: str) -> None:
        self.order_id = order_id
        self.currency: str | None = None

    def __call__(self, value: Any, what: str, *, required: bool = False) -> Decimal:
        if value is None:
            if required:
                raise Rejected("MALFORMED_ROW", f"order {self.order_id}: {what} is missing")
            return ZERO
        if not isinstance(value, dict) or not isinstance(value.get("amount"), int):
            raise Rejected("MALFORMED_ROW", f"order {self.order_id}: {what} is not money")
        currency = value.get("currency")
        if not is_known_currency(currency):
            raise Rejected(
                "BAD_CURRENCY", f"order {self.order_id}: unknown currency {currency!r}"
            )
        if self.currency is None:
            self.currency = currency
        elif currency != self.currency:
            raise Rejected(
                "BAD_CURRENCY",
                f"order {self.order_id}: mixed currencies {self.currency} and {currency}",
            )
        return from_minor_units(value["amount"], currency)


def _order_rows(
    order: Any, sites: Sites, salt: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    if not isinstance(order, dict) or not order.get("id"):
        raise Rejected("MALFORMED_ROW", "order has no id")
    order_id = str(order["id"])
    state = order.get("state")
    if state in ("OPEN", "DRAFT"):
        raise Rejected("ORDER_NOT_FINAL", f"order {order_id} is {state}, not final yet")
    if state not in _TYPE_BY_STATE:
        raise Rejected("MALFORMED_ROW", f"order {order_id}: unknown state {state!r}")
    tx_type = _TYPE_BY_STATE[state]
    ts = utc_timestamp(
        order.get("closed_at") or order.get("updated_at") or order.get("created_at"),
        f"order {order_id} closed_at",
    )
    if order.get("location_id") is None:
        raise Rejected("MALFORMED_ROW", f"order {order_id} has no location_id")
    site_id = sites.site_for(order["location_id"])
    read = _Money(order_id)
    common = {
        "source_system": SOURCE_SYSTEM,
        "site_id": site_id,
        "ts": ts,
        "staff_id": None,
        "customer_id": hash_customer(salt, SOURCE_SYSTEM, order.get("customer_id")),
        "payment_method": _payment_method(order),
    }
    rows: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    items = order.get("line_items") or []
    if items:
        sale_lines = [
            _line(read, order_id, n, item, "gross_sales_money", check_negative=tx_type == "sale")
            for n, item in enumerate(items, start=1)
        ]
        rows.append(_transaction(common, order_id, tx_type, sale_lines))
        lines += [line for line, _, _ in sale_lines]
    for ret in order.get("returns") or []:
        uid = ret.get("uid") or ret.get("source_order_id")
        if not uid:
            raise Rejected("MALFORMED_ROW", f"order {order_id}: a return has no uid")
        external_id = f"{order_id}:return:{uid}"
        return_lines = [
            _line(read, external_id, n, item, "gross_return_money", check_negative=True)
            for n, item in enumerate(ret.get("return_line_items") or [], start=1)
        ]
        if not return_lines:
            raise Rejected("MALFORMED_ROW", f"{external_id} has no return_line_items")
        kind = "void" if tx_type == "void" else "return"
        rows.append(_transaction(common, external_id, kind, return_lines))
        lines += [line for line, _, _ in return_lines]
    if not rows:
        raise Rejected("MALFORMED_ROW", f"order {order_id} has neither line items nor returns")
    if read.currency is None:
        raise Rejected("MALFORMED_ROW", f"order {order_id} carries no money")
    for row in rows:
        row["currency"] = read.currency
    return rows, lines


def _line(
    read: _Money, external_id: str, line_no: int, item: Any, gross_field: str, *,
    check_negative: bool,
) -> tuple[dict[str, Any], Decimal, Decimal]:
    """One line -> (line row, discount, tax); line_amount is net of discount, tax excluded."""
    what = f"{external_id} line {line_no}"
    if not isinstance(item, dict):
        raise Rejected("MALFORMED_ROW", f"{what} is not an object")
    try:
        quantity = Decimal(str(item.get("quantity")))
    except ArithmeticError:
        raise Rejected("MALFORMED_ROW",
                       f"{what}: quantity {item.get('quantity')!r} is not a number") from None
    if not quantity.is_finite():
        raise Rejected("MALFORMED_ROW",
                       f"{what}: quantity {item.get('quantity')!r} is not a finite number")
    if quantity < 0 and check_negative:
        raise Rejected("NEGATIVE_QUANTITY", f"{what}: negative quantity {quantity}")
    base = read(item.get("base_price_money"), f"{what} base_price_money")
    gross = (
        read(item[gross_field], f"{what} {gross_field}")
        if item.get(gross_field) is not None
        else base * quantity
    )
    discount = read(item.get("total_discount_money"), f"{what} total_discount_money")
    tax = read(item.get("total_tax_money"), f"{what} total_tax_money")
    if item.get("total_money") is not None:
        service = read(item.get("total_service_charge_money"), f"{what} service charge")
        net = read(item["total_money"], f"{what} total_money") - tax - service
    else:
        net = gross - discount
    measured = quantity != quantity.to_integral_value()
    row = {
        "source_system": SOURCE_SYSTEM,
        "external_id": external_id,
        "line_no": line_no,
        "sku": item.get("catalog_object_id"),
        "product_name": _product_name(item),
        "category": None,
        "quantity": 1 if measured else int(quantity),
        "unit_price": base * quantity if measured else base,
        "line_amount": net,
    }
    return row, discount, tax


def _transaction(
    common: dict[str, Any], external_id: str, tx_type: str,
    lines: list[tuple[dict[str, Any], Decimal, Decimal]],
) -> dict[str, Any]:
    net = sum((line["line_amount"] for line, _, _ in lines), ZERO)
    discount = sum((d for _, d, _ in lines), ZERO)
    return {
        **common,
        "external_id": external_id,
        "type": tx_type,
        "gross_amount": net + discount,
        "discount": discount,
        "tax": sum((t for _, _, t in lines), ZERO),
        "net_amount": net,
        "item_count": sum(line["quantity"] for line, _, _ in lines),
    }


def _product_name(item: dict[str, Any]) -> str | None:
    name, variation = item.get("name"), item.get("variation_name")
    if name and variation:
        return f"{name} - {variation}"
    return name or variation


def _payment_method(order: dict[str, Any]) -> str | None:
    kinds = {t.get("type") for t in order.get("tenders") or [] if t.get("type")}
    if not kinds:
        return None
    return kinds.pop().lower() if len(kinds) == 1 else "mixed"
