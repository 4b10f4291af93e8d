"""All models, imported here so Alembic and the app see every table."""
from .organization import Organization, Permission, Role, SubscriptionTier, role_permissions, tier_permissions
from .user import ApiToken, OneTimeToken, User

__all__ = [
    "ApiToken",
    "OneTimeToken",
    "Organization",
    "Permission",
    "Role",
    "SubscriptionTier",
    "User",
    "role_permissions",
    "tier_permissions",
]
