"""In a real browser: the Reorder page → Draft PO for the supplier → mark it sent → receive it (expiry, supplier
lot code) → the item's stock and cost are updated and the reorder suggestion is gone."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import InventoryItem, InventoryLot
from app.services import purchasing, tenancy
from app.services.inventory import deduct
from tests.factories import make_item, make_lot, make_supplier

from .conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]


def test_reorder_draft_send_receive(live_server, page, org, owner):
    supplier = make_supplier(org, name="Wax & Wick", lead_time_days=5)
    wax = make_item(org, name="Soy wax", unit="g", supplier_id=supplier.id)
    make_lot(org, wax, "3100", "0.01")
    deduct(org, owner, wax.id, "3000", change_type="use")  # 100 g left; point 550 g; suggested 3450 g
    purchasing.set_supplier_item(org, owner, supplier.id, wax.id, supplier_code="SOY-464", pack_size="2000",
                                 unit_price="0.0075")
    supplier_id, wax_id, email, org_id = supplier.id, wax.id, owner.email, org.id
    db.session.remove()  # the server thread shares the in-memory database: leave no transaction open here

    sign_in(page, live_server, email)

    page.goto(f"{live_server}/reorder")
    assert "4,000 g" in page.inner_text(f"[data-testid=order-quantity-{wax_id}]")  # 3450 → two packs of 2000
    page.click(f"[data-testid=draft-po-{supplier_id}]")
    page.wait_for_url(re.compile(r".*/purchase-orders/\d+$"))
    assert "draft" in page.inner_text("[data-testid=po-status]")
    assert "SOY-464" in page.inner_text("[data-testid=po-line-table]")
    screenshot(page, "purchasing-draft")

    page.click("[data-testid=po-send]")
    page.wait_for_url(re.compile(r".*/purchase-orders/\d+$"))
    assert "sent" in page.inner_text("[data-testid=po-status]")
    row = page.locator("[data-testid=receive-row]").first
    assert row.locator("input[name$=quantity]").input_value() == "4000"
    row.locator("input[name$=quantity]").fill("3000")
    row.locator("input[name$=expires_at]").fill("2027-05-31")
    row.locator("input[name$=supplier_lot_code]").fill("WW-2291")
    page.click("[data-testid=po-receive]")
    page.wait_for_url(re.compile(r".*/purchase-orders/\d+$"))
    assert "partially received" in page.inner_text("[data-testid=po-status]")
    assert "Received into stock" in page.inner_text("main")
    screenshot(page, "purchasing-received")

    page.click("[data-testid=po-receive]")  # the rest (1000 g, prefilled)
    page.wait_for_url(re.compile(r".*/purchase-orders/\d+$"))
    assert page.inner_text("[data-testid=po-status]").strip() == "received"

    page.goto(f"{live_server}/inventory/{wax_id}")
    assert "WW-2291" in page.inner_text("main")
    page.goto(f"{live_server}/reorder")
    assert f"order-quantity-{wax_id}" not in page.content()

    item = tenancy.get_for_org(InventoryItem, wax_id, org_id)
    assert item.quantity == Decimal("4100")
    lots = list(db.session.scalars(tenancy.scoped(InventoryLot, org_id).where(InventoryLot.item_id == wax_id)
                                   .order_by(InventoryLot.id)))
    assert [(lot.original_quantity, lot.unit_cost, lot.supplier_lot_code) for lot in lots] == [
        (Decimal("3100"), Decimal("0.01"), None), (Decimal("3000"), Decimal("0.0075"), "WW-2291"),
        (Decimal("1000"), Decimal("0.0075"), None)]
    db.session.remove()
