"""Units: the one authority for quantities, units, densities and item unit mappings.

Every unit has a dimension and `factor` = base units per one of it (bases g, mL, each, m). Within a
dimension a conversion is a ratio of factors; weight↔volume goes through the item's density (g/mL);
other pairs go through the item's own unit mappings ("1 bar = 113 g").

quantities  parse_quantity / parse_decimal / parse_density / clean_decimal
registry    the units an organization sees (global ∪ its own, one scoped read), unit_def, resolve_unit
conversion  convert, to_item_quantity
custom      an organization's own units, item densities and item unit mappings
"""
from __future__ import annotations

from .conversion import convert, item_mappings, to_item_quantity
from .custom import (
                     add_item_unit_mapping,
                     create_custom_unit,
                     delete_custom_unit,
                     delete_item_unit_mapping,
                     list_item_unit_mappings,
                     set_item_density,
)
from .quantities import (
                     MAX_DENSITY,
                     MAX_QUANTITY,
                     clean_decimal,
                     parse_decimal,
                     parse_density,
                     parse_quantity,
)
from .registry import (
                     UnitDef,
                     list_units,
                     resolve_unit,
                     seed_units,
                     unit_def,
                     unit_factor,
                     visible_units,
)

__all__ = [
    "MAX_DENSITY", "MAX_QUANTITY", "UnitDef", "add_item_unit_mapping", "clean_decimal", "convert",
    "create_custom_unit", "delete_custom_unit", "delete_item_unit_mapping", "item_mappings", "list_item_unit_mappings",
    "list_units",
    "parse_decimal", "parse_density", "parse_quantity", "resolve_unit", "seed_units", "set_item_density",
    "to_item_quantity", "unit_def", "unit_factor", "visible_units",
]
