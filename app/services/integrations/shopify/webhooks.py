"""Receiving a Shopify webhook: HMAC verification, one application per webhook id, the audit row of every
delivery, and dispatch by topic to the order handlers."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging

from sqlalchemy import select

from ....extensions import db
from ....models import Organization, Role, User
from ....models.integrations import ShopConnection, ShopWebhook
from ... import tenancy
from ...base import transaction, unit_of_work
from ...errors import DomainError, NotFound, PermissionDenied, ReadOnly
from ._common import WebhookFailed, WebhookMalformed, WebhookRejected, _order_ref
from .orders import HANDLERS

log = logging.getLogger(__package__)


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
    handler = HANDLERS.get(topic)
    if handler is None:
        return _record(org, connection, webhook_id, topic, ref, "ignored", f"Topic {topic or '(none)'} is not used.")
    actor = _acting_user(org, connection)
    summary = handler(org, actor, connection, payload)
    return _record(org, connection, webhook_id, topic, ref, "processed", summary)



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



@unit_of_work
def _log_failure(org, connection_id, webhook_id, topic, payload, message) -> None:
    db.session.add(ShopWebhook(organization_id=org.id, connection_id=connection_id, webhook_id=webhook_id,
                               topic=topic or "(none)", order_ref=_order_ref(topic, payload), status="failed",
                               summary=f"Failed, nothing applied: {message}"[:2000]))
