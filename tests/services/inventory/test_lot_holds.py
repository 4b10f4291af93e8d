"""A lot's cure / hold can be released or moved (audited in the ledger, page and API), and every shortfall
message names the lots on hold that keep stock back (sales, deductions, batch starts, stock checks)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryEvent, InventoryLot
from app.services import batches, inventory, recipes, reservations, tenancy
from app.services.errors import InsufficientStock, InvalidState, NotFound, PermissionDenied, ValidationFailed
from app.services.inventory import stock_check
from app.services.timezones import org_today

from ...factories import assert_invariants, make_item, make_lot, make_sale
from ...helpers import csrf_token

pytestmark = pytest.mark.usefixtures("reference_data")



@pytest.fixture()
def curing(org):
    """12 bars curing for another 10 days: nothing usable yet."""
    bar = make_item(org, name="Castile Bar", kind="product", unit="each")
    until = org_today(org) + timedelta(days=10)
    lot = make_lot(org, bar, "12", "1.5", hold_until=until)
    return bar, lot, until


def _hold_events(org, lot_id):
    db.session.expire_all()
    return list(db.session.scalars(tenancy.scoped(InventoryEvent, org).where(
        InventoryEvent.lot_id == lot_id, InventoryEvent.change_type == "hold").order_by(InventoryEvent.id)))


# ---- release / change ------------------------------------------------------------------------------

def test_a_hold_can_be_moved_and_released_and_the_ledger_says_so(org, owner, curing):
    """Can an owner move a cure date and then release it, each change a zero-quantity `hold` ledger event?"""
    bar, lot, until = curing
    sooner = until - timedelta(days=5)
    inventory.set_lot_hold(org, owner, lot.id, sooner.isoformat())
    assert db.session.get(InventoryLot, lot.id).hold_until == sooner
    assert stock_check.available_quantity(org, bar) == Decimal(0)
    inventory.set_lot_hold(org, owner, lot.id, None)
    assert db.session.get(InventoryLot, lot.id).hold_until is None
    assert stock_check.available_quantity(org, bar) == Decimal(12)
    events = _hold_events(org, lot.id)
    assert [e.quantity for e in events] == [Decimal(0), Decimal(0)]
    assert f"from {until.isoformat()} to {sooner.isoformat()}" in events[0].notes
    assert "Hold released" in events[1].notes and events[1].user_id == owner.id
    assert all(e.code.startswith("HLD-") for e in events)
    assert_invariants(org)
    with pytest.raises(InvalidState):
        inventory.reverse_event(org, owner, events[0].id)


def test_holds_need_adjust_permission_and_stay_in_the_organization(org, viewer, other_org, other_owner, curing):
    """Is a viewer refused, another organization's lot a 404, and a bad date a field error?"""
    _, lot, until = curing
    with pytest.raises(PermissionDenied):
        inventory.set_lot_hold(org, viewer, lot.id, None)
    with pytest.raises(NotFound):
        inventory.set_lot_hold(other_org, other_owner, lot.id, None)
    assert db.session.get(InventoryLot, lot.id).hold_until == until
    assert _hold_events(org, lot.id) == []


def test_bad_hold_date_is_a_field_error(org, owner, curing):
    _, lot, _ = curing
    with pytest.raises(ValidationFailed) as err:
        inventory.set_lot_hold(org, owner, lot.id, "next tuesday")
    assert "hold_until" in err.value.fields


def test_release_from_the_item_page(client, org, owner, login, curing):
    """Does the item page offer a confirmed "Release hold" per held lot, and does posting it release the lot?"""
    bar, lot, until = curing
    login(owner)
    page = client.get(f"/inventory/{bar.id}").get_data(as_text=True)
    assert f'data-testid="lot-hold-{lot.code}"' in page and "Release hold" in page and "data-confirm" in page
    token = csrf_token(client, f"/inventory/{bar.id}")
    response = client.post(f"/inventory/lots/{lot.id}/hold", data={"csrf_token": token, "action": "release"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/inventory/{bar.id}#lots")
    assert db.session.get(InventoryLot, lot.id).hold_until is None
    page = client.get(f"/inventory/{bar.id}").get_data(as_text=True)
    assert f"Released the hold on lot {lot.code}" in page and "Hold released" in page  # flash + ledger row
    later = until + timedelta(days=1)
    response = client.post(f"/inventory/lots/{lot.id}/hold",
                           data={"csrf_token": token, "action": "set", "hold_until": later.isoformat()})
    assert response.status_code == 302 and db.session.get(InventoryLot, lot.id).hold_until == later


def test_a_viewer_cannot_release_from_the_page(client, org, viewer, login, curing):
    bar, lot, until = curing
    login(viewer)
    assert "Release hold" not in client.get(f"/inventory/{bar.id}").get_data(as_text=True)
    token = csrf_token(client, "/trace")
    response = client.post(f"/inventory/lots/{lot.id}/hold", data={"csrf_token": token, "action": "release"})
    assert response.status_code == 403 and db.session.get(InventoryLot, lot.id).hold_until == until


def test_hold_api(org, owner, viewer, api, curing):
    """Does POST /api/v1/lots/<code>/hold move or release the hold, answering the Lot, with 4xx on bad input?"""
    _, lot, until = curing
    client = api(owner)
    later = until + timedelta(days=3)
    response = client.post(f"/api/v1/lots/{lot.code}/hold", json={"hold_until": later.isoformat()})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["hold_until"] == later.isoformat() and body["status"] == "on_hold" and body["code"] == lot.code
    response = client.post(f"/api/v1/lots/{lot.code}/hold", json={"hold_until": None})
    assert response.status_code == 200 and response.get_json()["status"] == "active"
    assert response.get_json()["hold_until"] is None
    assert client.post(f"/api/v1/lots/{lot.code}/hold", json={"hold_until": "soon"}).status_code == 422
    assert client.post(f"/api/v1/lots/{lot.code}/hold", json={}).status_code == 422
    assert client.post("/api/v1/lots/NOPE-1/hold", json={"hold_until": None}).status_code == 404
    assert api(viewer).post(f"/api/v1/lots/{lot.code}/hold", json={"hold_until": None}).status_code == 403


# ---- shortfall messages name the hold ---------------------------------------------------------------

def _named(lot, until) -> str:
    return f"lot {lot.code} (12 each) is curing until {until.isoformat()}"


def test_a_sale_shortfall_names_the_curing_lot(org, owner, curing):
    """Does selling a curing product say which lot is curing and until when, not just "0 each available"?"""
    bar, lot, until = curing
    with pytest.raises(InsufficientStock) as err:
        make_sale(org, owner, bar, "1")
    assert _named(lot, until) in err.value.message
    assert "only 0 each available" in err.value.message
    with pytest.raises(InsufficientStock) as err:
        reservations.create_reservation(org, owner, item_id=bar.id, quantity="1", order_ref="A-1")
    assert _named(lot, until) in err.value.message


def test_deductions_and_batch_starts_name_the_hold(org, owner, curing):
    """Do a deduction, a multi-line deduction and a batch start all name the held lot?"""
    bar, lot, until = curing
    with pytest.raises(InsufficientStock) as err:
        inventory.deduct(org, owner, bar.id, "3", change_type="gift")
    assert _named(lot, until) in err.value.message and _named(lot, until) in err.value.fields["Castile Bar"]
    with pytest.raises(InsufficientStock) as err:
        inventory.deduct_many(org, owner, [(bar.id, "1", None)], change_type="use")
    assert _named(lot, until) in err.value.message
    assert err.value.shortages[0]["held"] == _named(lot, until)
    gift_box = make_item(org, name="Gift Box", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Gift Set", yield_quantity="1", yield_unit="each",
                                   output_item_id=gift_box.id,
                                   lines=[{"item_id": bar.id, "quantity": "2", "unit": "each"}])
    with pytest.raises(InsufficientStock) as err:
        batches.start_batch(org, owner, recipe.id, "1")
    assert _named(lot, until) in err.value.message
    check = stock_check.check_stock(org, owner, [(bar.id, "2", "each")])
    assert not check.ok and check.lines[0].held == _named(lot, until)


def test_a_recall_hold_is_named_with_its_reason(org, owner):
    bar = make_item(org, name="Tallow Bar", kind="product", unit="each")
    lot = make_lot(org, bar, "4", "1", hold_reason="Supplier recall")
    with pytest.raises(InsufficientStock) as err:
        inventory.deduct(org, owner, bar.id, "1", change_type="use")
    assert f"lot {lot.code} (4 each) is on hold: Supplier recall" in err.value.message


def test_the_batch_page_and_stock_check_show_the_hold(client, org, owner, login, curing):
    bar, lot, until = curing
    gift_box = make_item(org, name="Gift Box", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Gift Set", yield_quantity="1", yield_unit="each",
                                   output_item_id=gift_box.id,
                                   lines=[{"item_id": bar.id, "quantity": "2", "unit": "each"}])
    login(owner)
    html = client.get(f"/recipes/{recipe.id}/stock-check?scale=1").get_data(as_text=True)
    assert 'data-testid="held-lots"' in html and _named(lot, until) in html
