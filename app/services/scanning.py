"""What a scanned (or typed) code names in one organization: a lot (its label's QR code — the public lot URL — or
its lot code), a batch label, a SKU (its barcode or code), an item (its barcode, or a supplier's GS1 code whose GTIN
is the item's barcode), or nothing. Reads only; the Scan page and the receive form's scanner ask it where to go."""
from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from sqlalchemy import func

from ..extensions import db
from ..models import Batch, InventoryItem, InventoryLot, Product, ProductVariant, Sku
from . import tenancy
from .authz import authorize, has_permission
from .barcodes import equivalent_codes, normalize_barcode, parse_gs1
from .errors import NotFound, PermissionDenied, ValidationFailed
from .features import feature_enabled
from .text_search import contains
from .traceability import lookup_code

MAX_CODE = 500  # a label URL with its host, a GS1 string: anything longer is not a code
# The path of a lot's public page behind its label's QR code (app/blueprints/public: /l/<token>).
# The scheme may be left out when the printed link is typed ("batchtrack.example/l/…").
_LABEL_URL = re.compile(r"^(?:(?:https?://)?[^/\s]+)?(?:/[^\s]*)?/l/([A-Za-z0-9_-]{8,64})/?(?:[?#]\S*)?$")


@dataclass
class ScanResult:
    """kind: "lot" | "batch" | "sku" | "item" | "unknown". For a supplier's GS1 code, `supplier_lot_code` and
    `expires_on` are what it says about the delivery; `lots` are a batch's output lots."""

    kind: str
    code: str
    lot: InventoryLot | None = None
    item: InventoryItem | None = None
    sku: Sku | None = None
    batch: Batch | None = None
    lots: list[InventoryLot] = field(default_factory=list)
    supplier_lot_code: str | None = None
    expires_on: date | None = None
    via: str = ""  # how it matched: "label", "barcode", "gs1", "lot_code", "batch_label", "sku_code"
    message: str = ""

    @property
    def found(self) -> bool:
        return self.kind != "unknown"


def check_enabled(org) -> None:
    """PermissionDenied when the operator or the plan switched scanning off (feature flag `barcode_qr`)."""
    if not feature_enabled(org, "barcode_qr"):
        raise PermissionDenied("Scanning is switched off for this organization's plan.")


def resolve_code(org, actor, code) -> ScanResult:
    """What `code` names in `org` (never another organization's rows): a label URL → its lot; a GS1 code → the item
    or SKU of its GTIN with the supplier's lot and expiry; a SKU or item barcode (any GTIN spelling) → that SKU or
    item; a lot code, batch label or SKU code as the Trace lookup reads them. Unknown codes → kind "unknown"."""
    authorize(actor, org, "inventory.view")
    check_enabled(org)
    text = str(code or "").strip()
    if not text:
        raise ValidationFailed("Scan a code or type it in.", fields={"code": "Enter a code."})
    if len(text) > MAX_CODE:
        raise ValidationFailed("That is too long to be a code.", fields={"code": f"At most {MAX_CODE} characters."})
    label = _LABEL_URL.match(text)
    if label:
        lot = tenancy.find_for_org(InventoryLot, org, public_token=label.group(1))
        if lot is None:
            return ScanResult("unknown", text, via="label", message="This label is not one of your lots.")
        return ScanResult("lot", lot.code, lot=lot, item=_item(org, lot.item_id), via="label")
    gs1 = parse_gs1(text)
    if gs1 is not None:
        found = _by_barcode(org, gs1.gtin) if gs1.gtin else None
        found = found or ScanResult("unknown", gs1.gtin or text,
                                    message=f"No item or SKU has the barcode {gs1.gtin}." if gs1.gtin else
                                    "The code names no product (no GTIN).")
        return replace(found, supplier_lot_code=gs1.lot, expires_on=gs1.expires_on, via="gs1")
    try:
        barcode = normalize_barcode(text, "code")
    except ValidationFailed:
        barcode = None
    if barcode is not None:
        found = _by_barcode(org, barcode)
        if found is not None:
            return found
    if has_permission(actor, "traceability.view"):
        try:
            lookup = lookup_code(org, actor, text)
        except NotFound:
            lookup = None
        if lookup is not None:
            return _from_lookup(org, lookup)
    return ScanResult("unknown", barcode or text,
                      message=f"Nothing in your organization has the code {barcode or text}.")


@dataclass
class BarcodeTargets:
    """What a new barcode may go on: `skus` as (id, code, product name, variant name or None), `items` (not a SKU's
    stock: a SKU carries its own barcode) as (id, name); `more` when a list was cut at the limit."""

    skus: list[tuple] = field(default_factory=list)
    items: list[tuple] = field(default_factory=list)
    more: bool = False
    limit: int = 50


def barcode_targets(org, actor, search: str = "", *, limit: int = 50) -> BarcodeTargets:
    """Active SKUs (for a user who may edit products) and items (who may edit inventory) whose name or code
    contains `search` (all when blank), the first `limit` of each by code and name: two queries whatever the
    size of the catalogue."""
    authorize(actor, org, "inventory.view")
    text = str(search or "").strip()
    found = BarcodeTargets(limit=limit)
    if has_permission(actor, "products.edit"):
        stmt = (tenancy.scoped(Sku, org, Sku.id, Sku.code, Product.name, ProductVariant.name)
                .join(Product, Product.id == Sku.product_id)
                .outerjoin(ProductVariant, ProductVariant.id == Sku.variant_id)
                .where(Sku.archived_at.is_(None), Product.archived_at.is_(None)))
        if text:
            stmt = stmt.where(contains(text, Sku.code, Product.name, ProductVariant.name))
        found.skus = [tuple(row) for row in db.session.execute(stmt.order_by(Sku.code).limit(limit + 1))]
    if has_permission(actor, "inventory.edit"):
        stmt = tenancy.scoped(InventoryItem, org, InventoryItem.id, InventoryItem.name).where(
            InventoryItem.archived_at.is_(None), InventoryItem.id.not_in(tenancy.scoped(Sku, org, Sku.item_id)))
        if text:
            stmt = stmt.where(contains(text, InventoryItem.name))
        found.items = [tuple(row) for row in db.session.execute(
            stmt.order_by(func.lower(InventoryItem.name), InventoryItem.id).limit(limit + 1))]
    found.more = len(found.skus) > limit or len(found.items) > limit
    found.skus, found.items = found.skus[:limit], found.items[:limit]
    return found


def _by_barcode(org, code: str) -> ScanResult | None:
    """The SKU, else the item, whose barcode is `code` in any of its GTIN spellings; an item that backs a SKU is
    that SKU."""
    codes = equivalent_codes(code)
    sku = db.session.scalars(tenancy.scoped(Sku, org).where(Sku.barcode.in_(codes)).order_by(Sku.id).limit(1)).first()
    if sku is not None:
        return ScanResult("sku", sku.barcode, sku=sku, item=_item(org, sku.item_id), via="barcode")
    item = db.session.scalars(tenancy.scoped(InventoryItem, org).where(InventoryItem.barcode.in_(codes))
                              .order_by(InventoryItem.id).limit(1)).first()
    if item is None:
        return None
    sku = tenancy.find_for_org(Sku, org, item_id=item.id)
    if sku is not None:
        return ScanResult("sku", item.barcode, sku=sku, item=item, via="barcode")
    return ScanResult("item", item.barcode, item=item, via="barcode")


def _from_lookup(org, lookup) -> ScanResult:
    """The Trace lookup's answer (lot code, batch label, SKU code) as a scan result."""
    if lookup.kind == "lot":
        lot, item = lookup.lots[0]
        return ScanResult("lot", lot.code, lot=lot, item=item, via="lot_code")
    if lookup.kind == "batch":
        lots = lookup.found_lots
        return ScanResult("batch", lookup.code, batch=lookup.batch, lots=lots, via="batch_label",
                          lot=lots[0] if len(lots) == 1 else None, message=lookup.message)
    return ScanResult("sku", lookup.code, sku=lookup.sku, item=_item(org, lookup.sku.item_id), via="sku_code")


def _item(org, item_id: int) -> InventoryItem:
    return tenancy.get_for_org(InventoryItem, item_id, org)
