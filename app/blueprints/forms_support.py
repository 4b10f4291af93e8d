"""Helpers shared by page forms."""
from __future__ import annotations

from flask import flash

from ..services.errors import DomainError


def apply_field_errors(form, error: DomainError) -> None:
    """Show a service error on the form fields it names, else as a flash message."""
    placed = False
    for field_name, message in (error.fields or {}).items():
        field = getattr(form, field_name, None)
        if field is not None and hasattr(field, "errors"):
            if isinstance(field.errors, tuple):
                field.errors = list(field.errors)
            field.errors.append(message)
            placed = True
    if not placed or error.message not in (error.fields or {}).values():
        flash(error.message, "error")
