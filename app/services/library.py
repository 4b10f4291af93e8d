"""The global ingredient library: curated reference entries every organization can link items to."""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from sqlalchemy import func, select

from ..extensions import db
from ..models import GlobalItem
from .base import unit_of_work
from .errors import NotFound
from .pagination import Page, paginate
from .tenancy import parse_id
from .text_search import contains

LIBRARY_FILE = Path(__file__).resolve().parent.parent / "seeds" / "data" / "global_library.json"


def _decimal(value) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


@unit_of_work
def seed_library(path: str | Path | None = None) -> int:
    """Create or update every library entry from the JSON file, matched by name (idempotent)."""
    entries = json.loads(Path(path or LIBRARY_FILE).read_text(encoding="utf-8"))
    existing = {item.name: item for item in db.session.scalars(select(GlobalItem))}
    for entry in entries:
        item = existing.get(entry["name"])
        if item is None:
            item = GlobalItem(name=entry["name"])
            db.session.add(item)
            existing[item.name] = item
        item.inci = entry.get("inci") or None
        item.category = entry.get("category") or "other"
        item.kind = entry.get("kind") or "ingredient"
        item.default_unit = entry.get("default_unit") or "g"
        item.density = _decimal(entry.get("density_g_per_ml"))
        item.shelf_life_days = entry.get("shelf_life_days")
        item.sap_naoh = _decimal(entry.get("sap_naoh"))
        item.sap_koh = _decimal(entry.get("sap_koh"))
        # {} is a known profile with none of the soap fatty acids (beeswax: SoapCalc counts it as zeros)
        fatty_acids = entry.get("fatty_acids")
        item.fatty_acids = dict(fatty_acids) if isinstance(fatty_acids, dict) else None
        item.iodine = _decimal(entry.get("iodine"))
        item.ins = _decimal(entry.get("ins"))
        item.source = entry.get("source") or None
        item.allergens = list(entry.get("allergens") or [])
        item.capacity = _decimal(entry.get("capacity"))
        item.capacity_unit = entry.get("capacity_unit") or None
    return len(entries)


def list_library(q=None, category=None, page=1, per_page=50, *, kind=None) -> Page:
    """A page of library entries by name, searchable by name or INCI name, filterable by category."""
    filters = []
    if q and str(q).strip():
        filters.append(contains(q, GlobalItem.name, GlobalItem.inci))
    if category:
        filters.append(GlobalItem.category == category)
    if kind:
        filters.append(GlobalItem.kind == kind)
    stmt = select(GlobalItem).where(*filters).order_by(func.lower(GlobalItem.name), GlobalItem.id)
    count = select(func.count(GlobalItem.id)).where(*filters)
    return paginate(stmt, count, page, per_page)


def list_categories() -> list[str]:
    """The library's categories, alphabetically."""
    return list(db.session.scalars(select(GlobalItem.category).distinct().order_by(GlobalItem.category)))


def get_library_item(global_item_id) -> GlobalItem:
    """One library entry, or NotFound."""
    entry_id = parse_id(global_item_id)  # junk, or beyond a 32-bit id (a driver overflow): names no entry
    entry = db.session.get(GlobalItem, entry_id) if entry_id is not None else None
    if entry is None:
        raise NotFound("Library entry not found.")
    return entry
