"""Purchase orders through the services: numbering, editing drafts, sending, cancelling, receiving into lots
(exactly one lot and one restock ledger row per received quantity, at the line's cost), on-order quantities
in the reorder engine, supplier pack sizes, and the reorder-check job."""
from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func

from app.extensions import db
from app.models import Alert, InventoryEvent, InventoryLot
from app.services import control_tower, purchasing, tenancy
from app.services.errors import InvalidQuantity, InvalidState, NotFound, PermissionDenied, ValidationFailed
from app.services.inventory import deduct
from tests.factories import assert_invariants, make_item, make_lot, make_supplier

pytestmark = pytest.mark.usefixtures("reference_data")
D = Decimal


@pytest.fixture()
def setup(org, owner):
    supplier = make_supplier(org, name="Wax & Wick", lead_time_days=5)
    wax = make_item(org, name="Soy wax", unit="g", supplier_id=supplier.id)
    jar = make_item(org, name="Jar", unit="each", kind="container", supplier_id=supplier.id)
    return supplier, wax, jar


def _lots(org, item):
    return list(db.session.scalars(tenancy.scoped(InventoryLot, org).where(InventoryLot.item_id == item.id)
                                   .order_by(InventoryLot.id)))


def _events(org, item):
    return list(db.session.scalars(tenancy.scoped(InventoryEvent, org).where(InventoryEvent.item_id == item.id)
                                   .order_by(InventoryEvent.id)))


def _sent_order(org, owner, supplier, wax, jar):
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id, lines=[
        {"item_id": wax.id, "quantity": "2", "unit": "kg", "unit_cost": "9"},  # 2000 g at 0.009 per g
        {"item_id": jar.id, "quantity": "24", "unit_cost": "1.25"}])
    return purchasing.send_purchase_order(org, owner, order.id)


def test_numbers_are_per_organization_and_sequential(org, other_org, owner, other_owner, setup):
    """Are purchase-order numbers PO-<year>-0001, -0002 … per organization?"""
    supplier, wax, _ = setup
    year = datetime.now(timezone.utc).year
    first = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "1", "unit_cost": "1"}])
    second = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                              lines=[{"item_id": wax.id, "quantity": "1", "unit_cost": "1"}])
    theirs_supplier = make_supplier(other_org)
    theirs_item = make_item(other_org, unit="g")
    theirs = purchasing.create_purchase_order(other_org, other_owner, supplier_id=theirs_supplier.id,
                                              lines=[{"item_id": theirs_item.id, "quantity": "1", "unit_cost": "1"}])
    assert (first.number, second.number) == (f"PO-{year}-0001", f"PO-{year}-0002")
    assert theirs.number == f"PO-{year}-0001"
    assert first.status == "draft"


def test_lines_are_stored_in_the_item_unit_with_cost_per_item_unit(org, owner, setup):
    """Is a line of 2 kg at 9 per kg of an item stocked in g stored as 2000 g at 0.009 per g?"""
    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    wax_line, jar_line = order.lines
    assert (wax_line.quantity, wax_line.unit, wax_line.unit_cost) == (D("2000"), "g", D("0.009"))
    assert (jar_line.quantity, jar_line.unit, jar_line.unit_cost) == (D("24"), "each", D("1.25"))
    assert purchasing.order_total(order) == D("48")


def test_receiving_creates_exactly_its_lots_and_ledger_rows_at_the_line_cost(org, owner, setup):
    """Does receiving a whole order create one lot and one restock row per line, at the line's unit cost,
    with the expiry and supplier lot code given, and mark it received?"""
    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    wax_line, jar_line = order.lines
    received = purchasing.receive_purchase_order(org, owner, order.id, [
        {"line_id": wax_line.id, "quantity": "2000", "expires_at": "2027-06-30", "supplier_lot_code": "SW-778"},
        {"line_id": jar_line.id, "quantity": "24"}])
    assert received.status == "received" and received.received_at is not None
    (wax_lot,) = _lots(org, wax)
    (jar_lot,) = _lots(org, jar)
    assert (wax_lot.original_quantity, wax_lot.unit_cost, wax_lot.expires_on, wax_lot.supplier_lot_code,
            wax_lot.supplier_id) == (D("2000"), D("0.009"), date(2027, 6, 30), "SW-778", supplier.id)
    assert (jar_lot.original_quantity, jar_lot.unit_cost) == (D("24"), D("1.25"))
    (wax_event,) = _events(org, wax)
    (jar_event,) = _events(org, jar)
    assert (wax_event.change_type, wax_event.quantity, wax_event.unit_cost, wax_event.lot_id) == (
        "restock", D("2000"), D("0.009"), wax_lot.id)
    assert (jar_event.change_type, jar_event.quantity, jar_event.unit_cost) == ("restock", D("24"), D("1.25"))
    db.session.refresh(wax)
    assert wax.quantity == D("2000")
    assert_invariants(org)


def test_partial_receipt_is_partially_received_then_received(org, owner, setup):
    """Does receiving part of a line leave the order partially_received, and the rest complete it?"""
    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    wax_line, jar_line = order.lines
    order = purchasing.receive_purchase_order(org, owner, order.id, [{"line_id": wax_line.id, "quantity": "500"}])
    assert order.status == "partially_received"
    assert order.lines[0].received_quantity == D("500") and order.lines[0].open_quantity == D("1500")
    assert len(_lots(org, wax)) == 1 and _lots(org, jar) == []
    order = purchasing.receive_purchase_order(org, owner, order.id, [
        {"line_id": wax_line.id, "quantity": "1500"}, {"line_id": jar_line.id, "quantity": "24"}])
    assert order.status == "received"
    assert [lot.original_quantity for lot in _lots(org, wax)] == [D("500"), D("1500")]
    assert_invariants(org)


def test_receiving_more_than_is_open_is_refused_and_writes_nothing(org, owner, setup):
    """Is receiving more than a line's open quantity (also split over two entries) a 422 with nothing written?"""
    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    wax_line, jar_line = order.lines
    with pytest.raises(InvalidQuantity) as error:
        purchasing.receive_purchase_order(org, owner, order.id, [
            {"line_id": jar_line.id, "quantity": "24"}, {"line_id": wax_line.id, "quantity": "2000.5"}])
    assert error.value.status == 422 and "lines.1.quantity" in error.value.fields
    with pytest.raises(InvalidQuantity):
        purchasing.receive_purchase_order(org, owner, order.id, [
            {"line_id": wax_line.id, "quantity": "1500"}, {"line_id": wax_line.id, "quantity": "501"}])
    db.session.expire_all()
    assert _lots(org, wax) == [] and _lots(org, jar) == []
    assert purchasing.get_purchase_order(org, owner, order.id).status == "sent"


def test_receiving_a_draft_or_cancelled_order_is_invalid_state(org, owner, setup):
    """Is receiving a draft, or a cancelled order, a 409 invalid_state?"""
    supplier, wax, _ = setup
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "10", "unit_cost": "1"}])
    line_id = order.lines[0].id
    with pytest.raises(InvalidState) as error:
        purchasing.receive_purchase_order(org, owner, order.id, [{"line_id": line_id, "quantity": "1"}])
    assert error.value.status == 409 and error.value.code == "invalid_state"
    purchasing.cancel_purchase_order(org, owner, order.id)
    with pytest.raises(InvalidState):
        purchasing.receive_purchase_order(org, owner, order.id, [{"line_id": line_id, "quantity": "1"}])
    with pytest.raises(InvalidState):
        purchasing.send_purchase_order(org, owner, order.id)
    assert _lots(org, wax) == []


def test_a_receipt_that_fails_half_way_writes_nothing(org, owner, setup):
    """When the second entry of a receipt is refused by the inventory service (half a jar), is the first entry's
    lot rolled back too?"""
    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    wax_line, jar_line = order.lines
    with pytest.raises(InvalidQuantity) as error:
        purchasing.receive_purchase_order(org, owner, order.id, [
            {"line_id": wax_line.id, "quantity": "100"}, {"line_id": jar_line.id, "quantity": "1.5"}])
    assert "lines.1.quantity" in error.value.fields
    db.session.expire_all()
    assert _lots(org, wax) == [] and _events(org, wax) == []
    order = purchasing.get_purchase_order(org, owner, order.id)
    assert order.status == "sent" and order.lines[0].received_quantity == 0


def test_draft_lines_can_be_edited_and_sent_orders_cannot(org, owner, setup):
    """Can a draft's lines be changed, added and removed — and not once it is sent?"""
    supplier, wax, jar = setup
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "10", "unit_cost": "1"}])
    line_id = order.lines[0].id
    order = purchasing.update_purchase_order(org, owner, order.id, lines=[
        {"id": line_id, "item_id": wax.id, "quantity": "15", "unit_cost": "0.8"},
        {"item_id": jar.id, "quantity": "6", "unit_cost": "2"}], notes="Ask for the blue lids")
    assert [(line.id == line_id, line.quantity, line.unit_cost) for line in order.lines] == [
        (True, D("15"), D("0.8")), (False, D("6"), D("2"))]
    order = purchasing.update_purchase_order(org, owner, order.id, lines=[
        {"id": order.lines[1].id, "item_id": jar.id, "quantity": "6", "unit_cost": "2"}])
    assert [line.item_id for line in order.lines] == [jar.id]
    purchasing.send_purchase_order(org, owner, order.id)
    with pytest.raises(InvalidState):
        purchasing.update_purchase_order(org, owner, order.id, notes="too late")


def test_a_missing_unit_cost_takes_the_suppliers_price_else_is_refused(org, owner, setup):
    """Does a line without a unit cost take the supplier's price for the item, and is it refused without one?"""
    supplier, wax, jar = setup
    purchasing.set_supplier_item(org, owner, supplier.id, wax.id, supplier_code="SOY-464", pack_size="5000",
                                 unit_price="0.0072")
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "5000"}])
    assert order.lines[0].unit_cost == D("0.0072")
    with pytest.raises(ValidationFailed) as error:
        purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                         lines=[{"item_id": jar.id, "quantity": "5"}])
    assert "lines.0.unit_cost" in error.value.fields


def test_other_organizations_ids_are_not_found(org, other_org, owner, other_owner, setup):
    """Are another organization's order, supplier and item ids NotFound?"""
    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    theirs = make_supplier(other_org)
    for call in (lambda: purchasing.get_purchase_order(other_org, other_owner, order.id),
                 lambda: purchasing.send_purchase_order(other_org, other_owner, order.id),
                 lambda: purchasing.receive_purchase_order(other_org, other_owner, order.id,
                                                           [{"line_id": order.lines[0].id, "quantity": "1"}]),
                 lambda: purchasing.create_purchase_order(other_org, other_owner, supplier_id=supplier.id,
                                                          lines=[{"item_id": wax.id, "quantity": "1", "unit_cost": "1"}]),
                 lambda: purchasing.create_purchase_order(other_org, other_owner, supplier_id=theirs.id,
                                                          lines=[{"item_id": wax.id, "quantity": "1", "unit_cost": "1"}]),
                 lambda: purchasing.set_supplier_item(other_org, other_owner, theirs.id, wax.id)):
        with pytest.raises(NotFound):
            call()


def test_a_viewer_cannot_create_send_or_receive(org, owner, viewer, setup):
    """Can a viewer draft, send or receive an order? (No.)"""
    supplier, wax, jar = setup
    with pytest.raises(PermissionDenied):
        purchasing.create_purchase_order(org, viewer, supplier_id=supplier.id,
                                         lines=[{"item_id": wax.id, "quantity": "1", "unit_cost": "1"}])
    order = _sent_order(org, owner, supplier, wax, jar)
    with pytest.raises(PermissionDenied):
        purchasing.receive_purchase_order(org, viewer, order.id, [{"line_id": order.lines[0].id, "quantity": "1"}])
    with pytest.raises(PermissionDenied):
        purchasing.cancel_purchase_order(org, viewer, order.id)


# ---- on order, pack sizes, drafting from suggestions -----------------------------------------------------

def _used(org, owner, item, quantity, stock):
    """`stock` received, then `quantity` used (usage in the window), leaving stock − quantity."""
    make_lot(org, item, stock, "0.01")
    deduct(org, owner, item.id, quantity, change_type="use")


def test_open_order_quantities_count_as_on_order_in_suggestions(org, owner, setup):
    """Do sent and partially received orders' open quantities (not drafts, not cancelled) lower the reorder
    suggestion, and lift an item above its point once they cover it?"""
    supplier, wax, _ = setup
    _used(org, owner, wax, "3000", "3100")  # usage 3000 g / 30 days = 100 g a day; 100 g left
    # lead 5 (supplier) → point 100×5 + 50 = 550; suggested 550 + 100×30 − 100 = 3450
    (line,) = control_tower.list_reorder(org, owner)
    assert (line.reorder.reorder_point, line.reorder.suggested_quantity) == (D("550"), D("3450"))
    assert purchasing.on_order_by_item(org, [wax.id]) == {}

    draft = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "300", "unit_cost": "0.01"}])
    assert control_tower.list_reorder(org, owner)[0].reorder.on_order == 0  # a draft is not on order
    purchasing.send_purchase_order(org, owner, draft.id)
    (line,) = control_tower.list_reorder(org, owner)
    assert (line.reorder.on_order, line.reorder.suggested_quantity) == (D("300"), D("3150"))

    purchasing.receive_purchase_order(org, owner, draft.id, [{"line_id": draft.lines[0].id, "quantity": "100"}])
    assert purchasing.on_order_by_item(org, [wax.id]) == {wax.id: D("200")}
    (line,) = control_tower.list_reorder(org, owner)
    assert (line.reorder.available, line.reorder.on_order, line.reorder.suggested_quantity) == (
        D("200"), D("200"), D("3150"))

    big = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                           lines=[{"item_id": wax.id, "quantity": "400", "unit_cost": "0.01"}])
    purchasing.send_purchase_order(org, owner, big.id)  # 200 + 200 + 400 = 800 > 550: no longer below
    assert control_tower.list_reorder(org, owner) == []
    purchasing.cancel_purchase_order(org, owner, big.id)
    assert [line.item.id for line in control_tower.list_reorder(org, owner)] == [wax.id]


def test_sending_an_order_closes_the_below_reorder_alert(org, owner, setup):
    """Does sending an order that covers the shortfall close the item's below_reorder alert at once?"""
    supplier, wax, _ = setup
    _used(org, owner, wax, "3000", "3100")

    def open_alerts():
        db.session.expire_all()
        return db.session.scalar(tenancy.scoped(Alert, org, func.count(Alert.id)).where(
            Alert.type == "below_reorder", Alert.item_id == wax.id, Alert.closed_at.is_(None)))

    assert open_alerts() == 1
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "3450", "unit_cost": "0.01"}])
    purchasing.send_purchase_order(org, owner, order.id)
    assert open_alerts() == 0


def test_order_quantity_rounds_up_to_whole_packs_and_whole_counts(org, owner, setup):
    """Is a suggestion rounded up to the supplier's pack size (and to whole jars for a counted item)?"""
    _, wax, jar = setup
    assert purchasing.order_quantity(org, wax, D("3450"), D("5000")) == D("5000")
    assert purchasing.order_quantity(org, wax, D("5000.1"), D("5000")) == D("10000")
    assert purchasing.order_quantity(org, wax, D("12.3333333333"), None) == D("12.333334")
    assert purchasing.order_quantity(org, jar, D("7.2"), None) == D("8")
    assert purchasing.order_quantity(org, jar, D("7.2"), D("12")) == D("12")
    assert purchasing.order_quantity(org, jar, D("0"), D("12")) == D("0")


def test_draft_from_reorder_uses_pack_sizes_and_supplier_prices(org, owner, setup):
    """Does 'Draft PO' from the reorder suggestions make one line per item of that supplier below its point,
    rounded up to the pack size, at the supplier's price (else the item's average cost)?"""
    supplier, wax, jar = setup
    other = make_supplier(org, name="Elsewhere")
    lavender = make_item(org, name="Lavender oil", unit="g", supplier_id=other.id)
    _used(org, owner, wax, "3000", "3100")  # suggested 3450 g
    _used(org, owner, jar, "30", "31")  # 1 a day, 1 left: point 5 + 0.5 = 5.5; suggested 5.5 + 30 − 1 = 34.5
    _used(org, owner, lavender, "300", "310")
    purchasing.set_supplier_item(org, owner, supplier.id, wax.id, pack_size="5000", unit_price="0.007")
    order = purchasing.draft_purchase_order_from_reorder(org, owner, supplier.id)
    assert order.status == "draft" and order.supplier_id == supplier.id
    assert sorted((line.item_id, line.quantity, line.unit_cost) for line in order.lines) == sorted([
        (wax.id, D("5000"), D("0.007")), (jar.id, D("35"), D("0.01"))])
    nothing = make_supplier(org, name="Idle")
    with pytest.raises(ValidationFailed):
        purchasing.draft_purchase_order_from_reorder(org, owner, nothing.id)


def test_reorder_check_records_items_that_went_below_and_is_idempotent(org, other_org, owner, other_owner, setup):
    """Does the job open a below_reorder alert for an item that went below its point with no stock change since
    (a purchase order cancelled behind the alerts' back), and does a second run change nothing?"""
    from sqlalchemy import update

    from app.models import PurchaseOrder
    from app.services.control_tower.reorder_check import check_reorder_points

    supplier, wax, _ = setup
    _used(org, owner, wax, "3000", "3100")
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": wax.id, "quantity": "3450", "unit_cost": "0.01"}])
    purchasing.send_purchase_order(org, owner, order.id)
    db.session.execute(update(PurchaseOrder).where(PurchaseOrder.id == order.id).values(status="cancelled"))
    db.session.commit()  # no stock change: nothing re-evaluated the alerts yet

    def below_rows():
        db.session.expire_all()
        return list(db.session.scalars(tenancy.scoped(Alert, org).where(Alert.type == "below_reorder")))

    open_before = [row for row in below_rows() if row.closed_at is None]
    assert open_before == []
    first = check_reorder_points()
    assert (first.opened, first.below, first.failed) == (1, 1, [])
    assert first.organizations >= 2
    (row,) = [row for row in below_rows() if row.closed_at is None]
    assert row.item_id == wax.id
    second = check_reorder_points()
    assert (second.opened, second.closed, second.below) == (0, 0, 1)
    assert len([row for row in below_rows() if row.closed_at is None]) == 1


def test_the_reorder_check_command_runs_from_the_cli(app, org, owner, setup):
    """Does `flask jobs reorder-check` run, say what it recorded, and exit 0 (twice in a row)?"""
    _, wax, _ = setup
    _used(org, owner, wax, "3000", "3100")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["jobs", "reorder-check"])
    second = runner.invoke(args=["jobs", "reorder-check"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output
    assert "1 item(s) at or below their reorder point" in first.output
    assert "0 newly below, 0 back above" in second.output


def test_the_purchase_orders_export_has_a_row_per_line_with_what_is_still_to_arrive(org, other_org, owner,
                                                                                    other_owner, setup, client,
                                                                                    login):
    """Does purchase_orders.csv list every order's lines (cost, line total, received and open quantities; a
    cancelled order has nothing open), only this organization's, and is it linked from the orders page?"""
    import csv
    import io

    supplier, wax, jar = setup
    order = _sent_order(org, owner, supplier, wax, jar)
    wax_line = order.lines[0]
    purchasing.receive_purchase_order(org, owner, order.id, [{"line_id": wax_line.id, "quantity": "500"}])
    draft = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": jar.id, "quantity": "10", "unit_cost": "1"}])
    purchasing.cancel_purchase_order(org, owner, draft.id)
    theirs = make_supplier(other_org, name="Their supplier")
    their_item = make_item(other_org, name="Their wax", unit="g", supplier_id=theirs.id)
    purchasing.create_purchase_order(other_org, other_owner, supplier_id=theirs.id,
                                     lines=[{"item_id": their_item.id, "quantity": "1", "unit_cost": "1"}])
    rows = list(csv.DictReader(io.StringIO(control_tower.exports.export_csv(org, owner, "purchase_orders"))))
    assert [(r["po_number"], r["status"], r["item"]) for r in rows] == [
        (order.number, "partially_received", "Soy wax"), (order.number, "partially_received", "Jar"),
        (draft.number, "cancelled", "Jar")]
    wax_row, jar_row, cancelled = rows
    assert (wax_row["quantity"], wax_row["unit"], wax_row["unit_cost"]) == ("2000", "g", "0.009")
    assert (wax_row["line_total"], wax_row["received_quantity"], wax_row["open_quantity"]) == ("18", "500", "1500")
    assert (jar_row["line_total"], jar_row["open_quantity"]) == ("30", "24")
    assert cancelled["open_quantity"] == "0" and cancelled["supplier"] == "Wax & Wick"
    assert wax_row["sent_at"] and not cancelled["sent_at"]
    login(owner)
    assert 'data-testid="export-purchase-orders"' in client.get("/purchase-orders").get_data(as_text=True)
    response = client.get("/exports/purchase_orders.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.get_data(as_text=True).count("\r\n") == 4  # the header and three lines
