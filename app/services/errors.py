"""Typed service failures. The edge maps them to a flash / form error or a JSON error (API.md)."""
from __future__ import annotations


class DomainError(Exception):
    """Base of every expected failure a service raises."""

    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, fields: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.fields = fields or {}
        if code:
            self.code = code


class Unauthorized(DomainError):
    status = 401
    code = "unauthorized"


class ReadOnly(DomainError):
    """The organization may read but not write (billing grace expired, suspended, view-as)."""

    status = 402
    code = "read_only"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class InvalidState(DomainError):
    status = 409
    code = "invalid_state"


class ValidationFailed(DomainError):
    status = 422
    code = "validation_error"


class InsufficientStock(DomainError):
    status = 422
    code = "insufficient_stock"


class BelowCost(ValidationFailed):
    """A sale priced below its cost of goods, not confirmed (pages ask; the API allows it)."""

    code = "below_cost"


class InvalidQuantity(ValidationFailed):
    code = "invalid_quantity"


class UnknownUnit(ValidationFailed):
    code = "unknown_unit"


class MissingDensity(ValidationFailed):
    code = "missing_density"

    def __init__(self, message: str, *, item_id: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.item_id = item_id


class MissingUnitMapping(ValidationFailed):
    code = "missing_unit_mapping"

    def __init__(self, message: str, *, item_id: int | None = None, **kwargs):
        super().__init__(message, **kwargs)
        self.item_id = item_id


class UnknownChangeType(ValidationFailed):
    code = "unknown_change_type"


class RateLimited(DomainError):
    status = 429
    code = "rate_limited"
