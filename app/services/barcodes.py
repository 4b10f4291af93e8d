"""Barcodes on items and SKUs: one normal form (no spaces, blank → none), one per organization across both, the
GTIN spellings a scanner may give for the same code (UPC-A 12 digits, EAN-13, GTIN-14), and GS1 element strings
(a supplier's GS1-128 / DataMatrix: GTIN, lot, expiry)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from ..extensions import db
from ..models import InventoryItem, Sku
from . import tenancy
from .errors import ValidationFailed

MAX_LENGTH = 64
GTIN_LENGTHS = (8, 12, 13, 14)
GROUP_SEPARATOR = "\x1d"  # FNC1 inside a GS1 code, as decoders report it
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Symbology identifiers some scanners put in front of GS1 data: GS1-128, GS1 DataMatrix, GS1 QR.
_GS1_PREFIXES = ("]C1", "]d2", "]Q3", "]e0")
# The application identifiers read here: (fixed length, or None when variable up to the limit).
_AI = {"00": (18, None), "01": (14, None), "02": (14, None), "10": (None, 20), "11": (6, None), "13": (6, None),
       "15": (6, None), "16": (6, None), "17": (6, None), "21": (None, 20), "30": (None, 8), "37": (None, 8)}
_BRACKETED = re.compile(r"\((\d{2,4})\)([^()]*)")


def normalize_barcode(value, field: str = "barcode") -> str | None:
    """A barcode as stored: every space removed, None when blank; ValidationFailed when too long or unreadable."""
    text = _SPACE.sub("", value if isinstance(value, str) else ("" if value is None else str(value)))
    if not text:
        return None
    if _CONTROL.search(text):
        raise ValidationFailed("A barcode cannot contain control characters.",
                               fields={field: "Letters, digits and symbols only."})
    if len(text) > MAX_LENGTH:
        raise ValidationFailed(f"A barcode has at most {MAX_LENGTH} characters.",
                               fields={field: f"At most {MAX_LENGTH} characters."})
    return text


def checked_barcode(org, value, *, item_id: int | None = None, sku_id: int | None = None,
                    field: str = "barcode") -> str | None:
    """The normalised barcode, when no other item or SKU of the organization carries it in any of its GTIN
    spellings (a scan of one spelling finds them all; an item and the SKU it backs may share one);
    ValidationFailed naming `field` otherwise."""
    code = normalize_barcode(value, field)
    if code is None:
        return None
    codes = equivalent_codes(code)
    skus = tenancy.scoped(Sku, org).where(Sku.barcode.in_(codes))
    if sku_id is not None:
        skus = skus.where(Sku.id != sku_id)
    if item_id is not None:
        skus = skus.where(Sku.item_id != item_id)
    sku = db.session.scalars(skus.order_by(Sku.id).limit(1)).first()
    if sku is not None:
        message = f"Barcode {sku.barcode} is already on SKU {sku.code}."
        raise ValidationFailed(message, fields={field: message})
    own_item = None if sku_id is None else db.session.scalar(
        tenancy.scoped(Sku, org, Sku.item_id).where(Sku.id == sku_id))
    items = tenancy.scoped(InventoryItem, org).where(InventoryItem.barcode.in_(codes))
    for excluded in (item_id, own_item):
        if excluded is not None:
            items = items.where(InventoryItem.id != excluded)
    item = db.session.scalars(items.order_by(InventoryItem.id).limit(1)).first()
    if item is not None:
        message = f"Barcode {item.barcode} is already on the item {item.name}."
        raise ValidationFailed(message, fields={field: message})
    return code


def equivalent_codes(code: str) -> list[str]:
    """The spellings of one code a scanner may report: a GTIN as 12, 13 or 14 digits (UPC-A 036000291452 is EAN-13
    0036000291452 is GTIN-14 00036000291452); any other code only as itself."""
    if not code.isdigit() or len(code) not in GTIN_LENGTHS:
        return [code]
    gtin = code.zfill(14)
    found = [code]
    for length in (14, 13, 12, 8):
        head, tail = gtin[:-length], gtin[-length:]
        if set(head) <= {"0"} and tail not in found:
            found.append(tail)
    return found


@dataclass
class GS1Data:
    """What a supplier's GS1 code says: the product's GTIN, the lot (batch) and the expiry date, when present."""

    gtin: str | None = None
    lot: str | None = None
    expires_on: date | None = None


def parse_gs1(raw: str) -> GS1Data | None:
    """GS1 element strings, from a decoder ("]C1" prefix or FNC1 separators) or as printed ("(01)…(10)…");
    None when the text is not one (a plain barcode or lot code)."""
    text = str(raw or "").strip()
    if not text:
        return None
    elements: dict[str, str] = {}
    if text.startswith("(") and _BRACKETED.match(text):
        elements = {ai: value for ai, value in _BRACKETED.findall(text)}
    else:
        prefixed = text.startswith(_GS1_PREFIXES)
        if prefixed:
            text = text[3:]
        if not (prefixed or GROUP_SEPARATOR in text):
            return None
        elements = _split_elements(text.lstrip(GROUP_SEPARATOR))
        if elements is None:
            return None
    if not elements or not ({"01", "02", "10", "17"} & set(elements)):
        return None
    gtin = elements.get("01") or elements.get("02")
    if gtin is not None and not (gtin.isdigit() and len(gtin) == 14):
        return None
    lot = (elements.get("10") or "").strip() or None
    return GS1Data(gtin=gtin, lot=lot[:80] if lot else None, expires_on=_gs1_date(elements.get("17")))


def _split_elements(text: str) -> dict[str, str] | None:
    """Element strings in their compact form; None at an identifier this reader does not know."""
    found: dict[str, str] = {}
    position = 0
    while position < len(text):
        ai = text[position:position + 2]
        if ai not in _AI:
            return None
        fixed, limit = _AI[ai]
        start = position + 2
        if fixed is not None:
            end = start + fixed
            if end > len(text):
                return None
            found[ai] = text[start:end]
            position = end + (1 if text[end:end + 1] == GROUP_SEPARATOR else 0)
        else:
            stop = text.find(GROUP_SEPARATOR, start)
            end = len(text) if stop < 0 else stop
            if end - start > limit:
                return None
            found[ai] = text[start:end]
            position = end + 1
    return found


def _gs1_date(value: str | None) -> date | None:
    """YYMMDD (day 00: the month's last day); years 00–49 are 20xx, 50–99 are 19xx."""
    if not value or not value.isdigit() or len(value) != 6:
        return None
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:])
    if int(value[:2]) >= 50:
        year -= 100
    try:
        if day == 0:
            following = date(year + (month == 12), month % 12 + 1, 1)
            return date.fromordinal(following.toordinal() - 1)
        return date(year, month, day)
    except ValueError:
        return None
