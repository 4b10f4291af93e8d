"""Factory functions make_<noun>(org, **overrides) for tests."""
from __future__ import annotations

import itertools

from app.extensions import bcrypt, db
from app.models import Organization, User
from app.services.reference import get_system_role, get_tier

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_HASH_CACHE: dict[str, str] = {}


def password_hash(password: str = PASSWORD) -> str:
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = bcrypt.generate_password_hash(password).decode()
    return _HASH_CACHE[password]


def make_org(name: str | None = None, tier: str = "team", **overrides) -> Organization:
    tier_row = get_tier(tier)
    org = Organization(name=name or f"Org {next(_counter)}", tier=tier_row,
                       billing_status="active" if tier_row.is_paid else "free", **overrides)
    db.session.add(org)
    db.session.commit()
    return org


def make_user(org: Organization | None, email: str | None = None, role: str = "maker",
              password: str = PASSWORD, **overrides) -> User:
    user = User(organization=org, email=email or f"user{next(_counter)}@example.test",
                role=get_system_role(role) if org is not None else None,
                password_hash=password_hash(password), **overrides)
    db.session.add(user)
    db.session.commit()
    return user


def make_developer(email: str = "dev@batchtrack.test", role: str = "admin") -> User:
    user = User(email=email, is_developer=True, developer_role=role, password_hash=password_hash())
    db.session.add(user)
    db.session.commit()
    return user
