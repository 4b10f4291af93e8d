"""Tenant rows are read only through app/services/tenancy.py: this test fails the build otherwise."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from app.extensions import db
from app.services import tenancy
from app.services.errors import NotFound

APP_DIR = Path(__file__).resolve().parents[2] / "app"


def tenant_model_names() -> set[str]:
    names = set()
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__tenant__", False):
            names.add(cls.__name__)
    return names


def test_every_tenant_table_has_a_non_null_indexed_organization_id(app):
    for mapper in db.Model.registry.mappers:
        cls = mapper.class_
        if getattr(cls, "__tenant__", False):
            column = cls.__table__.c.organization_id
            assert column.nullable is False, cls.__name__
            assert column.index or any(column in idx.columns.values() for idx in cls.__table__.indexes), cls.__name__
            assert column.foreign_keys, cls.__name__


def test_no_code_reads_a_tenant_model_outside_the_tenancy_helper(app):
    """Does any module select / get / query a tenant model directly instead of through tenancy?"""
    names = tenant_model_names()
    assert {"InventoryItem", "InventoryLot", "InventoryEvent", "Supplier"} <= names
    alternation = "|".join(sorted(names))
    patterns = [
        re.compile(rf"\bselect\(\s*({alternation})\b"),
        re.compile(rf"\.get\(\s*({alternation})\s*,"),
        re.compile(rf"\b({alternation})\.query\b"),
        re.compile(rf"\bquery\(\s*({alternation})\b"),
    ]
    offenders = []
    for path in APP_DIR.rglob("*.py"):
        if path.name == "tenancy.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if any(p.search(line) for p in patterns):
                offenders.append(f"{path.relative_to(APP_DIR.parent)}:{number}: {line.strip()}")
    assert not offenders, "Read tenant rows through app.services.tenancy:\n" + "\n".join(offenders)


def test_get_for_org_hides_another_organizations_row(org, other_org, db):
    from app.models import Supplier

    theirs = Supplier(organization_id=other_org.id, name="Their supplier")
    db.session.add(theirs)
    db.session.commit()
    with pytest.raises(NotFound):
        tenancy.get_for_org(Supplier, theirs.id, org)
    with pytest.raises(NotFound):
        tenancy.get_for_org(Supplier, "not-a-number", org)
    assert tenancy.get_for_org(Supplier, theirs.id, other_org).id == theirs.id
