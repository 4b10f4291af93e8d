"""Route decorators. The service still authorizes; these give the nicer 403 page / JSON error and
declare each route's permission for scripts/audit_route_permissions.py."""
from __future__ import annotations

import functools

from flask import render_template
from flask_login import current_user, login_required

from ..services.authz import has_permission
from ..web import is_api_request, json_error

PERMISSION_ATTR = "_required_permission"


def require_permission(permission: str):
    """Signed in (pages) or token-authenticated (API) and holding `permission`, else 403."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if is_api_request():
                from flask import g

                user = getattr(g, "api_user", None)
                if not has_permission(user, permission):
                    return json_error(403, "forbidden", f"Your role does not allow this ({permission}).")
                return view(*args, **kwargs)
            if not has_permission(current_user, permission):
                message = f"Your role does not allow this ({permission}). Ask an owner or manager for access."
                return render_template("errors/403.html", status=403, message=message), 403
            return view(*args, **kwargs)

        setattr(wrapper, PERMISSION_ATTR, permission)
        return wrapper if is_api_view(view) else login_required(wrapper)

    return decorator


def signed_in(view):
    """Any signed-in member: their own account pages and the dashboard every role may see."""
    wrapped = login_required(view)
    setattr(wrapped, PERMISSION_ATTR, "account")
    return wrapped


def is_api_view(view) -> bool:
    """Is this view function a JSON API endpoint (as opposed to a page)?"""
    return view.__module__.endswith(".api")


def required_permission(view) -> str | None:
    """The permission a view function declares (following functools.wraps chains)."""
    seen = 0
    while view is not None and seen < 20:
        permission = getattr(view, PERMISSION_ATTR, None)
        if permission:
            return permission
        view = getattr(view, "__wrapped__", None)
        seen += 1
    return None
