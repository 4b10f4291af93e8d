"""Shopify: a connected shop's order webhooks become lot-aware sales, returns and cancellations.

A shop is connected by its domain and webhook secret; its webhooks are posted to an unguessable URL and verified
by Shopify's HMAC (base64 HMAC-SHA256 of the raw body keyed by the secret). Each delivery is recorded (the audit
trail); a webhook id already processed is never applied again, and an order id is turned into sales once only.

- `orders/create`: every line item with a SKU matching an item's `sku` (else a product SKU's code) becomes a sale
  through the sales service (FIFO COGS); an unknown SKU or too little stock becomes an open problem instead, and
  the other lines still sell. Problems are retried or dismissed by the maker.
- `refunds/create`: refunded lines go back to the exact lots of their sale (sales.return_sale), capped at what is
  still unreturned; `no_restock` lines move no stock.
- `orders/cancelled`: everything still unreturned from the order's sales is returned; open problems close.

The webhook acts as the person who connected the shop (else the organization's owner), so sales carry a user
and the usual permission and read-only checks hold.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from sqlalchemy import func, select

from ...extensions import db
from ...models import InventoryItem, Organization, Role, Sale, Sku, User
from ...models.integrations import ShopConnection, ShopOrder, ShopOrderLine, ShopWebhook
from ...models.types import MONEY_QUANTUM, utcnow
from .. import sales, tenancy, units
from ..authz import authorize
from ..base import transaction, unit_of_work
from ..errors import (
    DomainError,
    InsufficientStock,
    InvalidState,
    NotFound,
    PermissionDenied,
    ReadOnly,
    ValidationFailed,
)
from ..validation import clean_text

log = logging.getLogger(__name__)

PROVIDER = "shopify"
CHANNEL = "shopify"
TOPICS = ("orders/create", "refunds/create", "orders/cancelled")
DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$")
MAX_QUANTITY = Decimal("1000000")
AUDIT_PAGE = 50


class WebhookRejected(DomainError):
    """A missing or wrong HMAC: answered 401, nothing recorded, nothing applied."""

    status = 401
    code = "invalid_signature"


class WebhookMalformed(DomainError):
    """A verified delivery whose body is not a JSON object: answered 400 (Shopify never sends one)."""

    status = 400
    code = "malformed_webhook"


class WebhookFailed(DomainError):
    """Applying a delivery failed; nothing was applied, the failure is logged, and Shopify's retry may succeed."""

    status = 503
    code = "webhook_failed"


@dataclass
class Connected:
    """connect_shop's result: the connection and whether it is new (201) or an update of this org's (200)."""

    connection: ShopConnection
    created: bool


# ---- connections ------------------------------------------------------------------------------------

def normalize_domain(value) -> str:
    """`https://Juniper-Soap.myshopify.com/` → `juniper-soap.myshopify.com`; ValidationFailed when not a host."""
    text = clean_text(value, "shop_domain", 255, required=True, label="the shop's domain").lower()
    text = re.sub(r"^https?://", "", text).rstrip("/")
    if not DOMAIN_RE.match(text):
        message = "Enter the shop's domain, e.g. your-shop.myshopify.com."
        raise ValidationFailed(message, fields={"shop_domain": message})
    return text


@unit_of_work
def connect_shop(org, actor, *, shop_domain, webhook_secret) -> Connected:
    """Connect a shop (or, for a shop this organization already connected, replace its secret and switch it
    back on). A shop connected to another organization is refused (InvalidState)."""
    authorize(actor, org, "organization.settings")
    domain = normalize_domain(shop_domain)
    secret = webhook_secret if isinstance(webhook_secret, str) else ""  # a key: kept exactly, never trimmed
    if not secret.strip() or len(secret) > 255:
        message = "Enter the shop's webhook signing secret (at most 255 characters)."
        raise ValidationFailed(message, fields={"webhook_secret": message})
    if tenancy.held_elsewhere(ShopConnection, org, provider=PROVIDER, shop_domain=domain, disconnected_at=None):
        raise InvalidState(f"{domain} is connected to another organization. Disconnect it there first.",
                           fields={"shop_domain": "Connected to another organization."})
    connection = tenancy.find_for_org(ShopConnection, org, provider=PROVIDER, shop_domain=domain)
    if connection is not None:
        connection = tenancy.get_for_org_for_update(ShopConnection, connection.id, org)
        connection.webhook_secret = secret
        if connection.disconnected_at is not None:
            connection.public_token = _new_token()
            connection.disconnected_at = None
        connection.enabled = True
        connection.connected_by_id = actor.id
        db.session.flush()
        return Connected(connection, created=False)
    connection = ShopConnection(organization_id=org.id, provider=PROVIDER, shop_domain=domain, webhook_secret=secret,
                                public_token=_new_token(), enabled=True, connected_by_id=actor.id)
    db.session.add(connection)
    db.session.flush()
    return Connected(connection, created=True)


@unit_of_work
def set_shop_enabled(org, actor, connection_id, enabled: bool) -> ShopConnection:
    """The on/off switch: while off, deliveries are logged and ignored (not marked processed, so a redelivery
    after switching back on still applies)."""
    authorize(actor, org, "organization.settings")
    connection = _live_connection(org, connection_id, for_update=True)
    connection.enabled = bool(enabled)
    return connection


@unit_of_work
def disconnect_shop(org, actor, connection_id) -> ShopConnection:
    """Forget the secret and retire the webhook URL; orders, problems and the audit trail are kept."""
    authorize(actor, org, "organization.settings")
    connection = _live_connection(org, connection_id, for_update=True)
    connection.disconnected_at = utcnow()
    connection.enabled = False
    connection.webhook_secret = ""
    connection.public_token = _new_token()
    return connection


def list_connections(org, actor) -> list[ShopConnection]:
    """The organization's connected shops (disconnected ones left out)."""
    authorize(actor, org, "organization.view")
    stmt = (tenancy.scoped(ShopConnection, org).where(ShopConnection.disconnected_at.is_(None))
            .order_by(ShopConnection.id))
    return list(db.session.scalars(stmt))


def get_connection(org, actor, connection_id) -> ShopConnection:
    """One connected shop of this organization, or NotFound."""
    authorize(actor, org, "organization.view")
    return _live_connection(org, connection_id)


def list_problems(org, actor, connection_id, *, page: int = 1, per_page: int = 50) -> tuple[list[ShopOrderLine], int]:
    """Open problems of this shop (order lines that did not become sales), oldest first; (rows, total)."""
    authorize(actor, org, "organization.view")
    connection = _live_connection(org, connection_id)
    base = (tenancy.scoped(ShopOrderLine, org).join(ShopOrder, ShopOrder.id == ShopOrderLine.order_id)
            .where(ShopOrder.connection_id == connection.id, ShopOrderLine.status == "problem"))
    total = db.session.scalar(base.with_only_columns(func.count(ShopOrderLine.id)))
    rows = db.session.scalars(base.order_by(ShopOrderLine.id).offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total or 0)


def list_webhooks(org, actor, connection_id, *, limit: int = AUDIT_PAGE) -> list[ShopWebhook]:
    """The audit trail: what each delivery did, newest first."""
    authorize(actor, org, "organization.view")
    connection = _live_connection(org, connection_id)
    stmt = (tenancy.scoped(ShopWebhook, org).where(ShopWebhook.connection_id == connection.id)
            .order_by(ShopWebhook.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))


@unit_of_work
def retry_problem(org, actor, connection_id, problem_id) -> Sale:
    """Sell a problem line now that its SKU matches and the stock is there; else the reason (422), nothing
    changed."""
    authorize(actor, org, "products.sell")
    line = _problem(org, connection_id, problem_id)
    item = match_sku(org, line.sku)
    if item is None:
        raise ValidationFailed(f"No item has the SKU {line.sku} yet: set it on the item, then retry.",
                               fields={"sku": "No item has this SKU."}, code="unknown_sku")
    sale = _sell(org, actor, line.order, line, item)
    line.status, line.reason, line.sale_id, line.resolved_at = "sold", None, sale.id, utcnow()
    _audit(org, line.order.connection_id, "retry", line.order.name, "processed",
           f"Problem {line.id} retried by {actor.email}: sold {_qty(line.quantity)} × {line.sku} (sale {sale.id}).")
    return sale


@unit_of_work
def dismiss_problem(org, actor, connection_id, problem_id) -> ShopOrderLine:
    """Close a problem without selling (the maker dealt with it another way)."""
    authorize(actor, org, "organization.settings")
    line = _problem(org, connection_id, problem_id)
    line.status, line.resolved_at = "dismissed", utcnow()
    _audit(org, line.order.connection_id, "dismiss", line.order.name, "processed",
           f"Problem {line.id} ({line.sku} × {_qty(line.quantity)}) dismissed by {actor.email}.")
    return line


@unit_of_work
def map_problem_sku(org, actor, connection_id, problem_id, item_id) -> Sale:
    """Give an item this problem's SKU (through the inventory service) and sell the line: one step for the
    maker mapping an unknown SKU."""
    from .. import inventory

    line = _problem(org, connection_id, problem_id)
    if item_id in (None, ""):
        raise ValidationFailed("Choose the item this SKU is.", fields={"item_id": "Choose an item."})
    inventory.update_item(org, actor, item_id, sku=line.sku)
    return retry_problem(org, actor, connection_id, problem_id)


def match_sku(org, sku: str) -> InventoryItem | None:
    """The item a shop SKU names: an item whose `sku` is exactly it, else the item of a product SKU of that code."""
    sku = (sku or "").strip()
    if not sku:
        return None
    item = tenancy.find_for_org(InventoryItem, org, sku=sku)
    if item is None:
        product_sku = tenancy.find_for_org(Sku, org, code=sku)
        if product_sku is not None:
            item = tenancy.get_for_org(InventoryItem, product_sku.item_id, org)
    return item


# ---- webhooks ---------------------------------------------------------------------------------------

def signature_for(secret: str, body: bytes) -> str:
    """Shopify's X-Shopify-Hmac-Sha256: base64 of the HMAC-SHA256 of the raw body keyed by the secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def receive_webhook(token: str, body: bytes, headers) -> dict:
    """Verify and apply one delivery; returns {"status": processed|duplicate|ignored, "summary"}.

    NotFound for an unknown URL, WebhookRejected (401) for a bad HMAC, WebhookMalformed (400) for a body
    that is not a JSON object, WebhookFailed (503) when applying failed (nothing applied; Shopify retries)."""
    connection = tenancy.find_by_public_token(ShopConnection, token)
    if connection is None or connection.disconnected_at is not None or not connection.webhook_secret:
        raise NotFound("No shop is connected at this address.")
    given = (headers.get("X-Shopify-Hmac-Sha256") or "").strip()
    expected = signature_for(connection.webhook_secret, body)
    if not given or not hmac.compare_digest(given.encode(), expected.encode()):
        raise WebhookRejected("The webhook's HMAC does not match this shop's secret.")
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        payload = None
    if not isinstance(payload, dict):
        raise WebhookMalformed("The webhook body is not a JSON object.")
    topic = str(headers.get("X-Shopify-Topic") or "").strip()[:60]
    webhook_id = str(headers.get("X-Shopify-Webhook-Id") or "").strip()[:100]
    if not webhook_id:  # Shopify always sends one; without it the body itself identifies the delivery
        webhook_id = "sha256:" + hashlib.sha256(topic.encode() + b"\n" + body).hexdigest()[:64]
    org = db.session.get(Organization, connection.organization_id)
    connection_id = connection.id
    try:
        with transaction():
            return _apply(org, connection_id, topic, webhook_id, payload)
    except (PermissionDenied, ReadOnly, NotFound) as error:
        _log_failure(org, connection_id, webhook_id, topic, payload, error.message)
        raise WebhookFailed(f"Cannot record this delivery now: {error.message}") from None
    except DomainError as error:
        _log_failure(org, connection_id, webhook_id, topic, payload, error.message)
        raise WebhookFailed(f"Could not apply this delivery: {error.message}") from None
    except Exception:
        log.exception("Shopify webhook %s (%s) failed", webhook_id, topic)
        db.session.rollback()
        _log_failure(org, connection_id, webhook_id, topic, payload, "Processing failed; the shop will retry.")
        raise WebhookFailed("Processing failed; nothing was applied and the shop will retry.") from None


def _apply(org, connection_id, topic, webhook_id, payload) -> dict:
    connection = tenancy.get_for_org_for_update(ShopConnection, connection_id, org)  # one delivery at a time
    ref = _order_ref(topic, payload)
    seen = db.session.scalar(tenancy.scoped(ShopWebhook, org, ShopWebhook.id).where(
        ShopWebhook.connection_id == connection.id, ShopWebhook.webhook_id == webhook_id,
        ShopWebhook.status == "processed").limit(1))
    if seen is not None:
        return _record(org, connection, webhook_id, topic, ref, "duplicate",
                       "Delivered again with the same webhook id; nothing applied a second time.")
    if not connection.enabled:
        return _record(org, connection, webhook_id, topic, ref, "ignored",
                       "The integration is switched off; nothing applied.")
    handler = _HANDLERS.get(topic)
    if handler is None:
        return _record(org, connection, webhook_id, topic, ref, "ignored", f"Topic {topic or '(none)'} is not used.")
    actor = _acting_user(org, connection)
    summary = handler(org, actor, connection, payload)
    return _record(org, connection, webhook_id, topic, ref, "processed", summary)


def _orders_create(org, actor, connection, payload) -> str:
    order_id = _order_id(payload.get("id"))
    name = _order_name(payload)
    if order_id is None:
        return "An order without an id; nothing sold."
    existing = tenancy.find_for_org(ShopOrder, org, connection_id=connection.id, order_id=order_id)
    if existing is not None:
        state = "was cancelled" if existing.cancelled_at is not None else "was already received"
        return f"Order {existing.name} {state}; nothing sold again."
    ordered_at = _ordered_at(payload.get("created_at"))
    order = ShopOrder(organization_id=org.id, connection_id=connection.id, order_id=order_id, name=name,
                      ordered_at=ordered_at)
    db.session.add(order)
    db.session.flush()
    sold = problems = skipped = 0
    for raw in payload.get("line_items") or []:
        if not isinstance(raw, dict):
            continue
        sku = raw.get("sku").strip() if isinstance(raw.get("sku"), str) else ""
        if not sku:
            skipped += 1
            continue
        quantity = _decimal(raw.get("quantity"))
        if quantity is None or quantity <= 0 or quantity > MAX_QUANTITY:
            skipped += 1
            continue
        line = ShopOrderLine(organization_id=org.id, order_id=order.id, line_item_id=_text_id(raw.get("id")),
                             sku=sku[:80], quantity=quantity, unit_price=_unit_price(raw, quantity),
                             status="problem")
        db.session.add(line)
        db.session.flush()
        item = match_sku(org, sku)
        if item is None:
            line.reason = "unknown_sku"
            problems += 1
            continue
        try:
            with db.session.begin_nested():
                sale = _sell(org, actor, order, line, item)
        except InsufficientStock:
            line.reason = "insufficient_stock"
            problems += 1
            continue
        line.status, line.sale_id, line.resolved_at = "sold", sale.id, utcnow()
        sold += 1
    parts = [f"Order {name}: {sold} line{'s' if sold != 1 else ''} sold"]
    if problems:
        parts.append(f"{problems} kept as problem{'s' if problems != 1 else ''}")
    if skipped:
        parts.append(f"{skipped} without a SKU ignored")
    return ", ".join(parts) + "."


def _orders_cancelled(org, actor, connection, payload) -> str:
    order_id = _order_id(payload.get("id"))
    if order_id is None:
        return "A cancellation without an order id; nothing returned."
    order = tenancy.find_for_org(ShopOrder, org, connection_id=connection.id, order_id=order_id)
    if order is None:  # cancelled before its creation reached us: remember it, so it never sells
        order = ShopOrder(organization_id=org.id, connection_id=connection.id, order_id=order_id,
                          name=_order_name(payload), cancelled_at=utcnow())
        db.session.add(order)
        db.session.flush()
        return f"Order {order.name} cancelled before it was received; it will not be sold."
    returned, closed = Decimal(0), 0
    for line in _lines(org, order):
        if line.status == "sold" and line.sale_id is not None:
            sale = tenancy.get_for_org(Sale, line.sale_id, org)
            left = sale.quantity - sale.returned_quantity
            if left > 0:
                sales.return_sale(org, actor, sale.id, quantity=left, notes=f"Shopify order {order.name} cancelled")
                returned += left
        elif line.status == "problem":
            line.status, line.resolved_at = "cancelled", utcnow()
            closed += 1
    order.cancelled_at = order.cancelled_at or utcnow()
    text = f"Order {order.name} cancelled: {_qty(returned)} returned to stock"
    return text + (f", {closed} open problem{'s' if closed != 1 else ''} closed." if closed else ".")


def _refunds_create(org, actor, connection, payload) -> str:
    order_id = _order_id(payload.get("order_id"))
    order = tenancy.find_for_org(ShopOrder, org, connection_id=connection.id, order_id=order_id) if order_id else None
    if order is None:
        return f"Refund for order {order_id}, which never reached us; nothing to return."
    lines = _lines(org, order)
    returned, kept, reduced = Decimal(0), Decimal(0), 0
    for raw in payload.get("refund_line_items") or []:
        if not isinstance(raw, dict):
            continue
        quantity = _decimal(raw.get("quantity"))
        if quantity is None or quantity <= 0:
            continue
        line_item = raw.get("line_item") if isinstance(raw.get("line_item"), dict) else {}
        line_item_id = _text_id(raw.get("line_item_id") or line_item.get("id"))
        sku = line_item.get("sku").strip() if isinstance(line_item.get("sku"), str) else ""
        matches = [line for line in lines if line_item_id and line.line_item_id == line_item_id]
        if not matches and sku:
            matches = [line for line in lines if line.sku == sku]
        if raw.get("restock_type") == "no_restock":
            kept += quantity
            continue
        rest = quantity
        for line in matches:
            if rest <= 0:
                break
            if line.status == "sold" and line.sale_id is not None:
                sale = tenancy.get_for_org(Sale, line.sale_id, org)
                take = min(rest, sale.quantity - sale.returned_quantity)
                if take > 0:
                    sales.return_sale(org, actor, sale.id, quantity=take, notes=f"Shopify refund, order {order.name}")
                    returned += take
                    rest -= take
            elif line.status == "problem":  # never sold: refunding it shrinks the problem
                take = min(rest, line.quantity)
                line.quantity -= take
                rest -= take
                reduced += 1
                if line.quantity <= 0:
                    line.status, line.resolved_at = "cancelled", utcnow()
    text = f"Refund on order {order.name}: {_qty(returned)} returned to the lots sold from"
    if kept:
        text += f", {_qty(kept)} refunded without restocking (no stock moved)"
    if reduced:
        text += f", {reduced} open problem{'s' if reduced != 1 else ''} reduced"
    return text + "."


_HANDLERS = {"orders/create": _orders_create, "orders/cancelled": _orders_cancelled,
             "refunds/create": _refunds_create}


# ---- helpers ----------------------------------------------------------------------------------------

def _sell(org, actor, order: ShopOrder, line: ShopOrderLine, item) -> Sale:
    return sales.record_sale(org, actor, item_id=item.id, quantity=line.quantity, unit_price=line.unit_price,
                             order_ref=order.name, channel=CHANNEL, sold_at=order.ordered_at,
                             notes=f"Shopify order {order.name} ({order.order_id})")


def _problem(org, connection_id, problem_id) -> ShopOrderLine:
    connection = _live_connection(org, connection_id)
    line = tenancy.get_for_org_for_update(ShopOrderLine, problem_id, org, label="Problem")
    if line.order.connection_id != connection.id:
        raise NotFound(f"Problem {problem_id} not found.")
    if line.status != "problem":
        raise InvalidState(f"This problem is already {'resolved' if line.status == 'sold' else line.status}.")
    return line


def _live_connection(org, connection_id, *, for_update: bool = False) -> ShopConnection:
    get = tenancy.get_for_org_for_update if for_update else tenancy.get_for_org
    connection = get(ShopConnection, connection_id, org)
    if connection.disconnected_at is not None:
        raise NotFound(f"Integration {connection_id} not found.")
    return connection


def _lines(org, order) -> list[ShopOrderLine]:
    stmt = tenancy.scoped(ShopOrderLine, org).where(ShopOrderLine.order_id == order.id).order_by(ShopOrderLine.id)
    return list(db.session.scalars(stmt))


def _acting_user(org, connection) -> User:
    """Who the webhook acts as: the person who connected the shop while active there, else an active owner."""
    if connection.connected_by_id is not None:
        user = db.session.get(User, connection.connected_by_id)
        if user is not None and user.active and user.organization_id == org.id:
            return user
    owner = db.session.scalar(select(User).join(Role, Role.id == User.role_id)
                              .where(User.organization_id == org.id, User.active.is_(True), Role.is_owner.is_(True))
                              .order_by(User.id).limit(1))
    if owner is None:
        raise PermissionDenied("Nobody active can record this shop's sales; reconnect the shop.")
    return owner


def _record(org, connection, webhook_id, topic, order_ref, status, summary) -> dict:
    db.session.add(ShopWebhook(organization_id=org.id, connection_id=connection.id, webhook_id=webhook_id,
                               topic=topic or "(none)", order_ref=order_ref, status=status, summary=summary[:2000]))
    db.session.flush()
    return {"status": status, "summary": summary}


def _audit(org, connection_id, topic, order_ref, status, summary) -> None:
    db.session.add(ShopWebhook(organization_id=org.id, connection_id=connection_id, webhook_id="-", topic=topic,
                               order_ref=order_ref, status=status, summary=summary[:2000]))


@unit_of_work
def _log_failure(org, connection_id, webhook_id, topic, payload, message) -> None:
    db.session.add(ShopWebhook(organization_id=org.id, connection_id=connection_id, webhook_id=webhook_id,
                               topic=topic or "(none)", order_ref=_order_ref(topic, payload), status="failed",
                               summary=f"Failed, nothing applied: {message}"[:2000]))


def _order_ref(topic, payload) -> str | None:
    if not isinstance(payload, dict):
        return None
    if topic == "refunds/create":
        return _text_id(payload.get("order_id"))
    name = payload.get("name")
    return str(name)[:80] if isinstance(name, (str, int)) and str(name).strip() else _text_id(payload.get("id"))


def _order_id(value) -> str | None:
    return _text_id(value)


def _order_name(payload) -> str:
    name = payload.get("name")
    if isinstance(name, str) and name.strip():
        return name.strip()[:80]
    number = payload.get("order_number") or payload.get("id")
    return f"#{number}"[:80]


def _text_id(value) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text[:40] or None


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _unit_price(raw: dict, quantity: Decimal) -> Decimal:
    """The line's `price` less its `discount_allocations` per unit (never below zero)."""
    price = _decimal(raw.get("price")) or Decimal(0)
    discount = Decimal(0)
    for allocation in raw.get("discount_allocations") or []:
        if isinstance(allocation, dict):
            discount += _decimal(allocation.get("amount")) or Decimal(0)
    return max(price - discount / quantity, Decimal(0)).quantize(MONEY_QUANTUM)


def _ordered_at(value) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        return None
    now = utcnow()
    return min(when, now) if when <= now + timedelta(days=1) else now


def _qty(value: Decimal) -> str:
    return str(units.clean_decimal(value))


def _new_token() -> str:
    return secrets.token_urlsafe(24)
