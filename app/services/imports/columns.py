"""What each import file holds, for the import page's help table and its template downloads: (column, required,
what it means) per kind, and a template (the header row and one example row)."""
from __future__ import annotations

from .items import COLUMNS as ITEM_COLUMNS
from .stock import COLUMNS as STOCK_COLUMNS

TITLES = {"items": "Items", "stock": "Opening stock / restocks", "sales": "Sales"}
UNITS_NOTE = ("Units: any unit on the Units page, by name (g, kg, oz, lb, mL, L, fl oz, each, dozen …) or one of "
              "your own; a quantity in another unit of the same kind is converted to the item's unit.")
DATE_NOTE = ("Dates: YYYY-MM-DD (e.g. 2026-03-14), or a full ISO date and time. Numbers: 2000, 2,000 or 12.5; "
             "in a file separated by semicolons, a decimal comma (12,5 or 1.234,5).")

HELP: dict[str, list[tuple[str, bool, str]]] = {
    "items": [
        ("name", True, "The item's name, unique among your items (up to 120 characters)."),
        ("kind", True, "ingredient, container, packaging, consumable or product."),
        ("unit", True, "The unit its stock is counted in, e.g. g, mL or each."),
        ("density", False, "g per mL, e.g. 0.92 (lets weight and volume convert)."),
        ("shelf_life_days", False, "Whole days from receipt to expiry (1 to 36500)."),
        ("reorder_point", False, "Reorder when the available stock falls to this (in the item's unit)."),
        ("supplier", False, "The name of one of your suppliers (as on the Suppliers page)."),
    ],
    "stock": [
        ("item", True, "The name of one of your items."),
        ("quantity", True, "How much was received, e.g. 2.5 (more than zero)."),
        ("unit", False, "The quantity's unit; blank: the item's unit."),
        ("unit_cost", False, "Cost per unit of the quantity, e.g. 12.40 per kg (blank: 0)."),
        ("received_at", False, "The date it arrived (blank: today; not in the future)."),
        ("expires_at", False, "Its expiry date (blank: from the item's shelf life)."),
        ("supplier_lot_code", False, "The supplier's lot or batch code (up to 80 characters)."),
        ("location", False, "The name of one of your locations (blank: the default location)."),
    ],
    "sales": [
        ("sku", False, "The SKU code sold; give a sku or an item on every row."),
        ("item", False, "Or the name of the stock item sold."),
        ("quantity", True, "How many were sold, in the item's unit."),
        ("unit_price", True, "The price of one, e.g. 8.50."),
        ("order_ref", False, "Your order number (up to 80 characters)."),
        ("channel", False, "Where it sold, e.g. market or shop (up to 40 characters)."),
        ("customer", False, "Who bought it (up to 120 characters)."),
        ("date", False, "The date of the sale (blank: today; not in the future)."),
    ],
}
EXAMPLES = {
    "items": "Soy wax,ingredient,g,0.9,730,2000,Wax & Wick",
    "stock": "Soy wax,2,kg,9.50,2026-03-14,2028-03-14,SW-4471,",
    "sales": "LAV-BAR,,2,8.50,#1042,market,Ana,2026-03-14",
}
COLUMNS = {"items": ITEM_COLUMNS, "stock": STOCK_COLUMNS, "sales": ("sku", "item", "quantity", "unit_price",
                                                                     "order_ref", "channel", "customer", "date")}


def template_csv(kind: str) -> str:
    """The template file of a kind: its header row and one example row."""
    return ",".join(COLUMNS[kind]) + "\n" + EXAMPLES[kind] + "\n"
