"""The request's tenant: one resolver for pages, the JSON API and a developer's view-as.

`current_org()` is the organization this request acts on, decided once per request and cached on
`g.org`:

- an API request: the Bearer token's user's organization (`api_v1._authenticate_api_request`);
- a platform developer viewing an organization (view-as): that organization;
- a signed-in member: their organization;
- anyone else: none, and `current_org()` answers 404.

Blueprints and templates use this instead of `current_user.organization` (a developer has none;
tests/app/test_tenant_resolver.py fails the build if it comes back). Services never call it: they take
the organization explicitly.
"""
from __future__ import annotations

from flask import abort, g, has_app_context, has_request_context, request, session
from flask_login import current_user

VIEW_AS_KEY = "developer_view_as_org_id"  # the session key a developer's view-as keeps the organization id in


def _signed_in() -> bool:
    return bool(current_user and getattr(current_user, "is_authenticated", False))


def resolve_request_org() -> None:
    """Decide this request's organization once and cache it: g.org (or None) and g.view_as."""
    g.org = None
    g.view_as = False
    if request.endpoint == "static":  # assets never need the user: no database work for them
        return
    api_user = g.get("api_user")
    if api_user is not None:
        g.org = api_user.organization
        return
    if request.path.startswith("/api/") or not _signed_in():
        return  # an API request: api_v1 checks the Bearer token, sets g.api_user and calls this again
    if not current_user.is_developer:
        if session.get(VIEW_AS_KEY) is not None:  # a leftover view-as from a developer's session
            session.pop(VIEW_AS_KEY, None)
        g.org = current_user.organization
        return
    org_id = session.get(VIEW_AS_KEY)
    if org_id is None:
        return
    from .services import developer
    from .services.errors import NotFound

    try:
        g.org = developer.get_organization_for_view(current_user, org_id)
    except NotFound:  # the organization is gone: the view ends
        session.pop(VIEW_AS_KEY, None)
        return
    g.view_as = True


def find_current_org():
    """The request's organization, or None (for pages and helpers that also serve visitors)."""
    if not has_request_context():  # a CLI command or job rendering a template: whatever it set, if anything
        return g.get("org") if has_app_context() else None
    if "org" not in g:
        resolve_request_org()
    return g.org


def current_org():
    """The organization this request acts on; 404 when there is none."""
    org = find_current_org()
    if org is None:
        abort(404)
    return org


def current_actor():
    """Who acts: the API token's user on /api/v1, else the signed-in user (None for a visitor)."""
    api_user = g.get("api_user")
    if api_user is not None:
        return api_user
    return current_user._get_current_object() if _signed_in() else None


def is_viewing_as() -> bool:
    """True while a developer views an organization read-only."""
    find_current_org()
    return bool(g.get("view_as"))
