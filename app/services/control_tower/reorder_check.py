"""The hourly reorder check (`flask jobs reorder-check`): re-evaluate every organization's item alerts
(below_reorder, stockout, expiring, expired), so conditions that start by time passing alone — the usage
window moving, a purchase order's quantity no longer on order — are recorded even when no stock changed.

Idempotent: a second run with nothing changed opens and closes nothing. One transaction per organization,
so one organization's failure never holds back the others.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import Organization
from ...models.types import utcnow
from ..base import unit_of_work
from .alerts import _open_rows, _plan, apply_plan, conditions

log = logging.getLogger(__name__)


@dataclass
class ReorderCheck:
    organizations: int = 0
    below: int = 0  # items at or below their reorder point now
    opened: int = 0  # below_reorder alerts opened by this run (items that went below since the last check)
    closed: int = 0  # below_reorder alerts closed (items back above their point)
    failed: list[int] = field(default_factory=list)


def check_reorder_points(*, now: datetime | None = None) -> ReorderCheck:
    """Re-evaluate the item alerts of every organization (for the job; no actor: it only records conditions)."""
    now = now or utcnow()
    result = ReorderCheck()
    org_ids = list(db.session.scalars(select(Organization.id).order_by(Organization.id)))
    db.session.rollback()  # end the read transaction before the per-organization writes
    for org_id in org_ids:
        try:
            below, opened, closed = _check_one(org_id, now)
        except Exception:  # noqa: BLE001 — logged; the other organizations are still checked
            log.exception("reorder-check failed for organization %s", org_id)
            result.failed.append(org_id)
            continue
        result.organizations += 1
        result.below += below
        result.opened += opened
        result.closed += closed
    return result


@unit_of_work
def _check_one(org_id: int, now: datetime) -> tuple[int, int, int]:
    org = db.session.get(Organization, org_id)
    found = conditions(org, now=now, batches_scope=False)
    rows = _open_rows(org, batches_scope=False)
    to_open, to_close = _plan(rows, found)
    apply_plan(org, to_open, to_close, now)
    below = sum(1 for type_, _key in found if type_ == "below_reorder")
    opened = sum(1 for c in to_open if c.type == "below_reorder")
    closed = sum(1 for row in to_close if row.type == "below_reorder")
    return below, opened, closed
