"""The CSV import page: choose a kind, download its template, upload → a validation report before anything is
written → confirm → every row in one transaction; uploads are the uploader's own (another organization's → 404)."""
from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import ImportUpload, InventoryEvent, InventoryItem, InventoryLot
from app.models.types import utcnow
from app.services import tenancy
from app.services.imports import uploads
from tests.factories import assert_invariants, make_item, make_supplier
from tests.helpers import csrf_token, post_form

pytestmark = pytest.mark.usefixtures("reference_data")


def _count(model, org):
    return db.session.scalar(select(func.count()).select_from(model).where(model.organization_id == org.id))


def _upload(client, kind: str, text: str, name: str = "file.csv"):
    return post_form(client, "/imports", {"kind": kind, "file": (io.BytesIO(text.encode()), name)},
                     content_type="multipart/form-data")


def _problems(html: str) -> set[tuple[int, str]]:
    table = html.split('data-testid="import-problems"', 1)[1].split("</table>", 1)[0]
    return {(int(row), column) for row, column in
            re.findall(r'<td class="num" data-label="Row">(\d+)</td><td><code>([^<]+)</code></td>', table)}


def test_the_page_offers_each_kind_its_template_and_help(client, org, owner, login):
    """Does the page list the three kinds with a downloadable template and a column help table each?"""
    login(owner)
    html = client.get("/imports?kind=stock").get_data(as_text=True)
    for kind in ("items", "stock", "sales"):
        assert f'data-testid="template-{kind}"' in html and f'data-testid="help-{kind}"' in html
    assert '<details open data-testid="help-stock">' in html
    assert "YYYY-MM-DD" in html and "dozen" in html
    response = client.get("/imports/template.csv?kind=stock")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    header = response.get_data(as_text=True).splitlines()[0]
    assert header == "item,quantity,unit,unit_cost,received_at,expires_at,supplier_lot_code,location"
    assert client.get("/imports/template.csv?kind=recipes").status_code == 404


def test_the_report_and_the_column_help_are_cards_on_a_phone(client, org, owner, login):
    """The problems and the column help are tables that become labelled cards below 768 px (the help's narrow
    columns cut "Required" and "shelf_life_days" inside their letters at 390 px)."""
    login(owner)
    html = _upload(client, "items", "name,kind,unit\nSoap,ingredient,bushel\n").get_data(as_text=True)
    assert '<table class="striped compact cards" data-testid="import-problems">' in html
    assert '<td class="num" data-label="Row">2</td>' in html
    assert html.count('<table class="striped compact cards">') == 3  # one help table per kind


def test_the_inventory_page_links_to_the_import(client, org, owner, login):
    """Is the import page reachable from the (empty) inventory page?"""
    login(owner)
    assert 'href="/imports' in client.get("/inventory").get_data(as_text=True)


def test_a_bad_stock_file_writes_nothing_and_reports_each_row_and_column(client, org, owner, login):
    """Bad number, unknown unit and unknown item: each on the report with its row and column; nothing written."""
    make_item(org, owner, name="Soy wax", unit="g")
    login(owner)
    text = ("item,quantity,unit\n"
            "Soy wax,100,g\n"
            "Soy wax,lots,g\n"
            "Soy wax,1,furlongs\n"
            "Ghost wax,1,g\n")
    response = _upload(client, "stock", text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _problems(html) == {(3, "quantity"), (4, "unit"), (5, "item")}
    assert "nothing was imported" in html and "Ghost wax" in html
    assert _count(InventoryLot, org) == 0 and _count(ImportUpload, org) == 0


def test_every_problem_of_a_row_is_on_the_report(client, org, owner, login):
    """Issue 13: a bad number and an unknown unit on one row, a taken name and a bad density on an items row: the
    report lists both problems of each row with their messages; nothing is written or kept."""
    make_item(org, owner, name="Soy wax", unit="g")
    login(owner)
    response = _upload(client, "stock", "item,quantity,unit\nSoy wax,100,g\nSoy wax,lots,furlongs\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert _problems(html) == {(3, "quantity"), (3, "unit")}
    assert "Enter a number." in html and "Unknown unit “furlongs”." in html
    response = _upload(client, "items", "name,kind,unit,density\nsoy wax,ingredient,g,heavy\n")
    assert response.status_code == 422
    assert _problems(response.get_data(as_text=True)) == {(2, "name"), (2, "density")}
    assert _count(InventoryLot, org) == 0 and _count(InventoryItem, org) == 1 and _count(ImportUpload, org) == 0


def test_a_file_missing_a_column_is_reported_on_the_header_row(client, org, owner, login):
    login(owner)
    response = _upload(client, "items", "name,unit\nSoy wax,g\n")
    assert response.status_code == 422
    assert _problems(response.get_data(as_text=True)) == {(1, "kind")}
    assert _count(InventoryItem, org) == 0


def test_no_file_is_a_form_error(client, org, owner, login):
    login(owner)
    response = post_form(client, "/imports", {"kind": "items"}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Choose a CSV file" in response.get_data(as_text=True)


def test_a_good_items_file_is_checked_then_confirmed_and_written(client, org, owner, login):
    """Upload → the confirmation page (nothing written yet) → confirm → every item, then a success page."""
    make_supplier(org, name="Wax & Wick")
    login(owner)
    text = "name,kind,unit,reorder_point,supplier\nSoy wax,ingredient,g,500,wax & wick\nJar,container,each,,\n"
    response = _upload(client, "items", text, "my items.csv")
    assert response.status_code == 303
    detail = response.headers["Location"]
    assert _count(InventoryItem, org) == 0
    html = client.get(detail).get_data(as_text=True)
    assert "2 rows ready to import" in html and "Soy wax" in html
    response = post_form(client, f"{detail}/confirm", {}, form_url=detail)
    assert response.status_code == 303
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 items from my items.csv" in html and 'data-testid="import-target"' in html
    assert '<h2 class="h-section" data-testid="import-done-heading">Imported 2 items</h2>' in html  # not "items rows"
    names = set(db.session.scalars(tenancy.scoped(InventoryItem, org, InventoryItem.name)))
    assert names == {"Soy wax", "Jar"}
    again = post_form(client, f"{detail}/confirm", {}, form_url=detail)
    assert again.status_code == 409 and _count(InventoryItem, org) == 2  # never twice


def test_a_spreadsheet_file_with_semicolons_is_read_like_commas(client, org, owner, login):
    """A spreadsheet saved as CSV where the decimal mark is a comma separates values by semicolons (BOM and CRLF
    too): its columns are read, its preview shows them, and it imports; its comma decimals read as decimals."""
    login(owner)
    text = "\ufeffname;kind;unit;reorder_point\r\nSoy wax;ingredient;g;500\r\n\"Oil; extra\";ingredient;mL;\r\n\r\n"
    response = _upload(client, "items", text, "from excel.csv")
    assert response.status_code == 303
    detail = response.headers["Location"]
    html = client.get(detail).get_data(as_text=True)
    assert "2 rows ready to import" in html and "<th>reorder_point</th>" in html and ">Oil; extra</td>" in html
    post_form(client, f"{detail}/confirm", {}, form_url=detail)
    assert set(db.session.scalars(tenancy.scoped(InventoryItem, org, InventoryItem.name))) == {"Soy wax", "Oil; extra"}
    response = _upload(client, "items", "name;kind;unit;density\nShea;ingredient;g;0,92\n")
    assert response.status_code == 303
    post_form(client, f"{response.headers['Location']}/confirm", {}, form_url=response.headers["Location"])
    shea = db.session.scalar(tenancy.scoped(InventoryItem, org).where(InventoryItem.name == "Shea"))
    assert shea.density == Decimal("0.92")


def test_the_preview_numbers_rows_as_the_file_and_the_report_do(client, org, owner, login):
    """A blank line after the header: the preview's first row is row 3, as a problem on it would be reported."""
    login(owner)
    detail = _upload(client, "items", "name,kind,unit\n\nSoy wax,ingredient,g\n,,\nJar,container,each\n")
    html = client.get(detail.headers["Location"]).get_data(as_text=True)
    table = html.split('data-testid="preview-table"', 1)[1].split("</table>", 1)[0]
    assert re.findall(r'<td class="num" data-label="Row">(\d+)</td><td data-label="name">([^<]+)</td>', table) == [("3", "Soy wax"), ("5", "Jar")]


def test_a_good_stock_file_restocks_every_row(client, org, owner, login):
    wax = make_item(org, owner, name="Soy wax", unit="g")
    login(owner)
    response = _upload(client, "stock", "item,quantity,unit,unit_cost\nSoy wax,2,kg,10\nsoy wax,500,g,0.01\n")
    detail = response.headers["Location"]
    response = post_form(client, f"{detail}/confirm", {}, form_url=detail)
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(InventoryItem, wax.id).quantity == Decimal("2500")
    assert _count(InventoryLot, org) == 2 and _count(InventoryEvent, org) == 2
    assert_invariants(org)


def test_a_file_that_stops_validating_before_the_confirmation_writes_nothing(client, org, owner, login):
    """The item is archived between the check and the confirmation: the report again, nothing written."""
    from app.services.inventory import archive_item

    wax = make_item(org, owner, name="Soy wax", unit="g")
    login(owner)
    detail = _upload(client, "stock", "item,quantity\nSoy wax,5\n").headers["Location"]
    archive_item(org, owner, wax.id)
    response = post_form(client, f"{detail}/confirm", {}, form_url=detail)
    assert response.status_code == 422 and _problems(response.get_data(as_text=True)) == {(2, "item")}
    assert _count(InventoryLot, org) == 0


def test_another_organizations_upload_is_a_404(client, org, owner, other_owner, login):
    login(owner)
    detail = _upload(client, "items", "name,kind,unit\nSoy wax,ingredient,g\n").headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/imports")})
    login(other_owner)
    assert client.get(detail).status_code == 404
    token = csrf_token(client, "/imports")
    assert client.post(f"{detail}/confirm", data={"csrf_token": token}).status_code == 404
    assert client.post(f"{detail}/discard", data={"csrf_token": token}).status_code == 404
    assert _count(InventoryItem, org) == 0 and _count(ImportUpload, org) == 1


def test_discard_and_day_old_uploads_are_gone(client, org, owner, login):
    login(owner)
    detail = _upload(client, "items", "name,kind,unit\nSoy wax,ingredient,g\n").headers["Location"]
    assert post_form(client, f"{detail}/discard", {}, form_url=detail).status_code == 303
    assert client.get(detail).status_code == 404
    detail = _upload(client, "items", "name,kind,unit\nSoy wax,ingredient,g\n").headers["Location"]
    stale = db.session.scalars(tenancy.scoped(ImportUpload, org)).one()
    stale.created_at = utcnow() - timedelta(days=2)
    db.session.commit()
    assert client.get(detail).status_code == 404
    _upload(client, "items", "name,kind,unit\nJar,container,each\n")
    assert _count(ImportUpload, org) == 1  # the stale one was purged


def test_a_big_file_is_imported_by_a_background_job(client, org, owner, login, monkeypatch):
    """Above the threshold the confirmation starts an "import" job (inline without Redis) and shows its page."""
    monkeypatch.setattr(uploads, "BACKGROUND_ABOVE", 2)
    login(owner)
    text = "name,kind,unit\n" + "".join(f"Oil {n},ingredient,g\n" for n in range(3))
    detail = _upload(client, "items", text).headers["Location"]
    response = post_form(client, f"{detail}/confirm", {}, form_url=detail)
    assert response.status_code == 303 and "/jobs/" in response.headers["Location"]
    assert _count(InventoryItem, org) == 3 and _count(ImportUpload, org) == 0
    assert client.get(response.headers["Location"]).status_code == 200


def test_a_viewer_cannot_open_or_post_the_import(client, org, viewer, login):
    login(viewer)
    assert client.get("/imports").status_code == 403
    token = csrf_token(client, "/settings")
    assert client.post("/imports", data={"csrf_token": token, "kind": "items"}).status_code == 403


def test_a_read_only_organization_cannot_import(client, org, owner, login):
    login(owner)
    org.billing_status = "read_only"
    db.session.commit()
    response = _upload(client, "items", "name,kind,unit\nSoy wax,ingredient,g\n")
    assert response.status_code == 402 and "read-only" in response.get_data(as_text=True)
    assert _count(InventoryItem, org) == 0 and _count(ImportUpload, org) == 0


def test_an_upload_is_its_uploaders_own(client, org, owner, login):
    """Another member of the same organization (a manager, who may import) cannot open or confirm it."""
    from tests.factories import make_user

    manager = make_user(org, role="manager", email="manager@juniper.test")
    login(owner)
    detail = _upload(client, "items", "name,kind,unit\nSoy wax,ingredient,g\n").headers["Location"]
    client.post("/logout", data={"csrf_token": csrf_token(client, "/imports")})
    login(manager)
    assert client.get(detail).status_code == 404
    assert post_form(client, f"{detail}/confirm", {}, form_url="/imports").status_code == 404
    assert _count(InventoryItem, org) == 0


@pytest.mark.parametrize(("permissions", "shown"), [(["sales.view", "sales.import"], True),
                                                    (["inventory.view", "inventory.import"], True),
                                                    (["inventory.view", "sales.view"], False)])
def test_the_menu_leads_to_the_import_page_for_anyone_who_may_import_some_kind(client, org, login, permissions,
                                                                               shown):
    """A role that may import only sales still finds Import in the menu; one that may import nothing does not."""
    from app.models import Permission, Role
    from tests.factories import make_user

    role = Role(organization_id=org.id, key="custom", name="Custom",
                permissions=list(db.session.scalars(select(Permission).where(Permission.name.in_(permissions)))))
    db.session.add(role)
    member = make_user(org, role="maker", email="member@juniper.test")
    member.role = role
    db.session.commit()
    login(member)
    html = client.get("/dashboard").get_data(as_text=True)
    assert ('href="/imports"' in html) is shown
    assert client.get("/imports").status_code == (200 if shown else 403)
