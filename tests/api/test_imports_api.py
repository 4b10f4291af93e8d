"""`POST /api/v1/imports/<kind>`: CSV as the raw body or a multipart `file`; dry_run reports and writes
nothing; a valid file → 201 with `created`; any problem → 422 validation_error with the row/column list."""
from __future__ import annotations

import io
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import InventoryItem, InventoryLot
from tests.factories import make_item

pytestmark = pytest.mark.usefixtures("reference_data")

STOCK = "Item,Quantity,Unit\nWax,2,kg\nWax,500,g\n"


def _lots(org):
    return db.session.scalar(select(func.count()).select_from(InventoryLot)
                             .where(InventoryLot.organization_id == org.id))


def _post(api, user, kind, text, query="", **kwargs):
    client = api(user)
    return client.client.post(f"/api/v1/imports/{kind}{query}", data=text, content_type="text/csv",
                              headers=client.headers, **kwargs)


def test_dry_run_reports_and_writes_nothing_then_the_import_writes_everything(api, org, owner):
    """dry_run → 200 report; then 201 with created; quantities converted."""
    wax = make_item(org, owner, name="Wax", unit="g")
    dry = _post(api, owner, "stock", STOCK, "?dry_run=true")
    assert dry.status_code == 200, dry.get_json()
    assert dry.get_json() == {"kind": "stock", "rows": 2, "valid": 2, "errors": []}
    assert _lots(org) == 0
    done = _post(api, owner, "stock", STOCK)
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["created"] == 2
    db.session.expire_all()
    assert db.session.get(InventoryItem, wax.id).quantity == Decimal("2500")


def test_a_bad_file_is_422_with_every_row_and_column(api, org, owner):
    """Unknown item and bad number → 422 validation_error, the errors list inside the API error shape."""
    make_item(org, owner, name="Wax", unit="g")
    response = _post(api, owner, "stock", "item,quantity\nWax,1\nGhost,1\nWax,abc\n")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error" and body["error"]["message"]
    expected = [{"row": 3, "column": "item"}, {"row": 4, "column": "quantity"}]
    assert [{"row": e["row"], "column": e["column"]} for e in body["error"]["errors"]] == expected
    assert all(e["message"] for e in body["error"]["errors"])
    assert set(body) == {"error"}
    assert _lots(org) == 0


def test_multipart_file_upload_works(api, org, owner):
    """The file may come as the multipart field `file`."""
    client = api(owner)
    data = {"file": (io.BytesIO(b"name,kind,unit\nSoy wax,ingredient,g\n"), "items.csv")}
    response = client.client.post("/api/v1/imports/items", data=data, content_type="multipart/form-data",
                                  headers=client.headers)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == 1
    assert db.session.scalar(select(InventoryItem.name).where(InventoryItem.organization_id == org.id)) == "Soy wax"


def test_viewer_is_403_unknown_kind_is_404(api, org, viewer, owner):
    """A viewer cannot import; an unknown kind is 404."""
    assert _post(api, viewer, "items", "name,kind,unit\nX,ingredient,g\n").status_code == 403
    assert _post(api, owner, "recipes", "name\nX\n").status_code == 404


def test_the_import_is_idempotent_with_a_key(api, org, owner):
    """The same Idempotency-Key and body answer the first response again and write once."""
    make_item(org, owner, name="Wax", unit="g")
    client = api(owner)
    headers = {**client.headers, "Idempotency-Key": "import-1"}
    first = client.client.post("/api/v1/imports/stock", data=STOCK, content_type="text/csv", headers=headers)
    again = client.client.post("/api/v1/imports/stock", data=STOCK, content_type="text/csv", headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _lots(org) == 2


def test_the_openapi_document_describes_csv_and_multipart_bodies(client):
    """The imports operations document a text/csv and a multipart requestBody."""
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/imports/stock"]["post"]
    assert {"text/csv", "multipart/form-data"} <= set(operation["requestBody"]["content"])


def test_a_sales_file_names_an_item_by_its_own_sku(api, org, owner):
    """API.md: an item's `sku` is its product's SKU code; a sales file's `sku` column finds it (it was
    'Unknown SKU code' unless a product SKU of that code existed); FIFO COGS as any sale."""
    from app.models import Sale
    from tests.factories import make_lot

    soap = make_item(org, owner, name="Lavender Soap", kind="product", unit="each")
    soap.sku = "soap-lav"
    db.session.commit()
    make_lot(org, soap, "5", "1.25")
    text = "SKU,quantity,unit_price,order_ref\nsoap-lav,2,9.5,IMP-1\nSOAP-LAV,1,9.5,IMP-2\n"
    dry = _post(api, owner, "sales", text, "?dry_run=true").get_json()
    assert [(e["row"], e["column"]) for e in dry["errors"]] == [(3, "sku")]  # exact code, as shop orders match
    response = _post(api, owner, "sales", text.splitlines()[0] + "\n" + text.splitlines()[1] + "\n")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["created"] == 1
    sale = db.session.scalar(select(Sale).where(Sale.organization_id == org.id))
    assert (sale.item_id, sale.quantity, sale.revenue, sale.cogs, sale.order_ref) == (
        soap.id, Decimal("2"), Decimal("19"), Decimal("2.5"), "IMP-1")


def test_a_row_with_two_problems_is_422_with_both(api, org, owner):
    """Issue 13: a bad number and an unknown unit on one row, an unknown item and a bad date on another → 422
    validation_error listing all four with their messages; nothing written, the good row neither."""
    make_item(org, owner, name="Wax", unit="g")
    response = _post(api, owner, "stock", "item,quantity,unit,received_at\nWax,1,g,\nWax,abc,parsecs,\n"
                                          "Ghost,1,g,someday\n")
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"]["code"] == "validation_error"
    assert body["error"]["errors"] == [
        {"row": 3, "column": "quantity", "message": "Enter a number."},
        {"row": 3, "column": "unit", "message": "Unknown unit “parsecs”."},
        {"row": 4, "column": "item", "message": "Unknown item “Ghost”."},
        {"row": 4, "column": "received_at", "message": "Enter a date as YYYY-MM-DD (e.g. 2026-03-14)."},
    ]
    assert _lots(org) == 0
