"""Alert e-mails (`flask jobs send-alerts`, every 15 minutes): the alerts that opened since the last run,
mailed to the owners and managers who chose their type — several in one mail per person.

Each alert is taken up once: `alerts.emailed_at` is set (only where it is still null, so two runs never
both take it) in the same transaction that re-evaluates the organization's conditions; the mails go out
after that commits. Dismissed alerts and alerts whose condition already ended are not mailed. If the mail
server refuses every mail of an organization, its alerts are released for the next run. Never called from
the stock-commit hooks: a stock change never waits for a mail server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import update

from ...extensions import db
from ...models import Alert, Organization
from ...models.types import utcnow
from .. import tenancy
from ..base import unit_of_work
from ..control_tower.alerts import AlertView, sync_alerts
from . import mail
from .preferences import alert_recipients
from .runs import for_each_organization


@dataclass
class AlertRun:
    """What `flask jobs send-alerts` did."""

    organizations: int = 0
    alerts: int = 0  # alerts taken up (mailed to whoever chose their type)
    mails: int = 0
    failed: list[int] = field(default_factory=list)


def send_alert_mails(*, now: datetime | None = None) -> AlertRun:
    """Mail the newly opened alerts of every organization that is not suspended or cancelled (for the job)."""
    now = now or utcnow()
    run = AlertRun()
    for_each_organization("send-alerts", lambda org_id: _send_for_organization(org_id, now, run), run.failed)
    return run


@unit_of_work
def _take_new_alerts(org, now: datetime) -> list[AlertView]:
    """Re-evaluate the conditions, then mark the open, undismissed alerts not mailed yet as taken."""
    found = sync_alerts(org, now=now)
    candidates = list(db.session.scalars(
        tenancy.scoped(Alert, org).where(Alert.closed_at.is_(None), Alert.dismissed_at.is_(None),
                                         Alert.emailed_at.is_(None)).order_by(Alert.id)))
    if not candidates:
        return []
    taken = set(db.session.scalars(
        update(Alert).where(Alert.organization_id == org.id, Alert.id.in_([a.id for a in candidates]),
                            Alert.emailed_at.is_(None))
        .values(emailed_at=now).returning(Alert.id).execution_options(synchronize_session=False)))
    return [AlertView(alert, found[(alert.type, alert.key)]) for alert in candidates
            if alert.id in taken and (alert.type, alert.key) in found]


@unit_of_work
def _release(org_id: int, alert_ids: list[int]) -> None:
    db.session.execute(update(Alert).where(Alert.organization_id == org_id, Alert.id.in_(alert_ids))
                       .values(emailed_at=None).execution_options(synchronize_session=False))


def _send_for_organization(org_id: int, now: datetime, run: AlertRun) -> None:
    org = db.session.get(Organization, org_id)
    views = _take_new_alerts(org, now)
    run.organizations += 1
    if not views:
        return
    run.alerts += len(views)
    sent = refused = 0
    for user, types in alert_recipients(org):
        mine = [view for view in views if view.alert.type in types]
        if not mine:
            continue
        if mail.send_alerts(org, user, mine):
            sent += 1
        else:
            refused += 1
    run.mails += sent
    if refused:
        if not sent:  # nobody got them: let the next run try again
            _release(org_id, [view.alert.id for view in views])
        raise RuntimeError(f"the mail server refused {refused} alert mail(s) of organization {org_id}")
