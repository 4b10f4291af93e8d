"""Suppliers: who stock comes from (contact details, lead time for reorder points)."""
from __future__ import annotations

from sqlalchemy import func

from ..extensions import db
from ..models import Supplier
from ..models.types import utcnow
from . import tenancy
from .authz import authorize
from .base import unit_of_work
from .errors import ValidationFailed

TEXT_FIELDS = {"contact_name": 120, "email": 255, "phone": 60, "website": 255, "notes": 5000}
SUPPLIER_FIELDS = frozenset({"name", "lead_time_days", *TEXT_FIELDS})


@unit_of_work
def create_supplier(org, actor, *, name, contact_name="", email="", phone="", website="", lead_time_days=None,
                    notes="") -> Supplier:
    """Add a supplier."""
    authorize(actor, org, "suppliers.manage")
    values = _values(org, dict(name=name, contact_name=contact_name, email=email, phone=phone, website=website,
                               lead_time_days=lead_time_days, notes=notes))
    supplier = Supplier(organization_id=org.id, **values)
    db.session.add(supplier)
    db.session.flush()
    return supplier


@unit_of_work
def update_supplier(org, actor, supplier_id, **fields) -> Supplier:
    """Edit a supplier's details."""
    authorize(actor, org, "suppliers.manage")
    unknown = set(fields) - SUPPLIER_FIELDS
    if unknown:
        raise TypeError(f"update_supplier got unknown field(s): {', '.join(sorted(unknown))}")
    supplier = tenancy.get_for_org(Supplier, supplier_id, org)
    for key, value in _values(org, fields, supplier).items():
        setattr(supplier, key, value)
    return supplier


@unit_of_work
def archive_supplier(org, actor, supplier_id) -> Supplier:
    """Hide a supplier from pickers; lots and items keep pointing at it."""
    authorize(actor, org, "suppliers.manage")
    supplier = tenancy.get_for_org(Supplier, supplier_id, org)
    if supplier.archived_at is None:
        supplier.archived_at = utcnow()
    return supplier


@unit_of_work
def restore_supplier(org, actor, supplier_id) -> Supplier:
    """Bring an archived supplier back."""
    authorize(actor, org, "suppliers.manage")
    supplier = tenancy.get_for_org(Supplier, supplier_id, org)
    if supplier.archived_at is not None:
        _check_name_free(org, supplier.name, supplier.id)
        supplier.archived_at = None
    return supplier


def list_suppliers(org, actor, include_archived=False) -> list[Supplier]:
    """The organization's suppliers by name."""
    authorize(actor, org, "suppliers.view")
    stmt = tenancy.scoped(Supplier, org)
    if not include_archived:
        stmt = stmt.where(Supplier.archived_at.is_(None))
    return list(db.session.scalars(stmt.order_by(func.lower(Supplier.name), Supplier.id)))


def get_supplier(org, actor, supplier_id) -> Supplier:
    """One of the organization's suppliers, or NotFound."""
    authorize(actor, org, "suppliers.view")
    return tenancy.get_for_org(Supplier, supplier_id, org)


def _values(org, fields: dict, supplier: Supplier | None = None) -> dict:
    values = {}
    if supplier is None or "name" in fields:
        name = fields.get("name")
        name = name.strip() if isinstance(name, str) else ""
        if not name:
            raise ValidationFailed("Enter the supplier's name.", fields={"name": "Enter a name."})
        if len(name) > 120:
            raise ValidationFailed("At most 120 characters.", fields={"name": "At most 120 characters."})
        _check_name_free(org, name, supplier.id if supplier else None)
        values["name"] = name
    for key, limit in TEXT_FIELDS.items():
        if key in fields:
            value = fields[key]
            value = value.strip() if isinstance(value, str) else ("" if value is None else str(value).strip())
            if len(value) > limit:
                raise ValidationFailed(f"At most {limit} characters.", fields={key: f"At most {limit} characters."})
            values[key] = value
    if "lead_time_days" in fields:
        values["lead_time_days"] = _lead_time(fields["lead_time_days"])
    return values


def _lead_time(value) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    message = "Lead time is a whole number of days from 0 to 365."
    if isinstance(value, bool):
        raise ValidationFailed(message, fields={"lead_time_days": message})
    try:
        number = int(str(value).strip()) if isinstance(value, str) else int(value)
        if not isinstance(value, str) and number != value:
            raise ValueError
    except (TypeError, ValueError):
        raise ValidationFailed(message, fields={"lead_time_days": message}) from None
    if not 0 <= number <= 365:
        raise ValidationFailed(message, fields={"lead_time_days": message})
    return number


def _check_name_free(org, name: str, exclude_id: int | None) -> None:
    stmt = tenancy.scoped(Supplier, org, Supplier.id).where(func.lower(Supplier.name) == name.lower(),
                                                             Supplier.archived_at.is_(None))
    if exclude_id is not None:
        stmt = stmt.where(Supplier.id != exclude_id)
    if db.session.scalar(stmt.limit(1)) is not None:
        raise ValidationFailed(f"You already have a supplier named “{name}”.", fields={"name": "Already in use."})
