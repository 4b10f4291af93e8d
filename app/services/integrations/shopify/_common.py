"""Shared by the Shopify modules: constants, the webhook errors, the live-connection lookup, the audit row and
the parsing of Shopify's loosely typed payload values."""
from __future__ import annotations

import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from ....extensions import db
from ....models.integrations import ShopConnection, ShopWebhook
from ....models.types import MONEY_QUANTUM, utcnow
from ... import tenancy, units
from ...errors import DomainError, NotFound

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



def _live_connection(org, connection_id, *, for_update: bool = False) -> ShopConnection:
    get = tenancy.get_for_org_for_update if for_update else tenancy.get_for_org
    connection = get(ShopConnection, connection_id, org)
    if connection.disconnected_at is not None:
        raise NotFound(f"Integration {connection_id} not found.")
    return connection



def _audit(org, connection_id, topic, order_ref, status, summary) -> None:
    db.session.add(ShopWebhook(organization_id=org.id, connection_id=connection_id, webhook_id="-", topic=topic,
                               order_ref=order_ref, status=status, summary=summary[:2000]))



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
