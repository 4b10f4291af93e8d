"""Sales reads: one sale with its lots and returns, the filtered sales list with totals, the month's figures,
and what can be sold. Every function takes (org, actor) and authorizes; each costs a fixed number of queries."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal

from sqlalchemy import func, or_

from ...extensions import db
from ...models import InventoryEvent, InventoryItem, InventoryLot, Product, ProductVariant, Sale, SaleConsumption, Sku
from .. import inventory, products, tenancy
from ..authz import authorize
from ..errors import ValidationFailed
from ..inventory import expiration
from ..pagination import Page, page_args
from ..text_search import contains
from .records import RETURN_CHANGE_TYPE, exact_figures, line_cost, money


def get_sale(org, actor, sale_id) -> Sale:
    """The organization's sale (with .consumption), or NotFound."""
    authorize(actor, org, "sales.view")
    return tenancy.get_for_org(Sale, sale_id, org)


@dataclass
class SaleLine:
    """A lot a sale drew from: the consumption row, the lot's code, and its exact cost."""

    row: SaleConsumption
    lot_code: str | None

    @property
    def cost(self) -> Decimal:
        return line_cost(self.row)


@dataclass
class SaleRow:
    """A sale with its item and SKU; `lot_codes` (lot id → code) when the lots were asked for."""

    sale: Sale
    item: InventoryItem
    sku: Sku | None
    lot_codes: dict[int, str] = field(default_factory=dict)

    @property
    def sku_code(self) -> str | None:
        return self.sku.code if self.sku is not None else None

    @property
    def lines(self) -> list[SaleLine]:
        return [SaleLine(row, self.lot_codes.get(row.lot_id)) for row in self.sale.consumption]

    @property
    def revenue(self) -> Decimal:
        return exact_figures(self.sale)[0]

    @property
    def cogs(self) -> Decimal:
        return exact_figures(self.sale)[1]

    @property
    def margin(self) -> Decimal:
        return exact_figures(self.sale)[2]

    @property
    def net_revenue(self) -> Decimal:
        return self.sale.revenue - self.sale.returned_revenue

    @property
    def net_cogs(self) -> Decimal:
        return self.sale.cogs - self.sale.returned_cogs

    @property
    def net_margin(self) -> Decimal:
        return self.net_revenue - self.net_cogs


@dataclass
class SaleRecord(SaleRow):
    """A sale with its item, SKU, consumed lots [(row, lot)] and return events, in a fixed number of queries."""

    consumption: list = field(default_factory=list)
    returns: list = field(default_factory=list)


def sale_record(org, actor, sale_id) -> SaleRecord:
    """Everything the sale page and the API show."""
    sale = get_sale(org, actor, sale_id)
    item = tenancy.get_for_org(InventoryItem, sale.item_id, org)
    sku = tenancy.find_for_org(Sku, org, id=sale.sku_id) if sale.sku_id else None
    rows = list(sale.consumption)
    lot_ids = sorted({row.lot_id for row in rows})
    lots = {lot.id: lot for lot in db.session.scalars(tenancy.scoped(InventoryLot, org)
                                                      .where(InventoryLot.id.in_(lot_ids)))} if lot_ids else {}
    returns = list(db.session.scalars(tenancy.scoped(InventoryEvent, org).where(
        InventoryEvent.sale_id == sale.id, InventoryEvent.change_type == RETURN_CHANGE_TYPE)
        .order_by(InventoryEvent.created_at, InventoryEvent.id)))
    return SaleRecord(sale, item, sku, {lot.id: lot.code for lot in lots.values()},
                      consumption=[(row, lots[row.lot_id]) for row in rows], returns=returns)


@dataclass
class SalesTotals:
    count: int = 0
    quantity: Decimal = Decimal(0)
    revenue: Decimal = Decimal(0)
    cogs: Decimal = Decimal(0)
    margin: Decimal = Decimal(0)
    returned_revenue: Decimal = Decimal(0)
    returned_cogs: Decimal = Decimal(0)

    @property
    def net_revenue(self) -> Decimal:
        return self.revenue - self.returned_revenue

    @property
    def net_cogs(self) -> Decimal:
        return self.cogs - self.returned_cogs

    @property
    def net_margin(self) -> Decimal:
        return self.net_revenue - self.net_cogs


@dataclass
class SalesPage(Page):
    totals: SalesTotals = field(default_factory=SalesTotals)


def list_sales(org, actor, *, q=None, channel=None, order_ref=None, item_id=None, sku_id=None, date_from=None,
               date_to=None, page=1, per_page=50, with_lots: bool = False) -> SalesPage:
    """Sales newest first (SaleRow), filtered, with totals over the whole filter: four queries (five
    `with_lots`: the codes of the lots each sale drew from)."""
    authorize(actor, org, "sales.view")
    filters = []
    if q and str(q).strip():
        items = tenancy.scoped(InventoryItem, org, InventoryItem.id).where(contains(q, InventoryItem.name))
        skus = tenancy.scoped(Sku, org, Sku.id).where(contains(q, Sku.code))
        filters.append(or_(contains(q, Sale.order_ref, Sale.customer), Sale.item_id.in_(items), Sale.sku_id.in_(skus)))
    if channel:
        filters.append(Sale.channel == str(channel))
    if order_ref not in (None, ""):  # exact: a shop's or an import's order reference
        filters.append(Sale.order_ref == str(order_ref).strip())
    if item_id not in (None, ""):
        filters.append(Sale.item_id == _int(item_id, "item_id"))
    if sku_id not in (None, ""):
        filters.append(Sale.sku_id == _int(sku_id, "sku_id"))
    start = _day_start(date_from, "date_from")
    if start is not None:
        filters.append(Sale.created_at >= start)
    end = _day_start(date_to, "date_to")
    if end is not None:
        filters.append(Sale.created_at < end + timedelta(days=1))  # date_to is inclusive
    page_no, size = page_args(page, per_page)
    aggregate = tenancy.scoped(Sale, org, func.count(Sale.id), func.sum(Sale.quantity), func.sum(Sale.revenue),
                               func.sum(Sale.cogs), func.sum(Sale.margin), func.sum(Sale.returned_revenue),
                               func.sum(Sale.returned_cogs)).where(*filters)
    count, quantity, revenue, cogs, margin, returned_revenue, returned_cogs = db.session.execute(aggregate).one()
    totals = SalesTotals(count=count or 0, quantity=Decimal(quantity or 0), revenue=money(revenue or 0),
                         cogs=money(cogs or 0), margin=money(margin or 0),
                         returned_revenue=money(returned_revenue or 0), returned_cogs=money(returned_cogs or 0))
    stmt = (tenancy.scoped(Sale, org).where(*filters).order_by(Sale.created_at.desc(), Sale.id.desc())
            .limit(size).offset((page_no - 1) * size))
    sales = list(db.session.scalars(stmt))
    item_ids = sorted({s.item_id for s in sales})
    sku_ids = sorted({s.sku_id for s in sales if s.sku_id})
    items = {i.id: i for i in db.session.scalars(tenancy.scoped(InventoryItem, org)
                                                 .where(InventoryItem.id.in_(item_ids)))} if item_ids else {}
    skus = {s.id: s for s in db.session.scalars(tenancy.scoped(Sku, org).where(Sku.id.in_(sku_ids)))} \
        if sku_ids else {}
    codes = _lot_codes(org, sales) if with_lots else {}
    rows = [SaleRow(sale=s, item=items[s.item_id], sku=skus.get(s.sku_id), lot_codes=codes) for s in sales]
    return SalesPage(items=rows, total=totals.count, page=page_no, per_page=size, totals=totals)


def _lot_codes(org, sale_list) -> dict[int, str]:
    """Lot id → code for every lot these sales drew from (one query)."""
    lot_ids = sorted({row.lot_id for sale in sale_list for row in sale.consumption})
    if not lot_ids:
        return {}
    stmt = tenancy.scoped(InventoryLot, org, InventoryLot.id, InventoryLot.code).where(InventoryLot.id.in_(lot_ids))
    return dict(db.session.execute(stmt).all())


def list_channels(org, actor) -> list[str]:
    """The channels this organization has sold through (filter choices)."""
    authorize(actor, org, "sales.view")
    stmt = tenancy.scoped(Sale, org, Sale.channel).where(Sale.channel.isnot(None)).distinct().order_by(Sale.channel)
    return [c for c in db.session.scalars(stmt) if c]


def sales_between(org, actor, start: datetime, end: datetime) -> dict:
    """Count, net revenue, net COGS and margin of the sales made in [start, end): one aggregate query."""
    authorize(actor, org, "sales.view")
    count, revenue, cogs, returned_revenue, returned_cogs = db.session.execute(
        tenancy.scoped(Sale, org, func.count(Sale.id), func.sum(Sale.revenue), func.sum(Sale.cogs),
                       func.sum(Sale.returned_revenue), func.sum(Sale.returned_cogs))
        .where(Sale.created_at >= start, Sale.created_at < end)
    ).one()
    revenue = Decimal(revenue or 0) - Decimal(returned_revenue or 0)
    cogs = Decimal(cogs or 0) - Decimal(returned_cogs or 0)
    margin = revenue - cogs
    return {"count": count or 0, "revenue": revenue, "cogs": cogs, "margin": margin,
            "margin_percent": margin_percent(revenue, margin)}


def margin_percent(revenue, margin) -> Decimal | None:
    """Margin as a percentage of revenue (one decimal place), or None when there is no revenue."""
    revenue = Decimal(revenue or 0)
    if revenue <= 0:
        return None
    return (Decimal(margin or 0) * 100 / revenue).quantize(Decimal("0.1"))


@dataclass
class SellOption:
    """Something that can be sold or reserved: an active SKU (with its product and variant), or a product item
    that backs no SKU (`sku` None); `available` in the item's unit."""

    item: InventoryItem
    available: Decimal
    sku: Sku | None = None
    product: Product | None = None
    variant: ProductVariant | None = None

    @property
    def price(self) -> Decimal | None:
        return self.sku.retail_price if self.sku is not None else None


def list_sell_options(org, actor) -> list[SellOption]:
    """Every active SKU, then the product items that back no SKU: a fixed number of queries (SKUs, items, lots,
    reservations)."""
    choices = products.sku_choices(org, actor)
    loose = products.sellable_product_items(org, actor, exclude_ids={item.id for _, _, _, item in choices})
    summaries = inventory.item_summaries(org, [item for _, _, _, item in choices] + loose)
    return ([SellOption(item, summaries[item.id].available, sku, product, variant)
             for sku, product, variant, item in choices]
            + [SellOption(item, summaries[item.id].available) for item in loose])


def _day_start(value, field_name: str) -> datetime | None:
    day = expiration.parse_date(value, field_name)
    return datetime.combine(day, time(0), tzinfo=timezone.utc) if day is not None else None


def _int(value, field_name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Choose one from the list.", fields={field_name: "Invalid id."}) from None

