"""Feature flags: settings.json defaults, read once at start-up, overridden per tier."""
from __future__ import annotations

import json
from pathlib import Path

from flask import current_app

KNOWN_FLAGS = frozenset({
    "fifo_tracking", "cost_tracking", "expiration_tracking", "barcode_qr", "recipe_variations",
    "csv_import", "custom_roles", "reservations", "recall", "integrations", "craft_tools", "craft_soap",
    "kpi_dashboard",
})


class UnknownFeatureFlag(KeyError):
    """A flag name nobody defined: an error, never a silent false."""


def load_settings(path: str | Path) -> dict[str, bool]:
    """Read and validate settings.json; unknown or non-boolean flags stop the start-up."""
    data = json.loads(Path(path).read_text())
    flags = data.get("feature_flags", {})
    unknown = sorted(set(flags) - KNOWN_FLAGS)
    if unknown:
        raise UnknownFeatureFlag(f"settings.json names unknown feature flag(s): {', '.join(unknown)}")
    wrong = sorted(name for name, value in flags.items() if not isinstance(value, bool))
    if wrong:
        raise ValueError(f"settings.json flag(s) must be true or false: {', '.join(wrong)}")
    return {name: flags.get(name, False) for name in KNOWN_FLAGS}


def feature_enabled(org, name: str) -> bool:
    """Is the feature on for this organization (global default, then the tier's override)?"""
    if name not in KNOWN_FLAGS:
        raise UnknownFeatureFlag(name)
    defaults = current_app.extensions["batchtrack_flags"]
    overrides = (org.tier.feature_flags or {}) if org is not None and org.tier else {}
    return bool(overrides.get(name, defaults[name]))
