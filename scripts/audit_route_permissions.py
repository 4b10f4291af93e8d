#!/usr/bin/env python3
"""List every route with the permission it requires; exit 1 if a tenant route declares none.

A route declares its permission with app.blueprints.decorators.require_permission(...) (or
`signed_in` for a user's own account pages). Public routes are listed in PUBLIC below.
Run: python scripts/audit_route_permissions.py   (also run by tests/app/test_route_permissions.py)
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Endpoints anyone may open (no tenant data), or that authenticate in their own way.
PUBLIC = {
    "static", "main.index", "main.favicon", "auth.login", "auth.logout", "auth.signup", "auth.forgot_password",
    "auth.reset_password", "auth_api.create_token", "api-docs.openapi_json",
    "billing.pricing", "billing.stripe_webhook", "organization.accept_invite",
    "public.lot_page",  # a lot's label facts only, behind an unguessable token (the label's QR code)
    "integrations.shopify_webhook",  # verified by the shop's HMAC, behind an unguessable token
    "billing.whop_webhook",  # verified by the Standard Webhooks signature
    "auth.google_login", "auth.google_callback", "auth.google_signup", "auth.google_link",  # Google sign-in
}
# Blueprints that guard every route themselves (developer console: developers only, else 404).
SELF_GUARDED_BLUEPRINTS = {"developer"}


def audit(app) -> tuple[list[tuple[str, str, str]], list[str]]:
    from app.blueprints.decorators import required_permission

    rows, missing = [], []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        endpoint = rule.endpoint
        methods = ",".join(sorted(m for m in rule.methods if m not in ("HEAD", "OPTIONS")))
        permission = required_permission(app.view_functions[endpoint])
        blueprint = endpoint.split(".", 1)[0] if "." in endpoint else ""
        if permission is None and endpoint in PUBLIC:
            permission = "(public)"
        elif permission is None and blueprint in SELF_GUARDED_BLUEPRINTS:
            permission = f"({blueprint} only)"
        if permission is None:
            missing.append(f"{methods} {rule.rule} [{endpoint}]")
            permission = "MISSING"
        rows.append((rule.rule, methods, f"{permission}  [{endpoint}]"))
    return rows, missing


def main() -> int:
    os.environ.setdefault("FLASK_ENV", "testing")
    from app import create_app

    app = create_app("testing")
    rows, missing = audit(app)
    width = max(len(r[0]) for r in rows)
    for rule, methods, permission in rows:
        print(f"{rule:<{width}}  {methods:<16} {permission}")
    if missing:
        print(f"\n{len(missing)} tenant route(s) declare no permission:", file=sys.stderr)
        for line in missing:
            print(f"  {line}", file=sys.stderr)
        return 1
    print(f"\n{len(rows)} routes, every one declares its permission or is public.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
