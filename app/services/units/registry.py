"""Units: the global units plus an organization's own, read through one scoped helper and cached per session."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select

from ...extensions import db
from ...models import DIMENSIONS, Unit
from ...seeds.units import GLOBAL_UNITS
from .. import tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import UnknownUnit
from .quantities import clean_decimal

_CACHE_KEY = "batchtrack_units_cache"


@dataclass(frozen=True)
class UnitDef:
    """A plain snapshot of a unit (safe to keep across commits)."""

    name: str
    dimension: str
    factor: Decimal


@unit_of_work
def seed_units() -> int:
    """Create or update the global units (idempotent); returns how many there are."""
    existing = {u.name: u for u in db.session.scalars(select(Unit).where(Unit.organization_id.is_(None)))}
    for name, label, dimension, factor in GLOBAL_UNITS:
        unit = existing.get(name)
        if unit is None:
            unit = Unit(organization_id=None, name=name, is_custom=False)
            db.session.add(unit)
        unit.label = label
        unit.dimension = dimension
        unit.factor = factor
    db.session.info.pop(_CACHE_KEY, None)
    return len(GLOBAL_UNITS)


def unit_factor(unit: Unit) -> Decimal:
    """The unit's exact factor (stored exactly on every backend: models.types.ExactText)."""
    return clean_decimal(Decimal(unit.factor))


def visible_units(org):
    """select(Unit) of the units an organization sees: the global ones plus its own (the one read of units)."""
    return tenancy.scoped_with_global(Unit, org)


def list_units(org, actor) -> list[Unit]:
    """Global units plus the organization's own, grouped by dimension and ordered by size."""
    authorize(actor, org, "inventory.view")
    rows = list(db.session.scalars(visible_units(org)))
    order = {d: i for i, d in enumerate(DIMENSIONS)}
    rows.sort(key=lambda u: (order.get(u.dimension, 99), u.factor, u.name.lower()))
    return rows


def resolve_unit(org, name, field: str = "unit") -> Unit:
    """The global or organization unit named `name` (case-insensitive), else UnknownUnit."""
    if isinstance(name, Unit):
        return name
    text = name.strip() if isinstance(name, str) else ""
    if not text:
        raise UnknownUnit("Choose a unit.", fields={field: "Choose a unit."})
    rows = list(db.session.scalars(visible_units(org).where(func.lower(Unit.name) == text.lower())))
    if not rows:
        raise UnknownUnit(f"Unknown unit “{text}”.", fields={field: f"Unknown unit “{text}”."})
    rows.sort(key=lambda u: u.organization_id is None)  # an organization's own unit first
    return rows[0]


def _unit_table(org) -> dict[str, UnitDef]:
    """All units the organization can use, keyed by lower-cased name; loaded once per session."""
    org_id = org if isinstance(org, int) else org.id
    cache = db.session.info.setdefault(_CACHE_KEY, {})
    table = cache.get(org_id)
    if table is None:
        table = {}
        for unit in db.session.scalars(visible_units(org_id)):
            key = unit.name.lower()
            if key not in table or unit.organization_id is not None:
                table[key] = UnitDef(unit.name, unit.dimension, unit_factor(unit))
        cache[org_id] = table
    return table


def _forget_units() -> None:
    db.session.info.pop(_CACHE_KEY, None)


def unit_def(org, name, field: str = "unit") -> UnitDef:
    """Snapshot of a known unit (cached per session), else UnknownUnit."""
    if isinstance(name, Unit):
        return UnitDef(name.name, name.dimension, unit_factor(name))
    text = name.strip() if isinstance(name, str) else ""
    found = _unit_table(org).get(text.lower()) if text else None
    if found is None:
        message = f"Unknown unit “{text}”." if text else "Choose a unit."
        raise UnknownUnit(message, fields={field: message})
    return found
