"""Feature flags: settings.json defaults, read once at start-up, overridden per tier."""
from __future__ import annotations

import json
import os
from pathlib import Path

from flask import current_app

KNOWN_FLAGS = frozenset({
    "fifo_tracking", "cost_tracking", "expiration_tracking", "barcode_qr", "recipe_variations",
    "csv_import", "custom_roles", "reservations", "recall", "integrations", "craft_tools", "craft_soap",
    "kpi_dashboard", "ai_assistant",
})
ENVIRONMENT_VARIABLE = "BATCHTRACK_FEATURES"


class UnknownFeatureFlag(KeyError):
    """A flag name nobody defined: an error, never a silent false."""


def load_settings(path: str | Path, overrides: str | None = None) -> dict[str, bool]:
    """Read and validate settings.json, then the operator's overrides (`overrides`, else the BATCHTRACK_FEATURES
    environment variable: comma-separated `name=on|off`); unknown or non-boolean flags stop the start-up."""
    data = json.loads(Path(path).read_text())
    flags = data.get("feature_flags", {})
    unknown = sorted(set(flags) - KNOWN_FLAGS)
    if unknown:
        raise UnknownFeatureFlag(f"settings.json names unknown feature flag(s): {', '.join(unknown)}")
    wrong = sorted(name for name, value in flags.items() if not isinstance(value, bool))
    if wrong:
        raise ValueError(f"settings.json flag(s) must be true or false: {', '.join(wrong)}")
    result = {name: flags.get(name, False) for name in KNOWN_FLAGS}
    result.update(parse_overrides(overrides if overrides is not None else os.environ.get(ENVIRONMENT_VARIABLE, "")))
    return result


_SWITCH = {"on": True, "off": False, "true": True, "false": False, "1": True, "0": False}


def parse_overrides(text: str) -> dict[str, bool]:
    """`"ai_assistant=on, recall=off"` → {"ai_assistant": True, "recall": False}; an unknown flag or a value
    other than on/off is an error (a typo must not silently leave a feature as it was)."""
    result: dict[str, bool] = {}
    for part in (text or "").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        name, value = name.strip(), value.strip().lower()
        if name not in KNOWN_FLAGS:
            raise UnknownFeatureFlag(f"{ENVIRONMENT_VARIABLE} names unknown feature flag {name!r}")
        if not sep or value not in _SWITCH:
            raise ValueError(f"{ENVIRONMENT_VARIABLE}: {name} must be set to on or off, not {value!r}")
        result[name] = _SWITCH[value]
    return result


def feature_enabled(org, name: str) -> bool:
    """Is the feature on for this organization (global default, then the tier's override)?"""
    if name not in KNOWN_FLAGS:
        raise UnknownFeatureFlag(name)
    defaults = current_app.extensions["batchtrack_flags"]
    overrides = (org.tier.feature_flags or {}) if org is not None and org.tier else {}
    return bool(overrides.get(name, defaults[name]))
