"""All models, imported here so Alembic and the app see every table."""
from .audit import AuditLog
from .batches import BATCH_STATUSES, Batch, BatchConsumption, BatchLogEntry, BatchOutput, BatchTimer
from .billing import BillingEvent, WhopEvent
from .control_tower import ALERT_TYPES, Alert
from .idempotency import IdempotencyKey
from .imports import ImportUpload
from .integrations import AssistantRequest, ShopConnection, ShopOrder, ShopOrderLine, ShopWebhook
from .inventory import ITEM_KINDS, GlobalItem, InventoryEvent, InventoryItem, InventoryLot, Sequence, Supplier
from .jobs import JOB_STATUSES, BackgroundJob
from .locations import LOCATION_KINDS, TRANSFER_STATUSES, Location, Transfer
from .notifications import DigestDelivery, NotificationPreference
from .organization import Organization, Permission, Role, SubscriptionTier, role_permissions, tier_permissions
from .purchasing import OPEN_PO_STATUSES, PO_STATUSES, PurchaseOrder, PurchaseOrderLine, SupplierItem
from .recipes import LINE_BASIS, LINE_ROLES, RECIPE_CATEGORIES, Recipe, RecipeLine, RecipeVersion
from .sales import (
                    RECALL_STATUSES,
                    RESERVATION_STATUSES,
                    Product,
                    ProductVariant,
                    Recall,
                    RecallLot,
                    Reservation,
                    Sale,
                    SaleConsumption,
                    Sku,
)
from .units import BASE_UNITS, DIMENSIONS, ItemUnitMapping, Unit
from .user import ApiToken, OneTimeToken, User

__all__ = [
    "ImportUpload",
    "AuditLog", "BillingEvent", "WhopEvent", "IdempotencyKey", "ALERT_TYPES", "Alert",
    "BATCH_STATUSES", "Batch", "BatchConsumption", "BatchLogEntry", "BatchOutput", "BatchTimer",
    "LINE_BASIS", "LINE_ROLES", "RECIPE_CATEGORIES", "Recipe", "RecipeLine", "RecipeVersion",
    "ApiToken", "BASE_UNITS", "DIMENSIONS", "GlobalItem", "ITEM_KINDS", "InventoryEvent", "InventoryItem",
    "InventoryLot", "ItemUnitMapping", "OneTimeToken", "Organization", "Permission", "Role", "Sequence",
    "SubscriptionTier", "Supplier", "Unit", "User", "role_permissions", "tier_permissions",
    "RECALL_STATUSES", "RESERVATION_STATUSES", "Product", "ProductVariant", "Recall", "RecallLot", "Reservation",
    "Sale", "SaleConsumption", "Sku",
    "AssistantRequest", "ShopConnection", "ShopOrder", "ShopOrderLine", "ShopWebhook",
    "LOCATION_KINDS", "TRANSFER_STATUSES", "Location", "Transfer",
    "DigestDelivery", "NotificationPreference",
    "JOB_STATUSES", "BackgroundJob",
    "OPEN_PO_STATUSES", "PO_STATUSES", "PurchaseOrder", "PurchaseOrderLine", "SupplierItem",
]
