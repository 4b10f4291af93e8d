"""The `flask jobs expire-lots` job: write off what is left in every expired lot, in every organization.

Each lot goes through `dispose_expired_lot` (one `expired` ledger event, its own transaction), acting as one
of the organization's active owners. Idempotent: a disposed lot has nothing left, so a second run finds it
no more. One organization's failure (read-only, no owner) never holds back the others.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import InventoryLot, Organization, Role, User
from ...models.types import utcnow
from .. import tenancy
from ..errors import DomainError
from ..timezones import org_today
from .holds import dispose_expired_lot

log = logging.getLogger(__name__)


@dataclass
class ExpireLots:
    organizations: int = 0
    disposed: int = 0
    failed: list[int] = field(default_factory=list)


def expire_lots(*, now: datetime | None = None) -> ExpireLots:
    """Dispose every expired lot with something left, in every organization (for the job)."""
    now = now or utcnow()
    result = ExpireLots()
    org_ids = list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
    db.session.rollback()
    for org_id in org_ids:
        org = db.session.get(Organization, org_id)
        lot_ids = list(db.session.scalars(
            tenancy.scoped(InventoryLot, org, InventoryLot.id)
            .where(InventoryLot.remaining_quantity > 0, InventoryLot.expires_on.is_not(None),
                   InventoryLot.expires_on < org_today(org, now))
            .order_by(InventoryLot.id)))
        if not lot_ids:
            db.session.rollback()
            continue
        actor = _job_actor(org)
        db.session.rollback()
        if actor is None:
            log.warning("expire-lots: organization %s has no active owner; skipped", org_id)
            result.failed.append(org_id)
            continue
        result.organizations += 1
        for lot_id in lot_ids:
            try:
                dispose_expired_lot(org, actor, lot_id, notes="Expired: written off by the expire-lots job.")
            except DomainError:
                log.exception("expire-lots failed for lot %s of organization %s", lot_id, org_id)
                if org_id not in result.failed:
                    result.failed.append(org_id)
                continue
            result.disposed += 1
    return result


def _job_actor(org) -> User | None:
    return db.session.scalars(
        select(User).join(Role, User.role_id == Role.id)
        .where(User.organization_id == org.id, User.active.is_(True), Role.is_owner.is_(True))
        .order_by(User.id).limit(1)).first()
