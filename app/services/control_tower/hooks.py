"""Re-evaluate alerts on every stock change: a session listener, registered once, that notes the items and
batches each flush touched and, just before the transaction commits, re-evaluates their conditions in the
same transaction (inside a savepoint: a failure here is logged and never undoes the stock change itself).

No other service needs to call anything: any commit that wrote lots, ledger events, items or batches is
covered, whichever service wrote them.
"""
from __future__ import annotations

import logging
from itertools import chain

from sqlalchemy import event
from sqlalchemy.orm import Session

from ...models import Batch, InventoryEvent, InventoryItem, InventoryLot, Organization

log = logging.getLogger(__name__)
TOUCHED_KEY = "control_tower_touched"
RUNNING_KEY = "control_tower_running"


def _note_touched(session, _flush_context) -> None:
    """after_flush: remember which organizations' items and batches this flush wrote."""
    if session.info.get(RUNNING_KEY):
        return
    touched = session.info.get(TOUCHED_KEY)
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, (InventoryEvent, InventoryLot)):
            item_id, batch_id = obj.item_id, None
        elif isinstance(obj, InventoryItem):
            item_id, batch_id = obj.id, None
        elif isinstance(obj, Batch):
            item_id, batch_id = None, obj.id
        else:
            continue
        if obj.organization_id is None:
            continue
        if touched is None:
            touched = session.info[TOUCHED_KEY] = {}
        scope = touched.setdefault(obj.organization_id, {"items": set(), "batches": set()})
        if item_id is not None:
            scope["items"].add(item_id)
        if batch_id is not None:
            scope["batches"].add(batch_id)


def note_items(session, organization_id: int, item_ids) -> None:
    """Items written by a bulk INSERT (which no flush sees): re-evaluate their alerts before this commit too."""
    touched = session.info.setdefault(TOUCHED_KEY, {})
    touched.setdefault(organization_id, {"items": set(), "batches": set()})["items"].update(item_ids)


def _reevaluate(session) -> None:
    """before_commit: bring the touched items' and batches' alerts up to date in this transaction."""
    if session.info.get(RUNNING_KEY):
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # commit would flush after this hook: note what the pending changes touch first
    touched = session.info.pop(TOUCHED_KEY, None)
    if not touched:
        return
    from .alerts import sync_alerts

    session.info[RUNNING_KEY] = True
    try:
        with session.begin_nested():
            for org_id, scope in touched.items():
                org = session.get(Organization, org_id)
                if org is None:
                    continue
                sync_alerts(org, item_ids=scope["items"], batch_ids=scope["batches"],
                            items_scope=bool(scope["items"]), batches_scope=bool(scope["batches"]))
    except Exception:  # noqa: BLE001 — alerts are re-evaluated on the next read; the stock change must stand
        log.exception("Re-evaluating alerts after a stock change failed; they will be brought up to date when read")
    finally:
        session.info[RUNNING_KEY] = False


def _forget(session, *_args) -> None:
    session.info.pop(TOUCHED_KEY, None)


def register() -> None:
    """Listen on every session, once."""
    if not event.contains(Session, "after_flush", _note_touched):
        event.listen(Session, "after_flush", _note_touched)
        event.listen(Session, "before_commit", _reevaluate)
        event.listen(Session, "after_rollback", _forget)
