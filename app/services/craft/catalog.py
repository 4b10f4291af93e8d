"""Library entries the calculator pages offer (reference data: one query per list, no tenant rows)."""
from __future__ import annotations

from sqlalchemy import func, select

from ...extensions import db
from ...models import GlobalItem

ADDITIVE_CATEGORIES = ("essential_oil", "fragrance_oil", "additive", "clay", "colorant", "sugar", "liquid")
LOTION_CATEGORIES = ("oil", "butter", "wax", "liquid", "emulsifier", "emollient", "preservative", "essential_oil",
                     "fragrance_oil", "additive")


def _names(*filters) -> list[GlobalItem]:
    return list(db.session.scalars(select(GlobalItem).where(*filters).order_by(func.lower(GlobalItem.name))))


def soap_fats() -> list[GlobalItem]:
    """Oils, butters and waxes with a SAP value, by name."""
    return _names(GlobalItem.sap_naoh.is_not(None))


def additive_entries() -> list[GlobalItem]:
    """Fragrances, essential oils and additives a soap may carry as a percentage of its oils."""
    return _names(GlobalItem.category.in_(ADDITIVE_CATEGORIES))


def candle_waxes() -> list[GlobalItem]:
    """The library's waxes, by name."""
    return _names(GlobalItem.category == "wax")


def fragrances() -> list[GlobalItem]:
    """The library's fragrance and essential oils, by name."""
    return _names(GlobalItem.category.in_(("fragrance_oil", "essential_oil")))


def lotion_ingredients() -> list[GlobalItem]:
    """The library's lotion ingredients, by name."""
    return _names(GlobalItem.category.in_(LOTION_CATEGORIES))
