"""Finding a lot to trace: by part of its code, or by a code from a label (a lot, a batch or a SKU code)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func

from ...extensions import db
from ...models import Batch, BatchOutput, InventoryItem, InventoryLot, Sku
from .. import tenancy
from ..authz import authorize
from ..errors import NotFound
from ..text_search import contains
from .graph import BATCH_LAZY


def search_lots(org, actor, q: str, *, limit: int = 25) -> list[tuple[InventoryLot, InventoryItem]]:
    """Lots whose code or supplier lot code contains `q`, newest first, with their item: one query."""
    authorize(actor, org, "traceability.view")
    text = str(q or "").strip()
    if not text:
        return []
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot, InventoryItem)
            .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
            .where(contains(text, InventoryLot.code, InventoryLot.supplier_lot_code))
            .order_by(InventoryLot.received_at.desc(), InventoryLot.id.desc()).limit(limit))
    return [(lot, item) for lot, item in db.session.execute(stmt)]


LOOKUP_LOTS = 25  # a SKU's lots to choose from, newest first


@dataclass
class CodeLookup:
    """What a code from a label names. kind: "lot" | "batch" | "sku"; `lots` are (lot, item) to trace —
    one for a lot code, the batch's output lots, or the SKU item's lots; `message` says why there are none."""

    kind: str
    code: str
    lots: list[tuple[InventoryLot, InventoryItem]] = field(default_factory=list)
    batch: Batch | None = None
    sku: Sku | None = None
    message: str = ""

    @property
    def found_lots(self) -> list[InventoryLot]:
        return [lot for lot, _ in self.lots]


def lookup_code(org, actor, code) -> CodeLookup:
    """A lot code, a batch label (→ its output lots) or a SKU code (→ its item's lots, newest first), any case;
    NotFound when the code names none of them."""
    authorize(actor, org, "traceability.view")
    text = str(code or "").strip()
    wanted = text.upper()
    if not text:
        raise NotFound("Enter a lot, batch or SKU code.")
    stmt = (tenancy.scoped(InventoryLot, org, InventoryLot, InventoryItem)
            .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
            .where(func.upper(InventoryLot.code) == wanted).limit(1))
    row = db.session.execute(stmt).first()
    if row is not None:
        return CodeLookup("lot", row[0].code, [(row[0], row[1])])
    batch = db.session.scalars(tenancy.scoped(Batch, org).where(func.upper(Batch.label) == wanted)
                               .options(*BATCH_LAZY).limit(1)).first()
    if batch is not None:
        stmt = (tenancy.scoped(BatchOutput, org, InventoryLot, InventoryItem).select_from(BatchOutput)
                .join(InventoryLot, InventoryLot.id == BatchOutput.lot_id)
                .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
                .where(BatchOutput.batch_id == batch.id).order_by(BatchOutput.id))
        lots = [(lot, item) for lot, item in db.session.execute(stmt)]
        message = "" if lots else _no_output(batch)
        return CodeLookup("batch", batch.label, lots, batch=batch, message=message)
    sku = db.session.scalars(tenancy.scoped(Sku, org).where(func.upper(Sku.code) == wanted).limit(1)).first()
    if sku is not None:
        stmt = (tenancy.scoped(InventoryLot, org, InventoryLot, InventoryItem)
                .join(InventoryItem, InventoryItem.id == InventoryLot.item_id)
                .where(InventoryLot.item_id == sku.item_id)
                .order_by(InventoryLot.received_at.desc(), InventoryLot.id.desc()).limit(LOOKUP_LOTS))
        lots = [(lot, item) for lot, item in db.session.execute(stmt)]
        message = "" if lots else f"SKU {sku.code} has no lots yet: nothing of it has been made or received."
        return CodeLookup("sku", sku.code, lots, sku=sku, message=message)
    raise NotFound(f"No lot, batch or SKU matches {text}.")


def _no_output(batch: Batch) -> str:
    if batch.status == "in_progress":
        return (f"Batch {batch.label} is still in progress, so it has no output lot yet. Finish it to get one; "
                "its ingredient lots are on the batch page.")
    return f"Batch {batch.label} was {batch.status.replace('_', ' ')} and made no output lot."
