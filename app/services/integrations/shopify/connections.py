"""Connecting a Shopify shop: connect (or replace the secret), switch on/off, disconnect, and the lookups."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ....extensions import db
from ....models.integrations import ShopConnection, ShopWebhook
from ....models.types import utcnow
from ... import tenancy
from ...authz import authorize
from ...base import unit_of_work
from ...errors import InvalidState, ValidationFailed
from ...validation import clean_text
from ._common import AUDIT_PAGE, DOMAIN_RE, PROVIDER, _live_connection, _new_token


@dataclass
class Connected:
    """connect_shop's result: the connection and whether it is new (201) or an update of this org's (200)."""

    connection: ShopConnection
    created: bool



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



def list_webhooks(org, actor, connection_id, *, limit: int = AUDIT_PAGE) -> list[ShopWebhook]:
    """The audit trail: what each delivery did, newest first."""
    authorize(actor, org, "organization.view")
    connection = _live_connection(org, connection_id)
    stmt = (tenancy.scoped(ShopWebhook, org).where(ShopWebhook.connection_id == connection.id)
            .order_by(ShopWebhook.id.desc()).limit(limit))
    return list(db.session.scalars(stmt))
