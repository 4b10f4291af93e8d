"""Purchasing: suppliers' per-item order details, purchase orders and receiving them into lots.

supplier_items  a supplier's code, pack size and price per item; order quantities rounded up to packs
orders          create (from lines or from one supplier's reorder suggestions), edit while draft, send, cancel
receiving       receive fully or in part: one restock lot per received quantity at the line's unit cost
queries         get / list orders, on_order_by_item (the reorder engine's "on order"), an order as CSV
"""
from __future__ import annotations

from .orders import (
                     cancel_purchase_order,
                     create_purchase_order,
                     draft_purchase_order_from_reorder,
                     send_purchase_order,
                     update_purchase_order,
)
from .queries import (
                     get_purchase_order,
                     line_total,
                     list_purchase_orders,
                     on_order_by_item,
                     order_total,
                     purchase_order_csv,
                     supplier_names,
)
from .receiving import receive_purchase_order
from .supplier_items import (
                     list_supplier_items,
                     order_quantities_for,
                     order_quantity,
                     remove_supplier_item,
                     set_supplier_item,
                     supplier_items_for,
)

__all__ = [
    "cancel_purchase_order", "create_purchase_order", "draft_purchase_order_from_reorder", "get_purchase_order",
    "line_total", "list_purchase_orders", "list_supplier_items", "on_order_by_item", "order_quantities_for", "order_quantity", "order_total",
    "purchase_order_csv", "receive_purchase_order", "remove_supplier_item", "send_purchase_order",
    "set_supplier_item", "supplier_items_for", "supplier_names", "update_purchase_order",
]
