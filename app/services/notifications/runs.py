"""The loop the mail jobs (`send-digest`, `send-alerts`) share: every organization that is not suspended or
cancelled, one at a time; one organization's failure is logged and rolled back, and the others still run."""
from __future__ import annotations

import logging
from typing import Callable

from sqlalchemy import select

from ...extensions import db
from ...models import Organization

log = logging.getLogger(__name__)

SKIPPED_BILLING = ("canceled",)


def for_each_organization(job: str, work: Callable[[int], None], failed: list[int]) -> None:
    """Call `work(organization_id)` for every organization that gets mail; the ids that raised go to `failed`."""
    org_ids = list(db.session.scalars(
        select(Organization.id).where(Organization.suspended_at.is_(None),
                                      Organization.billing_status.not_in(SKIPPED_BILLING)).order_by(Organization.id)))
    db.session.rollback()  # end the read transaction before the per-organization work
    for org_id in org_ids:
        try:
            work(org_id)
        except Exception:  # noqa: BLE001 — logged; the other organizations still get theirs
            db.session.rollback()
            log.exception("%s failed for organization %s", job, org_id)
            failed.append(org_id)
