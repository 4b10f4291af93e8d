"""Stored alerts (API.md, Control tower → Alerts): below_reorder, stockout, expiring, expired, stuck_batch.

An alert row is one spell of a condition: it opens when the condition starts and closes when it ends;
dismissing hides that spell only. Conditions are re-evaluated for the items and batches a transaction
touched, just before it commits (hooks.py), and for the whole organization whenever alerts are read, so
an alert that ends and starts again between two reads still comes back.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import ROUND_CEILING, Decimal
from functools import partial

from ...extensions import db
from ...models import Alert, Batch
from ...models.types import utcnow
from .. import org_settings, tenancy
from ..authz import authorize
from ..base import unit_of_work
from ..errors import InvalidState
from ..timezones import org_today, org_zone
from .reorder import active_item_rows_with_inputs, reorder_for_items

ITEM_TYPES = ("below_reorder", "stockout", "expiring", "expired")
SEVERITY = {"below_reorder": "warning", "stockout": "critical", "expiring": "warning", "expired": "critical",
            "stuck_batch": "warning"}
SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


@dataclass
class Condition:
    """A condition that holds now, with what the alert says about it (`text`: the message, or a function that
    writes it when first read: a read re-evaluates thousands of conditions and shows a page of them)."""

    type: str
    key: str
    text: str | Callable[[], str]
    starts_at: datetime | None = None  # when it started, if that can be known (expiry, batch age); else now
    item_id: int | None = None
    lot_id: int | None = None
    lot_code: str | None = None
    batch_id: int | None = None

    @property
    def severity(self) -> str:
        return SEVERITY[self.type]

    @property
    def message(self) -> str:
        """What the alert says."""
        if callable(self.text):
            self.text = self.text()
        return self.text


@dataclass
class AlertView:
    alert: Alert
    condition: Condition

    def as_json(self) -> dict:
        a = self.alert
        return {"id": a.id, "type": a.type, "severity": self.condition.severity, "message": self.condition.message,
                "item_id": a.item_id, "lot_code": a.lot_code, "batch_id": a.batch_id, "created_at": a.opened_at,
                "dismissed": a.dismissed_at is not None}


def _qty(value: Decimal) -> str:
    """A quantity for reading in a message: three places at most, thousands separated ("1,250.5"); the
    figures themselves stay exact."""
    rounded = value.quantize(Decimal("0.001"))
    return "0" if rounded == 0 else format(rounded.normalize(), ",f")


# The messages take plain values (never ORM rows): they may be written after the read's commit expired them.
def _stockout_text(name, unit, f, window_days) -> str:
    return f"{name} is out of stock ({_qty(f.usage)} {unit} used in the last {window_days} days)."


def _below_text(name, unit, f, whole=None) -> str:
    """`whole()`: whether the item is counted in whole units (each, pair…), so that a fractional suggestion
    rounds up ("about 30 each", not "about 29.5 each") as the Reorder page's Order column does; asked only
    when the suggestion has a fraction (it reads the unit table)."""
    coming = f.on_order + f.in_transit  # counted against the point: say so, or "order about 0" reads as a bug
    text = (f"{name} is at or below its reorder point: {_qty(f.available)} {unit} available"
            + (f", {_qty(coming)} {unit} on its way" if coming > 0 else "")
            + f", reorder point {_qty(f.reorder_point)} {unit}")
    if f.suggested_quantity <= 0:  # exactly at its point with no usage to cover: nothing to suggest ("order about 0")
        return text + "."
    suggested = f.suggested_quantity
    if whole is not None and suggested != suggested.to_integral_value() and whole():
        suggested = suggested.to_integral_value(rounding=ROUND_CEILING)
    return text + f"; order about {_qty(suggested)} {unit}."


def _counted_in_whole_units(org_id: int, unit: str) -> bool:
    from ..errors import UnknownUnit
    from ..units import unit_def

    try:
        return unit_def(org_id, unit).dimension == "count"
    except UnknownUnit:
        return False


def _lot_text(name, unit, code, remaining, expires_on, expired: bool) -> str:
    amount = f"{_qty(remaining)} {unit} of {name}"
    if expired:
        return f"Lot {code}: {amount} expired on {expires_on.isoformat()}; dispose of it."
    return f"Lot {code}: {amount} expires on {expires_on.isoformat()}."


def _org_start_of(org, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=org_zone(org))


# ---- conditions ------------------------------------------------------------------------------------------

def conditions(org, *, item_ids=None, batch_ids=None, now: datetime | None = None, items_scope: bool = True,
               batches_scope: bool = True) -> dict[tuple[str, str], Condition]:
    """The conditions true now for these items and batches (None: all of the organization's)."""
    now = now or utcnow()
    settings = org_settings.get_settings(org)
    found: dict[tuple[str, str], Condition] = {}
    if items_scope:
        from ..inventory import item_summaries

        items, inputs = active_item_rows_with_inputs(org, item_ids, now=now)
        lot_rows: list = []  # the lots holding stock, read with the summaries (the expiry conditions below)
        summaries = item_summaries(org, items, now=now, lot_rows=lot_rows)
        figures = reorder_for_items(org, items, now=now, inputs=inputs, summaries=summaries)
        by_id = {item.id: item for item in items}
        org_id = org.id  # the message is written when first read: it keeps plain values, not the ORM row
        for item in items:
            f = figures[item.id]
            key = f"item:{item.id}"
            if f.usage > 0 and f.available <= 0:
                found[("stockout", key)] = Condition(
                    "stockout", key, partial(_stockout_text, item.name, item.unit, f, settings["window_days"]), item_id=item.id)
            if f.below:
                found[("below_reorder", key)] = Condition(
                    "below_reorder", key, partial(_below_text, item.name, item.unit, f,
                                                  partial(_counted_in_whole_units, org_id, item.unit)),
                    item_id=item.id)
        if by_id:
            today = org_today(org, now)
            soon = today + timedelta(days=settings["expiring_days"])
            lots = [row for row in lot_rows if row.expires_on is not None and row.expires_on <= soon]
            for lot_id, item_id, code, remaining, expires_on, created_at in lots:
                item = by_id[item_id]
                key = f"lot:{lot_id}"
                if expires_on < today:
                    start = _org_start_of(org, expires_on + timedelta(days=1))
                    found[("expired", key)] = Condition(
                        "expired", key, partial(_lot_text, item.name, item.unit, code, remaining, expires_on, True),
                        starts_at=max(start, created_at), item_id=item_id, lot_id=lot_id, lot_code=code)
                else:
                    start = _org_start_of(org, expires_on - timedelta(days=settings["expiring_days"]))
                    found[("expiring", key)] = Condition(
                        "expiring", key, partial(_lot_text, item.name, item.unit, code, remaining, expires_on, False),
                        starts_at=max(start, created_at), item_id=item_id, lot_id=lot_id, lot_code=code)
    if batches_scope:
        days = settings["stuck_batch_days"]
        stmt = tenancy.scoped(Batch, org, Batch.id, Batch.label, Batch.started_at).where(
            Batch.status == "in_progress", Batch.started_at < now - timedelta(days=days))
        if batch_ids is not None:
            stmt = stmt.where(Batch.id.in_(list(batch_ids)))
        for batch_id, label, started_at in db.session.execute(stmt):
            key = f"batch:{batch_id}"
            found[("stuck_batch", key)] = Condition(
                "stuck_batch", key, f"Batch {label} has been in progress since {started_at.date().isoformat()} "
                                    f"(more than {days} days): finish, fail or cancel it.",
                starts_at=started_at + timedelta(days=days), batch_id=batch_id)
    return found


# ---- keeping the stored rows in step ---------------------------------------------------------------------

def _open_rows(org, *, item_ids=None, batch_ids=None, items_scope=True, batches_scope=True) -> list[Alert]:
    stmt = tenancy.scoped(Alert, org).where(Alert.closed_at.is_(None))
    if not (items_scope and batches_scope and item_ids is None and batch_ids is None):
        parts = []
        if items_scope:
            part = Alert.type.in_(ITEM_TYPES)
            parts.append(part & Alert.item_id.in_(list(item_ids)) if item_ids is not None else part)
        if batches_scope:
            part = Alert.type == "stuck_batch"
            parts.append(part & Alert.batch_id.in_(list(batch_ids)) if batch_ids is not None else part)
        if not parts:
            return []
        from sqlalchemy import or_

        stmt = stmt.where(or_(*parts))
    return list(db.session.scalars(stmt.order_by(Alert.id)))


def _plan(open_rows: list[Alert], found: dict) -> tuple[list[Condition], list[Alert]]:
    """(conditions to open, rows to close): duplicates of one open condition close all but the oldest."""
    seen: set[tuple[str, str]] = set()
    to_close = []
    for row in open_rows:
        identity = (row.type, row.key)
        if identity in found and identity not in seen:
            seen.add(identity)
        else:
            to_close.append(row)
    return [c for identity, c in found.items() if identity not in seen], to_close


def _last_closed(org, identities) -> dict[tuple[str, str], datetime]:
    from sqlalchemy import func

    keys = {key for _type, key in identities}
    stmt = (tenancy.scoped(Alert, org, Alert.type, Alert.key, func.max(Alert.closed_at))
            .where(Alert.key.in_(list(keys)), Alert.closed_at.is_not(None)).group_by(Alert.type, Alert.key))
    return {(type_, key): closed for type_, key, closed in db.session.execute(stmt)}


def apply_plan(org, to_open: list[Condition], to_close: list[Alert], now: datetime) -> int:
    """Open and close rows (flush only: the caller's transaction commits); the number of rows opened. New rows
    go in as one executemany INSERT (a 10,000-item CSV import opens thousands at once)."""
    for row in to_close:
        row.closed_at = now
    opened = []
    last_closed = _last_closed(org, [(c.type, c.key) for c in to_open]) if to_open else {}
    for condition in to_open:
        start = condition.starts_at or now
        previous = last_closed.get((condition.type, condition.key))
        if previous is not None and start < previous:  # it ended and started again: this spell starts now
            start = now
        opened.append(dict(organization_id=org.id, type=condition.type, key=condition.key,
                           item_id=condition.item_id, lot_id=condition.lot_id, lot_code=condition.lot_code,
                           batch_id=condition.batch_id, opened_at=min(start, now)))
    if to_open or to_close:
        db.session.flush()
    if opened:
        db.session.execute(Alert.__table__.insert(), opened)
    return len(opened)


def sync_alerts(org, *, item_ids=None, batch_ids=None, now: datetime | None = None, items_scope: bool = True,
                batches_scope: bool = True) -> dict[tuple[str, str], Condition]:
    """Re-evaluate the conditions in scope and open/close rows to match, inside the caller's transaction."""
    now = now or utcnow()
    found = conditions(org, item_ids=item_ids, batch_ids=batch_ids, now=now, items_scope=items_scope,
                       batches_scope=batches_scope)
    rows = _open_rows(org, item_ids=item_ids, batch_ids=batch_ids, items_scope=items_scope,
                      batches_scope=batches_scope)
    to_open, to_close = _plan(rows, found)
    apply_plan(org, to_open, to_close, now)
    return found


def _open_values(org) -> list:
    """The organization's open alert rows as read-only rows of their columns (`row.id`, `row.type`, …): a read
    lists thousands of them and changes none (no ORM objects to build)."""
    columns = [column for column in Alert.__table__.columns]
    stmt = tenancy.scoped(Alert, org, *columns).where(Alert.closed_at.is_(None)).order_by(Alert.id)
    return list(db.session.execute(stmt))


@unit_of_work
def _write_plan(org, to_open, close_ids, now):
    rows = [row for row in _open_rows(org) if row.id in close_ids]
    return apply_plan(org, to_open, rows, now)


def list_alerts(org, actor, *, include_dismissed: bool = False, now: datetime | None = None) -> list[AlertView]:
    """The alerts whose conditions hold now (dismissed ones only when asked), most severe and newest first.

    Reading re-evaluates every condition; it writes only when something opened or closed since the last
    stock change (conditions that start by time passing: expiry dates, batch age, the usage window)."""
    authorize(actor, org, "reports.view")
    now = now or utcnow()
    found = conditions(org, now=now)
    rows = _open_values(org)
    to_open, to_close = _plan(rows, found)
    if to_open or to_close:
        _write_plan(org, to_open, {row.id for row in to_close}, now)
        rows = _open_values(org)
    views = []
    seen = set()
    for row in rows:
        identity = (row.type, row.key)
        if identity not in found or identity in seen:
            continue
        seen.add(identity)
        if row.dismissed_at is not None and not include_dismissed:
            continue
        views.append(AlertView(row, found[identity]))
    views.sort(key=lambda v: (SEVERITY_ORDER[v.condition.severity], -v.alert.opened_at.timestamp(), v.alert.id))
    return views


@unit_of_work
def dismiss_alert(org, actor, alert_id) -> Alert:
    """Hide an open alert until its condition ends and starts again."""
    authorize(actor, org, "inventory.adjust")
    alert = tenancy.get_for_org(Alert, alert_id, org)
    if alert.closed_at is not None:
        raise InvalidState("This alert's condition has already ended; there is nothing to dismiss.")
    if alert.dismissed_at is None:
        alert.dismissed_at = utcnow()
        alert.dismissed_by_id = getattr(actor, "id", None)
    return alert


def alert_json(alert: Alert, condition: Condition | None = None) -> dict:
    """An alert row as API JSON (message and severity need its condition; without it, a short one)."""
    condition = condition or Condition(alert.type, alert.key, alert.type.replace("_", " ").capitalize() + ".")
    return AlertView(alert, condition).as_json()
