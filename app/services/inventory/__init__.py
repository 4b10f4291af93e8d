"""Inventory: items, their lots and the ledger — the only writer of lots and ledger rows.

items       create, edit, link to the library, archive, restore
bulk        many items or many receipts at once (CSV import), all rows checked before any is written
movements   restock, receive_produced (batch output), deduct, deduct_many, recount, credit, reverse, adjust
holds       cure / hold dates, recall holds, disposals
queries     get_* / list_* reads and the inventory pages' bounded queries (all take org, actor)
stock_check what can be used now (usable lots minus reservations)
locations   where stock is: the default location, create / list locations, in-transit quantities
transfers   stock moved between locations (at once or in transit, then received)
expiration  expiry dates, expiring and expired lots
costs       a lot's unit cost restated per the unit it was bought in (purchase_unit)
fifo        the consumption order and the low-level lot and event writes (private to this package)
"""
from __future__ import annotations

from .bulk import BulkOutcome, create_items_bulk, restock_many
from .common import (
                     ALL_CHANGE_TYPES,
                     CHANGE_TYPES,
                     CREDITS,
                     DEDUCTIONS,
                     DISPOSALS,
                     HOLD_CHANGE,
                     PRODUCED,
                     REVERSAL,
                     AdjustmentResult,
                     require_whole_count,
)
from .costs import CostInUnit, average_cost_bought, cost_in_unit, purchase_unit_costs
from .expiration import list_expired, list_expiring
from .holds import (
                     dispose_expired_lot,
                     dispose_lot,
                     lock_lots,
                     set_hold_reason,
                     set_lot_hold,
)
from .items import (
                     archive_item,
                     create_item,
                     link_library_item,
                     restore_item,
                     unlink_library_item,
                     update_item,
)
from .locations import (
                     create_location,
                     default_location,
                     get_location,
                     in_transit_quantities,
                     list_locations,
)
from .movements import (
                     adjust,
                     credit_lot,
                     deduct,
                     deduct_many,
                     receive_produced,
                     recount,
                     restock,
                     reverse_event,
)
from .queries import (
                     LIST_SORTS,
                     ItemSummary,
                     OpenOrder,
                     get_item,
                     get_item_with_open_orders,
                     get_lot,
                     get_lot_by_code,
                     item_summaries,
                     item_summary,
                     list_events,
                     list_items,
                     list_items_with_columns,
                     lots_in_consumption_order,
)
from .transfers import get_transfer, list_transfers, receive_transfer, transfer_lots, transfer_stock

__all__ = [
    "ALL_CHANGE_TYPES", "CHANGE_TYPES", "CREDITS", "DEDUCTIONS", "DISPOSALS", "HOLD_CHANGE", "LIST_SORTS", "PRODUCED",
    "REVERSAL",    "AdjustmentResult", "ItemSummary", "adjust", "archive_item", "create_item", "credit_lot", "deduct", "deduct_many",
    "dispose_expired_lot", "dispose_lot", "get_item", "get_item_with_open_orders", "get_lot", "get_lot_by_code", "item_summaries", "item_summary",
    "link_library_item", "list_events", "list_expired", "list_expiring", "list_items", "list_items_with_columns",
    "lock_lots", "OpenOrder",
    "lots_in_consumption_order", "receive_produced", "recount", "require_whole_count", "restock", "restore_item",
    "reverse_event", "set_hold_reason", "set_lot_hold", "unlink_library_item", "update_item",
    "create_location", "default_location", "get_location", "in_transit_quantities", "list_locations",
    "get_transfer", "list_transfers", "receive_transfer", "transfer_lots", "transfer_stock",
    "CostInUnit", "average_cost_bought", "cost_in_unit", "purchase_unit_costs",
    "BulkOutcome", "create_items_bulk", "restock_many",
]
