"""Concurrency: simultaneous deductions of the same stock never oversell, lose updates or deadlock."""
from __future__ import annotations

import threading
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Organization, User
from app.services import inventory
from app.services.errors import InsufficientStock

from ...conftest import IS_POSTGRES
from ...factories import assert_invariants, make_lot

pytestmark = [pytest.mark.skipif(not IS_POSTGRES, reason="needs PostgreSQL row locks: set TEST_DATABASE_URL"),
              pytest.mark.usefixtures("reference_data")]

THREADS = 8



def _run_threads(app, org_id, user_id, work):
    """Run work(org, user, thread_number) in THREADS threads, each with its own app context and session."""
    barrier = threading.Barrier(THREADS)
    outcomes, errors = [], []

    def runner(number):
        with app.app_context():
            try:
                org = db.session.get(Organization, org_id)
                user = db.session.get(User, user_id)
                db.session.commit()
                barrier.wait(timeout=30)
                for _ in range(5):
                    try:
                        work(org, user, number)
                        outcomes.append("ok")
                    except InsufficientStock:
                        outcomes.append("short")
            except Exception as exc:  # anything else is a failure of the locking
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=runner, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return outcomes, errors


def test_eight_threads_deducting_one_item_never_oversell(app, org, owner):
    """Do 8 concurrent deducers of the same item take exactly the stock there is, no more, no errors?"""
    item = inventory.create_item(org, owner, name="Coconut Oil", kind="ingredient", unit="g")
    for _ in range(4):
        make_lot(org, item, "25", "0.1")
    outcomes, errors = _run_threads(app, org.id, owner.id, lambda o, u, n: inventory.deduct(
        o, u, item.id, "3", change_type="use"))
    assert errors == []
    assert outcomes.count("ok") == 33 and outcomes.count("short") == THREADS * 5 - 33
    db.session.expire_all()
    assert inventory.get_item(org, owner, item.id).quantity == Decimal("1")
    assert_invariants(org)


def test_multi_item_deductions_in_opposite_orders_do_not_deadlock(app, org, owner):
    """Do batch-style deductions naming the same two items in opposite orders all finish without deadlock?"""
    a = inventory.create_item(org, owner, name="Shea", kind="ingredient", unit="g")
    b = inventory.create_item(org, owner, name="Cocoa", kind="ingredient", unit="g")
    make_lot(org, a, "100", "1")
    make_lot(org, b, "100", "2")

    def work(o, u, number):
        needs = [(a.id, "2", "g"), (b.id, "2", "g")]
        inventory.deduct_many(o, u, needs if number % 2 else list(reversed(needs)), change_type="batch")

    outcomes, errors = _run_threads(app, org.id, owner.id, work)
    assert errors == [] and outcomes.count("ok") == THREADS * 5
    db.session.expire_all()
    assert inventory.get_item(org, owner, a.id).quantity == inventory.get_item(org, owner, b.id).quantity == Decimal("20")
    assert_invariants(org)
