"""Organization administration: members and seats (members), invitations, roles and the permission
matrix (roles), organization settings (settings). The verbs below are the domain's API."""
from __future__ import annotations

from .invitations import accept_invite, cancel_invite, find_invite, invite_user, resend_invite
from .members import (
    UserLimitReached,
    change_user_role,
    deactivate_user,
    get_member,
    list_members,
    reactivate_user,
    seat_usage,
)
from .roles import (
    PERMISSION_DESCRIPTIONS,
    create_role,
    custom_roles_available,
    delete_role,
    get_role,
    list_roles,
    role_member_counts,
    tier_permission_names,
    update_role,
)
from .settings import CONSUMPTION_ORDERS, CURRENCIES, organization_summary, update_settings

__all__ = [
    "CONSUMPTION_ORDERS", "CURRENCIES", "PERMISSION_DESCRIPTIONS", "UserLimitReached", "accept_invite",
    "cancel_invite", "change_user_role", "find_invite", "create_role", "custom_roles_available",
    "deactivate_user", "delete_role", "get_member", "get_role", "invite_user", "list_members", "list_roles",
    "organization_summary", "reactivate_user", "resend_invite", "role_member_counts", "seat_usage",
    "tier_permission_names", "update_role", "update_settings",
]
