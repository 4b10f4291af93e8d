"""Every page blueprint's `bp` lives in its package's __init__, so view modules import it from the package
(never from a sibling routes module, which made import circles)."""
from __future__ import annotations

import re
from importlib import import_module
from pathlib import Path

from flask import Blueprint

BLUEPRINTS = Path(__file__).resolve().parents[2] / "app" / "blueprints"


def test_every_blueprint_package_defines_bp_in_its_init():
    """Does each page blueprint package define `bp` in __init__ and no module of it define another or import
    bp from routes?"""
    packages = sorted(p.parent.name for p in BLUEPRINTS.glob("*/routes.py"))
    assert {"auth", "main", "organization", "billing", "developer", "inventory"} <= set(packages)
    offenders = []
    for name in packages:
        assert isinstance(import_module(f"app.blueprints.{name}").bp, Blueprint), name
        for module in (BLUEPRINTS / name).glob("*.py"):
            if module.name == "__init__.py":
                continue
            text = module.read_text()
            if re.search(r"^bp = Blueprint\(", text, re.M) or re.search(r"^from \.routes import .*\bbp\b", text, re.M):
                offenders.append(f"{name}/{module.name}")
    assert not offenders, offenders
