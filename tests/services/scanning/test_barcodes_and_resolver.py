"""Barcodes on items and SKUs (normal form, unique per organization) and what a scanned code opens
(services.barcodes, services.scanning)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import InventoryItem, Sku
from app.services import inventory, products, scanning
from app.services.barcodes import equivalent_codes, normalize_barcode, parse_gs1
from app.services.errors import NotFound, ValidationFailed

from ...factories import finished_batch, make_item, make_lot, make_sku, make_user

pytestmark = pytest.mark.usefixtures("reference_data")


def test_barcode_is_stored_without_spaces_and_blank_is_none(org, owner):
    """Is a typed barcode stored without its spaces, and a blank one as no barcode at all?"""
    item = make_item(org, owner, name="Shea butter", barcode=" 5 012345 678900 ")
    assert item.barcode == "5012345678900"
    item = inventory.update_item(org, owner, item.id, barcode="   ")
    assert item.barcode is None
    sku = make_sku(org, owner, barcode="")
    assert sku.barcode is None
    assert normalize_barcode("\t") is None
    with pytest.raises(ValidationFailed) as error:
        normalize_barcode("1" * 65)
    assert "barcode" in error.value.fields


def test_duplicate_barcode_in_one_organization_is_refused_on_the_field(org, owner):
    """Does a second item or SKU with the same barcode fail with a message on the barcode field?"""
    make_item(org, owner, name="Shea butter", barcode="5012345678900")
    with pytest.raises(ValidationFailed) as error:
        make_item(org, owner, name="Cocoa butter", barcode="5012345678900")
    assert "Shea butter" in error.value.fields["barcode"]
    with pytest.raises(ValidationFailed) as error:
        make_sku(org, owner, barcode="5 012345 678900")
    assert "Shea butter" in error.value.fields["barcode"]
    sku = make_sku(org, owner, barcode="0036000291452")
    with pytest.raises(ValidationFailed) as error:
        make_item(org, owner, name="Beeswax", barcode="0036000291452")
    assert sku.code in error.value.fields["barcode"]
    other = make_sku(org, owner)
    with pytest.raises(ValidationFailed):
        products.update_sku(org, owner, other.id, barcode="0036000291452")
    # saving a record with its own barcode is no conflict
    assert products.update_sku(org, owner, sku.id, barcode="0036000291452").barcode == "0036000291452"
    db.session.rollback()


def test_another_gtin_spelling_of_a_taken_barcode_is_refused(org, owner):
    """UPC-A 036000291452, EAN-13 0036000291452 and GTIN-14 00036000291452 are one code to a scanner: may a
    second SKU or item take another spelling of it? (It may not: its scans would open the first one.)"""
    first = make_sku(org, owner, barcode="036000291452")
    with pytest.raises(ValidationFailed) as error:
        make_sku(org, owner, barcode="0036000291452")
    assert first.code in error.value.fields["barcode"]
    with pytest.raises(ValidationFailed) as error:
        make_item(org, owner, name="Beeswax", barcode="00036000291452")
    assert first.code in error.value.fields["barcode"]
    item = make_item(org, owner, name="Shea butter", barcode="5012345678900")
    other = make_sku(org, owner)
    with pytest.raises(ValidationFailed) as error:
        products.update_sku(org, owner, other.id, barcode="05012345678900")
    assert "Shea butter" in error.value.fields["barcode"]
    # its own record in another spelling is no conflict
    assert inventory.update_item(org, owner, item.id, barcode="05012345678900").barcode == "05012345678900"
    assert products.update_sku(org, owner, first.id, barcode="0036000291452").barcode == "0036000291452"
    db.session.rollback()


def test_same_barcode_in_two_organizations_is_fine(org, owner, other_org, other_owner):
    """May two organizations put the same barcode on their own items and SKUs?"""
    mine = make_item(org, owner, name="Shea butter", barcode="5012345678900")
    theirs = make_item(other_org, other_owner, name="Shea butter", barcode="5012345678900")
    assert mine.barcode == theirs.barcode
    assert make_sku(org, owner, barcode="0036000291452").barcode == make_sku(
        other_org, other_owner, barcode="0036000291452").barcode


def test_database_keeps_barcodes_unique_per_organization_and_allows_many_blanks(org, other_org):
    """Does the schema itself refuse a duplicate barcode in one organization, while allowing many items without
    one and the same barcode in another organization?"""
    make_item(org, name="A")
    make_item(org, name="B")  # two NULL barcodes
    make_item(org, name="C", barcode="123")
    make_item(other_org, name="C", barcode="123")
    with pytest.raises(IntegrityError):
        make_item(org, name="D", barcode="123")
    db.session.rollback()
    assert {c.name for c in InventoryItem.__table__.constraints} >= {"uq_inventory_items_org_barcode"}
    assert {c.name for c in Sku.__table__.constraints} >= {"uq_skus_org_barcode"}


def test_an_item_and_the_sku_it_backs_may_share_a_barcode(org, owner):
    """Can the product item behind a SKU carry the SKU's own barcode (and a scan still opens the SKU)?"""
    sku = make_sku(org, owner, barcode="0036000291452")
    item = inventory.update_item(org, owner, sku.item_id, barcode="0036000291452")
    assert item.barcode == "0036000291452"
    found = scanning.resolve_code(org, owner, "0036000291452")
    assert (found.kind, found.sku.id) == ("sku", sku.id)


def test_gtin_spellings_match_the_same_product():
    """Do UPC-A, EAN-13 and GTIN-14 spellings of one code count as the same barcode for a scan?"""
    assert set(equivalent_codes("036000291452")) == {"036000291452", "0036000291452", "00036000291452"}
    assert equivalent_codes("ABC-1") == ["ABC-1"]
    assert "5012345678900" in equivalent_codes("05012345678900")


def test_gs1_codes_give_gtin_lot_and_expiry():
    """Are a supplier's GS1 element strings read for the product, its lot and expiry date?"""
    data = parse_gs1("]C1010501234567890017270531" + "10" + "LOT-A7")
    assert (data.gtin, data.lot, data.expires_on) == ("05012345678900", "LOT-A7", date(2027, 5, 31))
    data = parse_gs1("01050123456789001022B114\x1d17261200")
    assert (data.lot, data.expires_on) == ("22B114", date(2026, 12, 31))
    data = parse_gs1("(01)05012345678900(10)X9")
    assert (data.gtin, data.lot) == ("05012345678900", "X9")
    assert parse_gs1("5012345678900") is None
    assert parse_gs1("LOT-000042") is None


def test_resolver_finds_label_lot_sku_item_batch_and_says_unknown(org, owner):
    """Does each kind of code open what it names: a label URL its lot, a barcode its SKU or item, a lot code its
    lot, a batch label its output lot, a SKU code its SKU; and an unknown code nothing?"""
    made = finished_batch(org, owner)
    lot = made["output_lot"]
    found = scanning.resolve_code(org, owner, f"https://batchtrack.example/l/{lot.public_token}")
    assert (found.kind, found.lot.id, found.via) == ("lot", lot.id, "label")
    products.update_sku(org, owner, made["sku"].id, barcode="036000291452")
    found = scanning.resolve_code(org, owner, "0036000291452")  # the EAN-13 spelling of the UPC-A
    assert (found.kind, found.sku.id) == ("sku", made["sku"].id)
    inventory.update_item(org, owner, made["oil"].id, barcode="5012345678900")
    found = scanning.resolve_code(org, owner, "5012345678900")
    assert (found.kind, found.item.id) == ("item", made["oil"].id)
    found = scanning.resolve_code(org, owner, made["oil_lot"].code.lower())
    assert (found.kind, found.lot.id) == ("lot", made["oil_lot"].id)
    found = scanning.resolve_code(org, owner, made["batch"].label)
    assert (found.kind, found.batch.id, found.lot.id) == ("batch", made["batch"].id, lot.id)
    found = scanning.resolve_code(org, owner, made["sku"].code)
    assert (found.kind, found.sku.id, found.via) == ("sku", made["sku"].id, "sku_code")
    found = scanning.resolve_code(org, owner, "9999999999994")
    assert not found.found and "9999999999994" in found.message
    with pytest.raises(ValidationFailed):
        scanning.resolve_code(org, owner, "  ")


def test_gs1_code_of_a_known_item_gives_its_lot(org, owner):
    """Does a supplier's GS1 code whose GTIN is an item's barcode name that item with the lot and expiry?"""
    oil = make_item(org, owner, name="Olive oil", barcode="5012345678900")
    found = scanning.resolve_code(org, owner, "]C1010501234567890017270531" + "10" + "OO-22")
    assert (found.kind, found.item.id, found.supplier_lot_code, found.expires_on) == (
        "item", oil.id, "OO-22", date(2027, 5, 31))
    found = scanning.resolve_code(org, owner, "]C101099999999999971022X")
    assert not found.found and found.supplier_lot_code == "22X"


def test_another_organizations_codes_are_not_found(org, owner, other_org, other_owner):
    """Do another organization's labels, lot codes and barcodes resolve to nothing here?"""
    theirs = make_item(other_org, other_owner, name="Their oil", barcode="5012345678900")
    their_lot = make_lot(other_org, theirs, "5", "1", code="THEIR-LOT-1")
    for code in (f"http://localhost/l/{their_lot.public_token}", "THEIR-LOT-1", "5012345678900"):
        found = scanning.resolve_code(org, owner, code)
        assert not found.found, code
        assert found.lot is None and found.item is None


def test_scanning_needs_a_member_of_the_organization(org, other_org):
    """Is resolving another organization's codes refused to an outsider (as not found)?"""
    outsider = make_user(other_org, role="owner")
    with pytest.raises(NotFound):
        scanning.resolve_code(org, outsider, "X")
