"""Generated orders and returns of a seller persona, shaped like the Orders and Returns APIs.

Amounts follow the DOC formulas of reference 4.3 exactly:
``sub_total = original_total_product_price - seller_discount - platform_discount``,
``shipping_fee = original_shipping_fee - shipping_fee_seller_discount -
shipping_fee_platform_discount`` and ``total_amount = sub_total + shipping_fee + tax +
retail_delivery_fee``. One line item per unit (reference 4.3: there is no quantity field).
"""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from sandbox.money import fmt, q
from sandbox.personas import Buyer, Persona, buyer_message, digits
from sandbox.tiktok_shop.catalog import Product

DAY = 86400
ZERO = Decimal(0)
US_TAX_RATES = {
    "OR": "0",
    "CO": "0.0881",
    "TX": "0.0825",
    "OH": "0.0575",
    "FL": "0.075",
    "ID": "0.06",
}
SHIPPING = {"USD": Decimal("5.99"), "GBP": Decimal("3.49"), "IDR": Decimal("15000")}
CARRIERS = {"US": "USPS", "GB": "Royal Mail", "ID": "J&T Express"}
PAYMENT_METHODS = {
    "US": ("CCDC", "PayPal", "Apple Pay"),
    "GB": ("CCDC", "PayPal"),
    "ID": ("DANA", "OVO", "Bank Transfer"),
}
CANCEL_REASONS = ("No longer needed", "Pricing error", "Out of stock", "Payment timeout")
RETURN_REASONS = (
    ("ecom_order_delivered_refund_and_return_reason_defective", "Product is defective"),
    ("ecom_order_delivered_refund_and_return_reason_not_as_described", "Not as described"),
    ("ecom_order_delivered_refund_and_return_reason_wrong_item", "Received wrong item"),
    ("ecom_order_delivered_refund_and_return_reason_no_longer_needed", "No longer needed"),
)


def _status(rng: random.Random, age_days: float) -> str:
    if rng.random() < 0.03:
        return "CANCELLED"
    if age_days < 1 and rng.random() < 0.12:
        return "UNPAID"
    if age_days < 1:
        return "AWAITING_SHIPMENT"
    if age_days < 2:
        return rng.choice(("AWAITING_SHIPMENT", "AWAITING_COLLECTION", "IN_TRANSIT"))
    if age_days < 5:
        return "IN_TRANSIT" if rng.random() < 0.6 else "DELIVERED"
    if age_days < 15:
        return "DELIVERED"
    return "COMPLETED"


class OrderFactory:
    """Builds the orders of one persona, one at a time, from one random stream."""

    def __init__(
        self,
        rng: random.Random,
        persona: Persona,
        products: list[Product],
        buyers: list[Buyer],
        anchor_ts: int,
        warehouse_id: str,
    ) -> None:
        self.rng = rng
        self.persona = persona
        self.products = products
        self.buyers = buyers
        self.anchor_ts = anchor_ts
        self.warehouse_id = warehouse_id
        self.currency = persona.currency
        self.seen_ids: set[str] = set()

    def new_id(self, prefix: str, length: int = 18) -> str:
        while True:
            value = digits(self.rng, prefix, length)
            if value not in self.seen_ids:
                self.seen_ids.add(value)
                return value

    def _money(self, amount: Decimal) -> str:
        return fmt(amount, self.currency)

    def _units(self) -> list[tuple[Product, Decimal, Decimal]]:
        """(product, seller discount, platform discount) for every unit bought."""
        rng, cur = self.rng, self.currency
        skus = rng.sample(
            self.products, k=min(len(self.products), rng.choices((1, 2, 3), (6, 3, 1))[0])
        )
        units = []
        for product in skus:
            seller = (
                q(product.price * Decimal(rng.choice(("0.10", "0.15"))), cur)
                if rng.random() < 0.25
                else ZERO
            )
            platform = q(product.price * Decimal("0.05"), cur) if rng.random() < 0.15 else ZERO
            for _ in range(rng.choices((1, 2), (4, 1))[0]):
                units.append((product, seller, platform))
        return units

    def build(self, create_time: int) -> dict[str, Any]:
        rng, cur, money = self.rng, self.currency, self._money
        age_days = (self.anchor_ts - create_time) / DAY
        status = _status(rng, age_days)
        buyer = rng.choice(self.buyers)
        tax_rate = (
            Decimal(US_TAX_RATES.get(buyer.state, "0")) if buyer.region_code == "US" else ZERO
        )
        last = self.anchor_ts - 1

        line_items: list[dict[str, Any]] = []
        orig_total = seller_total = platform_total = product_tax = ZERO
        for product, seller_discount, platform_discount in self._units():
            sale = product.price - seller_discount - platform_discount
            unit_tax = q(sale * tax_rate, cur)
            orig_total += product.price
            seller_total += seller_discount
            platform_total += platform_discount
            product_tax += unit_tax
            item: dict[str, Any] = {
                "id": self.new_id("577"),
                "sku_id": product.sku_id,
                "product_id": product.product_id,
                "product_name": product.name,
                "sku_name": product.sku_name,
                "seller_sku": product.seller_sku,
                "sku_image": product.image,
                "sku_type": "NORMAL",
                "display_status": status,
                "original_price": money(product.price),
                "sale_price": money(sale),
                "seller_discount": money(seller_discount),
                "platform_discount": money(platform_discount),
                "currency": cur,
                "is_gift": False,
            }
            if tax_rate:
                item["item_tax"] = [
                    {
                        "tax_type": "SALES_TAX",
                        "tax_amount": money(unit_tax),
                        "tax_rate": str(tax_rate),
                    }
                ]
            line_items.append(item)

        sub_total = orig_total - seller_total - platform_total
        orig_shipping = SHIPPING[cur]
        ship_seller = ship_platform = ZERO
        roll = rng.random()
        if roll < 0.3:
            ship_platform = orig_shipping
        elif roll < 0.45:
            ship_seller = orig_shipping
        shipping_fee = orig_shipping - ship_seller - ship_platform
        shipping_tax = q(shipping_fee * tax_rate, cur)
        tax = product_tax + shipping_tax
        retail_delivery = Decimal("0.29") if buyer.state == "CO" and cur == "USD" else ZERO
        total_amount = sub_total + shipping_fee + tax + retail_delivery
        payment = {
            "currency": cur,
            "original_total_product_price": money(orig_total),
            "seller_discount": money(seller_total),
            "platform_discount": money(platform_total),
            "sub_total": money(sub_total),
            "original_shipping_fee": money(orig_shipping),
            "shipping_fee_seller_discount": money(ship_seller),
            "shipping_fee_platform_discount": money(ship_platform),
            "shipping_fee_cofunded_discount": money(ZERO),
            "shipping_fee": money(shipping_fee),
            "product_tax": money(product_tax),
            "shipping_fee_tax": money(shipping_tax),
            "tax": money(tax),
            "total_amount": money(total_amount),
        }
        if cur == "USD":
            payment["retail_delivery_fee"] = money(retail_delivery)

        order: dict[str, Any] = {
            "id": self.new_id("576"),
            "status": status,
            "create_time": create_time,
            "user_id": buyer.user_id,
            "buyer_email": buyer.email,
            "buyer_nickname": buyer.nickname,
            "buyer_message": buyer_message(rng) if rng.random() < 0.25 else "",
            "payment": payment,
            "payment_method_name": rng.choice(PAYMENT_METHODS[self.persona.region]),
            "line_items": line_items,
            "fulfillment_type": "FULFILLMENT_BY_SELLER",
            "shipping_type": "TIKTOK",
            "delivery_type": "HOME_DELIVERY",
            "delivery_option_name": "Standard Shipping",
            "warehouse_id": self.warehouse_id,
            "commerce_platform": "TIKTOK_SHOP",
            "order_type": "NORMAL",
            "is_cod": False,
            "is_sample_order": rng.random() < 0.015,
            "is_on_hold_order": False,
            "is_replacement_order": False,
            "is_exchange_order": False,
            "is_buyer_request_cancel": False,
            "has_updated_recipient_address": False,
            "seller_note": "",
        }
        update_time = create_time
        if status != "UNPAID":
            order["paid_time"] = min(create_time + rng.randrange(5, 300), last)
            update_time = order["paid_time"]
            # Reference 4.3: the address is "not available under UNPAID and ON_HOLD".
            order["recipient_address"] = _address(buyer)
        if status == "CANCELLED":
            cancel_time = min(create_time + rng.randrange(600, DAY), last)
            initiator = rng.choices(("BUYER", "SELLER", "SYSTEM"), (6, 2, 2))[0]
            order["cancel_time"] = cancel_time
            order["cancellation_initiator"] = initiator
            order["cancel_reason"] = rng.choice(CANCEL_REASONS)
            for item in line_items:
                item["cancel_reason"] = order["cancel_reason"]
                item["cancel_user"] = initiator
            update_time = max(update_time, cancel_time)
        if status in ("AWAITING_COLLECTION", "IN_TRANSIT", "DELIVERED", "COMPLETED"):
            update_time = self._ship(order, line_items, update_time, status, age_days)
        order["update_time"] = update_time
        order["rts_sla_time"] = create_time + 2 * DAY
        order["tts_sla_time"] = create_time + 4 * DAY
        return order

    def _ship(
        self,
        order: dict[str, Any],
        line_items: list[dict[str, Any]],
        update_time: int,
        status: str,
        age_days: float,
    ) -> int:
        rng, last, created = self.rng, self.anchor_ts - 1, order["create_time"]
        rts = min(created + rng.randrange(3600, DAY), last)
        package_id = self.new_id("115")
        tracking = f"TT{digits(rng, '', 12)}"
        carrier = CARRIERS[self.persona.region]
        order.update(
            rts_time=rts,
            packages=[{"id": package_id}],
            tracking_number=tracking,
            shipping_provider=carrier,
            shipping_provider_id=digits(rng, "66", 19),
        )
        for item in line_items:
            item.update(
                package_id=package_id,
                package_status="SHIPPED" if status != "AWAITING_COLLECTION" else "TO_FULFILL",
                tracking_number=tracking,
                shipping_provider_name=carrier,
                rts_time=rts,
            )
        update_time = max(update_time, rts)
        if status in ("IN_TRANSIT", "DELIVERED", "COMPLETED"):
            order["collection_time"] = min(rts + rng.randrange(1800, 12 * 3600), last)
            update_time = max(update_time, order["collection_time"])
        if status in ("DELIVERED", "COMPLETED"):
            earliest = order["collection_time"] + DAY
            latest = min(created + 5 * DAY, last)
            delivery = rng.randrange(earliest, latest) if latest > earliest else min(earliest, last)
            order["delivery_time"] = max(delivery, order["collection_time"])
            update_time = max(update_time, order["delivery_time"])
            if status == "COMPLETED":
                update_time = max(update_time, min(order["delivery_time"] + 7 * DAY, last))
        return update_time

    def build_return(self, order: dict[str, Any]) -> dict[str, Any] | None:
        """A buyer return of some or all units of a delivered order, or None if too recent."""
        rng, cur, last = self.rng, self.currency, self.anchor_ts - 1
        create = order["delivery_time"] + rng.randrange(DAY // 2, 10 * DAY)
        if create >= last - 600:
            return None
        age = (self.anchor_ts - create) / DAY
        return_type = "RETURN_AND_REFUND" if rng.random() < 0.7 else "REFUND"
        if age < 2:
            status = "RETURN_OR_REFUND_REQUEST_PENDING"
        elif age < 5:
            status = (
                rng.choice(("AWAITING_BUYER_SHIP", "BUYER_SHIPPED_ITEM"))
                if return_type == "RETURN_AND_REFUND"
                else "RETURN_OR_REFUND_REQUEST_SUCCESS"
            )
        else:
            status = rng.choices(
                (
                    "RETURN_OR_REFUND_REQUEST_COMPLETE",
                    "REFUND_OR_RETURN_REQUEST_REJECT",
                    "RETURN_OR_REFUND_REQUEST_CANCEL",
                ),
                (17, 2, 1),
            )[0]
        update = min(create + rng.randrange(3600, 4 * DAY), last)
        items = order["line_items"]
        whole = rng.random() < 0.6 or len(items) == 1
        chosen = items if whole else rng.sample(items, k=rng.randrange(1, len(items)))
        shipping_refund = Decimal(order["payment"]["shipping_fee"]) if whole else ZERO
        lines = []
        sums = {"refund_subtotal": ZERO, "refund_shipping_fee": ZERO, "refund_tax": ZERO}
        for index, item in enumerate(chosen):
            subtotal = Decimal(item["sale_price"])
            tax = sum((Decimal(t["tax_amount"]) for t in item.get("item_tax", [])), ZERO)
            shipping = shipping_refund if index == 0 else ZERO
            amount = {
                "refund_subtotal": subtotal,
                "refund_shipping_fee": shipping,
                "refund_tax": tax,
            }
            for key, value in amount.items():
                sums[key] += value
            lines.append(
                {
                    "return_line_item_id": self.new_id("403", 19),
                    "order_line_item_id": item["id"],
                    "sku_id": item["sku_id"],
                    "sku_name": item["sku_name"],
                    "product_name": item["product_name"],
                    "seller_sku": item["seller_sku"],
                    "refund_amount": _refund(amount, cur),
                }
            )
        reason, reason_text = rng.choice(RETURN_REASONS)
        return {
            "return_id": self.new_id("403", 19),
            "order_id": order["id"],
            "return_type": return_type,
            "return_status": status,
            "role": "BUYER",
            "return_reason": reason,
            "return_reason_text": reason_text,
            "create_time": create,
            "update_time": max(update, create),
            "refund_amount": _refund(sums, cur),
            "return_line_items": lines,
            "can_buyer_keep_item": return_type == "REFUND",
            "return_method": "PLATFORM_SHIPPED" if return_type == "RETURN_AND_REFUND" else "",
        }


def _refund(parts: dict[str, Decimal], currency: str) -> dict[str, str]:
    return {
        "currency": currency,
        "refund_total": fmt(sum(parts.values(), ZERO), currency),
        "refund_subtotal": fmt(parts["refund_subtotal"], currency),
        "refund_shipping_fee": fmt(parts["refund_shipping_fee"], currency),
        "refund_tax": fmt(parts["refund_tax"], currency),
    }


def _address(buyer: Buyer) -> dict[str, Any]:
    return {
        "name": buyer.name,
        "first_name": buyer.first_name,
        "last_name": buyer.last_name,
        "phone_number": buyer.phone,
        "full_address": buyer.full_address,
        "address_detail": buyer.address_line2,
        "address_line1": buyer.address_line1,
        "address_line2": buyer.address_line2,
        "address_line3": "",
        "address_line4": "",
        "district_info": [
            {"address_level_name": "Country", "address_name": buyer.country, "address_level": "L0"},
            {"address_level_name": "State", "address_name": buyer.state, "address_level": "L1"},
            {"address_level_name": "City", "address_name": buyer.city, "address_level": "L2"},
        ],
        "delivery_preferences": {"drop_off_location": "Front Door"},
        "postal_code": buyer.postal_code,
        "region_code": buyer.region_code,
    }
