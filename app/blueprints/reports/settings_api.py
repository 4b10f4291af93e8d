"""The `settings` object of GET/PATCH /api/v1/organization (API.md "Organization and billing"): schemas and
the PATCH call, used by app/blueprints/organization/api.py."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ...services import org_settings
from ...services.notifications import preferences as notification_preferences


class OrganizationSettingsSchema(Schema):
    window_days = fields.Integer(metadata={"description": "Usage window for reorder points (default 30)"})
    safety_days = fields.String(metadata={"format": "decimal", "description": "Safety stock in days of usage "
                                                                               "(default 0.5)"})
    cover_days = fields.Integer(metadata={"description": "Suggested orders cover this many days (default 30)"})
    expiring_days = fields.Integer(metadata={"description": "Expiring-soon window (default 30)"})
    stuck_batch_days = fields.Integer(metadata={"description": "A batch in progress longer is stuck (default 7)"})
    labour_rate = fields.String(metadata={"format": "decimal"})
    overhead_percent = fields.String(metadata={"format": "decimal"})
    overhead_per_batch = fields.String(metadata={"format": "decimal"})
    wholesale_markup = fields.String(metadata={"format": "decimal"})
    retail_markup = fields.String(metadata={"format": "decimal"})


class DigestSettingSchema(Schema):
    frequency = fields.String(validate=validate.OneOf(notification_preferences.FREQUENCIES),
                              metadata={"description": "daily, weekly or off (default weekly)"})
    weekday = fields.String(validate=validate.OneOf(notification_preferences.WEEKDAYS),
                            metadata={"description": "The weekly digest's day, in the organization's time zone "
                                                     "(default monday)"})


def digest_field(**kwargs):
    """The optional `digest` object: how often owners (and members who opt in) get the digest e-mail."""
    return fields.Nested(DigestSettingSchema, metadata={
        "description": "Digest e-mail: {frequency: daily|weekly|off, weekday: monday…sunday}; optional, sent "
                       "in the morning in the organization's time zone"}, **kwargs)


def settings_patch_field():
    """Any subset of the settings; null restores a default; an unknown key or a negative value is a 422."""
    return fields.Dict(keys=fields.String(), values=fields.Raw(allow_none=True), metadata={
        "description": "Any subset of " + ", ".join(org_settings.KEYS) + "; null restores the default"})


def with_settings(org, summary: dict) -> dict:
    """The organization summary with its time zone and `settings` (every key, defaults filled in)."""
    return {"timezone": org.timezone, **summary, "settings": org_settings.settings_json(org),
            "digest": notification_preferences.digest_setting(org)}


def patch_organization(org, actor, data: dict):
    """Name, time zone, settings, digest and the other organization fields in one service call."""
    return org_settings.update_organization(org, actor, **data)
