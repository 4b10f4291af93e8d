"""Products → variants (scent, colour) → SKUs (variant × size/container): the catalogue (catalog), SKUs and prices
(skus), and the reads (queries). Each SKU is backed by one inventory item of kind `product`."""
from __future__ import annotations

from .catalog import add_variant, archive_product, create_product, restore_product, update_product
from .queries import (
    ProductDetail,
    ProductRow,
    SkuRow,
    get_product,
    get_product_detail,
    get_sku,
    list_products,
    sellable_product_items,
    sku_choices,
    sku_item_ids,
    skus_for_items,
)
from .skus import archive_sku, create_sku, parse_price, update_sku

__all__ = ["ProductDetail", "ProductRow", "SkuRow", "add_variant", "archive_product", "archive_sku",
           "create_product", "create_sku", "get_product", "get_product_detail", "get_sku", "list_products",
           "parse_price", "restore_product", "sku_choices", "sku_item_ids", "skus_for_items",
           "sellable_product_items", "update_product", "update_sku"]
