"""Units: the global ones plus an organization's own, read through one scoped helper."""
from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Unit
from app.services import units

pytestmark = pytest.mark.usefixtures("reference_data")


def test_a_global_unit_name_exists_once(org):
    """Does the database refuse a second global unit of the same name (the partial unique index)?"""
    db.session.add(Unit(organization_id=None, name="g", label="again", dimension="weight", factor=1))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    db.session.add(Unit(organization_id=org.id, name="g2", label="", dimension="weight", factor=1, is_custom=True))
    db.session.flush()  # organization units are not affected


def test_visible_units_are_the_global_ones_and_the_organizations_own(org, other_org, owner, other_owner):
    units.create_custom_unit(org, owner, name="scoop", dimension="volume", factor="30")
    units.create_custom_unit(other_org, other_owner, name="pinch", dimension="weight", factor="0.3")
    mine = {u.name: u.organization_id for u in db.session.scalars(units.visible_units(org))}
    assert mine["scoop"] == org.id and mine["g"] is None and "pinch" not in mine
    assert [u.name for u in units.list_units(org, owner)].count("scoop") == 1
