"""CLI: init-production, seeders, orgs create, create-developer, seed-users."""
from __future__ import annotations

from sqlalchemy import func, select

from app.models import Organization, Permission, SubscriptionTier, User


def test_init_production_is_idempotent_and_creates_no_user(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["init-production"])
    second = runner.invoke(args=["init-production"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert db.session.scalar(select(func.count(User.id))) == 0
    assert db.session.scalar(select(func.count(SubscriptionTier.id))) == 4
    names = set(db.session.scalars(select(Permission.name)))
    assert {"inventory.adjust", "billing.manage"} <= names


def test_orgs_create_prints_the_id_and_the_owner_can_sign_in(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["orgs", "create", "--name", "Acme Candles", "--owner-email", "boss@acme.test",
                                 "--password", "long-enough-pw", "--tier", "enterprise"])
    assert result.exit_code == 0, result.output
    org = db.session.get(Organization, int(result.output.strip()))
    assert org.name == "Acme Candles" and org.tier.key == "enterprise" and org.billing_status == "active"
    owner = db.session.scalar(select(User).where(User.email == "boss@acme.test"))
    assert owner.organization_id == org.id and owner.role.key == "owner"


def test_orgs_create_is_all_or_nothing(app, db):
    runner = app.test_cli_runner()
    bad_tier = runner.invoke(args=["orgs", "create", "--name", "X", "--owner-email", "x@x.test",
                                   "--password", "long-enough-pw", "--tier", "platinum"])
    assert bad_tier.exit_code != 0 and "Unknown tier" in bad_tier.output
    short_pw = runner.invoke(args=["orgs", "create", "--name", "X", "--owner-email", "x@x.test",
                                   "--password", "short"])
    assert short_pw.exit_code != 0
    assert db.session.scalar(select(func.count(Organization.id))) == 0
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_seed_users_prints_a_random_password_that_works(app, db):
    from app.services import accounts

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-users"])
    assert result.exit_code == 0, result.output
    password = result.output.split("password ")[-1].strip()
    assert len(password) >= 12
    demo_owner = accounts.authenticate("demo@batchtrack.local", password)
    assert demo_owner.organization is not None
    from app.models import Batch, InventoryItem
    from app.services import tenancy

    from ..factories import assert_invariants

    org = demo_owner.organization
    assert db.session.scalar(tenancy.scoped(InventoryItem, org, func.count(InventoryItem.id))) == 6
    (batch,) = db.session.scalars(tenancy.scoped(Batch, org))
    assert batch.status == "completed" and batch.input_cost > 0
    assert_invariants(org)
    again = runner.invoke(args=["seed-users", "--reset-password"])
    new_password = again.output.split("password ")[-1].strip()
    assert new_password != password
    assert accounts.authenticate("demo@batchtrack.local", new_password)


def test_create_developer(app, db):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-developer", "--email", "dev@platform.test", "--role", "support"])
    assert result.exit_code == 0, result.output
    dev = db.session.scalar(select(User).where(User.email == "dev@platform.test"))
    assert dev.is_developer and dev.organization_id is None and dev.developer_role == "support"
    assert "Password: " in result.output
