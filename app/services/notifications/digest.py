"""The digest e-mail (`flask jobs send-digest`, and "Send me a digest now"): open alerts, items to reorder
with suggested quantities, lots expiring soon and the last period's KPIs, for each recipient.

- Due: daily → once per calendar day in the organization's time zone; weekly → on the chosen weekday; from
  DIGEST_LOCAL_HOUR local time (the job runs hourly, so everyone gets it in the morning). Never for a
  suspended or cancelled organization.
- Nothing is sent when there is nothing to say: no alerts, nothing to reorder, nothing expiring and no stock
  movement in the period.
- Idempotent per period: a `DigestDelivery` row (organization, user, period "2026-11-28" / "2026-W48",
  unique) is committed before the mail goes out and removed again if the mail server refuses it, so a
  second run in the same period sends nothing and a failed send is retried by the next run.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlalchemy.exc import IntegrityError

from ...extensions import db
from ...models import DigestDelivery, InventoryEvent, Organization, User
from ...models.types import utcnow
from .. import control_tower, inventory, tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..timezones import org_zone
from . import mail
from .preferences import WEEKDAYS, digest_recipients, digest_setting, may_get_digest
from .runs import for_each_organization

DIGEST_LOCAL_HOUR = 7


@dataclass
class Period:
    """A digest period: its key (unique per recipient), its length in days and how the mail names it."""

    key: str
    days: int
    label: str


@dataclass
class Digest:
    """What one organization's digest says (the same for every recipient)."""

    org: Organization
    days: int
    label: str
    alerts: list = field(default_factory=list)
    reorder: list = field(default_factory=list)
    expiring: list = field(default_factory=list)
    kpis: dict = field(default_factory=dict)
    activity: int = 0  # stock movements (ledger events) in the period

    @property
    def has_news(self) -> bool:
        """Is there anything to say?"""
        return bool(self.alerts or self.reorder or self.expiring or self.activity)


@dataclass
class DigestRun:
    """What `flask jobs send-digest` did."""

    organizations: int = 0
    sent: int = 0
    already_sent: int = 0
    nothing_to_say: int = 0
    failed: list[int] = field(default_factory=list)


def due_period(org, now: datetime) -> Period | None:
    """The organization's digest period due at `now`, or None (off, not the weekday, too early)."""
    setting = digest_setting(org)
    local = now.astimezone(org_zone(org))
    if setting["frequency"] == "off" or local.hour < DIGEST_LOCAL_HOUR:
        return None
    if setting["frequency"] == "daily":
        return Period(local.date().isoformat(), 1, f"Daily digest, {local.strftime('%A')} {local.day} {local.strftime('%B %Y')}")
    if local.weekday() != WEEKDAYS.index(setting["weekday"]):
        return None
    year, week, _ = local.isocalendar()
    return Period(f"{year}-W{week:02d}", 7, f"Weekly digest, week {week} of {year}")


def compose(org, actor, days: int, label: str, *, now: datetime | None = None) -> Digest:
    """The digest of the last `days` days as `actor` sees it (alerts not dismissed, reorder, expiring, KPIs)."""
    authorize(actor, org, "reports.view")
    now = now or utcnow()
    activity = db.session.scalar(tenancy.scoped(InventoryEvent, org, func.count(InventoryEvent.id))
                                 .where(InventoryEvent.created_at > now - timedelta(days=days),
                                        InventoryEvent.created_at <= now))
    return Digest(org=org, days=days, label=label,
                  alerts=control_tower.list_alerts(org, actor, now=now),
                  reorder=control_tower.list_reorder(org, actor, now=now),
                  expiring=inventory.list_expiring(org, actor, now=now),
                  kpis=control_tower.compute_kpis(org, actor, days, now=now),
                  activity=activity or 0)


def send_digests(*, now: datetime | None = None) -> DigestRun:
    """Mail every due digest, in every organization that is not suspended or cancelled (for the job)."""
    now = now or utcnow()
    run = DigestRun()
    for_each_organization("send-digest", lambda org_id: _send_for_organization(org_id, now, run), run.failed)
    return run


def _send_for_organization(org_id: int, now: datetime, run: DigestRun) -> None:
    org = db.session.get(Organization, org_id)
    period = due_period(org, now)
    if period is None:
        db.session.rollback()
        return
    run.organizations += 1
    recipients = [user for user in digest_recipients(org) if may_get_digest(user)]
    delivered = set(db.session.scalars(tenancy.scoped(DigestDelivery, org, DigestDelivery.user_id)
                                       .where(DigestDelivery.period == period.key)))
    waiting = [user for user in recipients if user.id not in delivered]
    run.already_sent += len(recipients) - len(waiting)
    if not waiting:
        db.session.rollback()
        return
    digest = compose(org, waiting[0], period.days, period.label, now=now)
    if not digest.has_news:
        run.nothing_to_say += len(waiting)
        db.session.rollback()
        return
    failed = False
    for user in waiting:
        if not _claim(org.id, user.id, period.key, now):
            run.already_sent += 1  # another run took it meanwhile
            continue
        if mail.send_digest(digest, user):
            run.sent += 1
        else:
            _release(org.id, user.id, period.key)
            failed = True
    if failed:
        raise RuntimeError(f"the mail server refused a digest of organization {org_id}")


@unit_of_work
def _claim_row(org_id: int, user_id: int, period: str, now: datetime) -> None:
    db.session.add(DigestDelivery(organization_id=org_id, user_id=user_id, period=period, sent_at=now))


def _claim(org_id: int, user_id: int, period: str, now: datetime) -> bool:
    """Record the delivery first (its own transaction): False when this period's digest is already taken."""
    try:
        _claim_row(org_id, user_id, period, now)
    except IntegrityError:
        return False
    return True


@unit_of_work
def _release(org_id: int, user_id: int, period: str) -> None:
    """Forget a delivery the mail server refused, so the next run tries again."""
    db.session.execute(delete(DigestDelivery).where(DigestDelivery.organization_id == org_id,
                                                    DigestDelivery.user_id == user_id,
                                                    DigestDelivery.period == period))


def send_digest_now(org, actor, *, now: datetime | None = None) -> dict:
    """Mail the member their digest at once, whatever the period (not recorded as the period's delivery):
    {"sent": bool, "reason": "sent|nothing_to_report|mail_failed", "email"}."""
    authorize(actor, org, "reports.view")
    authorize(actor, org, "inventory.view")
    now = now or utcnow()
    days = 1 if digest_setting(org)["frequency"] == "daily" else 7
    label = f"Your digest of the last {'day' if days == 1 else '7 days'}"
    digest = compose(org, actor, days, label, now=now)
    if not digest.has_news:
        return {"sent": False, "reason": "nothing_to_report", "email": actor.email}
    user = db.session.get(User, actor.id)
    sent = mail.send_digest(digest, user)
    return {"sent": sent, "reason": "sent" if sent else "mail_failed", "email": actor.email}
