"""Stock check: availability net of expired and held lots (and reservations), shortfalls per line."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.services import inventory, units
from app.services.errors import InvalidQuantity, MissingDensity, NotFound, PermissionDenied, UnknownUnit
from app.services.inventory import stock_check

from ...factories import make_lot, make_org, make_user

pytestmark = pytest.mark.usefixtures("reference_data")

D = Decimal
TODAY = datetime.now(timezone.utc).date()



def test_available_excludes_expired_and_held_lots(org, owner):
    """Is `available` only what can be used now — not expired, cured-hold or recalled lots?"""
    item = inventory.create_item(org, owner, name="Tallow", kind="ingredient", unit="g")
    make_lot(org, item, "10", "1", expires_on=TODAY - timedelta(days=1))
    make_lot(org, item, "20", "1", expires_on=TODAY)
    make_lot(org, item, "40", "1", hold_until=TODAY + timedelta(days=1))  # cured by tomorrow: on hold today
    make_lot(org, item, "80", "1", hold_until=TODAY)  # cured by today: usable today
    make_lot(org, item, "160", "1", hold_reason="recall")
    item = inventory.get_item(org, owner, item.id)
    assert item.quantity == D("310")
    assert stock_check.available_quantity(org, item) == D("100")
    assert stock_check.reserved_quantities(org, [item.id]) == {item.id: D(0)}
    later = datetime.now(timezone.utc) + timedelta(days=2)
    assert stock_check.available_quantity(org, item, now=later) == D("120")


def test_check_stock_converts_and_reports_shortfalls(org, owner, viewer):
    """Are needs converted into each item's unit, added up per item, with the shortfall per line?"""
    oil = inventory.create_item(org, owner, name="Olive Oil", kind="ingredient", unit="g", density="0.9")
    lye = inventory.create_item(org, owner, name="Lye", kind="ingredient", unit="kg")
    make_lot(org, oil, "900", "0.01")
    make_lot(org, lye, "0.1", "5")
    check = stock_check.check_stock(org, viewer, [(oil.id, "1", "L"), (lye.id, "150", "g")])
    assert not check.ok
    first, second = check.lines
    assert (first.needed, first.available, first.unit, first.ok, first.shortfall) == (D("900"), D("900"), "g", True, 0)
    assert (second.needed, second.available, second.unit, second.ok, second.shortfall) == (
        D("0.15"), D("0.1"), "kg", False, D("0.05"))
    repeated = stock_check.check_stock(org, viewer, [(oil.id, "500", "g"), (oil.id, "500", "g")])
    assert [line.ok for line in repeated.lines] == [True, False]
    assert repeated.lines[1].shortfall == D("100")
    assert stock_check.check_stock(org, viewer, [(oil.id, "0.5", "kg")]).ok


def test_check_stock_errors_are_typed(org, owner):
    water = inventory.create_item(org, owner, name="Water", kind="ingredient", unit="mL")
    with pytest.raises(MissingDensity):
        stock_check.check_stock(org, owner, [(water.id, "1", "kg")])
    with pytest.raises(UnknownUnit):
        stock_check.check_stock(org, owner, [(water.id, "1", "hogshead")])
    with pytest.raises(InvalidQuantity):
        stock_check.check_stock(org, owner, [(water.id, "-1", "mL")])
    stranger_org = make_org("Elsewhere")
    with pytest.raises(NotFound):
        stock_check.check_stock(stranger_org, make_user(stranger_org, role="owner"), [(water.id, "1", "mL")])
    assert units.convert(org, "1", "L", "mL") == D("1000")


def test_check_stock_needs_view_permission(org, owner):
    from app.extensions import db
    from app.models import Role

    nobody = Role(organization_id=org.id, key="nobody", name="Nobody")
    db.session.add(nobody)
    db.session.commit()
    user = make_user(org, role="viewer")
    user.role = nobody
    db.session.commit()
    with pytest.raises(PermissionDenied):
        stock_check.check_stock(org, user, [])
