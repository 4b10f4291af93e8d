"""All models, imported here so Alembic and the app see every table."""
from .inventory import ITEM_KINDS, GlobalItem, InventoryEvent, InventoryItem, InventoryLot, Sequence, Supplier
from .organization import Organization, Permission, Role, SubscriptionTier, role_permissions, tier_permissions
from .units import BASE_UNITS, DIMENSIONS, ItemUnitMapping, Unit
from .user import ApiToken, OneTimeToken, User

__all__ = [
    "ApiToken", "BASE_UNITS", "DIMENSIONS", "GlobalItem", "ITEM_KINDS", "InventoryEvent", "InventoryItem",
    "InventoryLot", "ItemUnitMapping", "OneTimeToken", "Organization", "Permission", "Role", "Sequence",
    "SubscriptionTier", "Supplier", "Unit", "User", "role_permissions", "tier_permissions",
]
