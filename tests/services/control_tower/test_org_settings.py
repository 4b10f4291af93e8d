"""Organization settings (API.md "Organization and billing"): defaults, partial updates, null restores a
default, unknown keys and negative values refused, owners/admins only, all or nothing."""
from __future__ import annotations

from decimal import Decimal

import pytest

from app.extensions import db
from app.services import org_settings
from app.services.errors import PermissionDenied, ValidationFailed

D = Decimal


def test_defaults_for_an_organization_that_changed_nothing(org):
    assert org_settings.get_settings(org) == {
        "window_days": 30, "safety_days": D("0.5"), "cover_days": 30, "expiring_days": 30, "stuck_batch_days": 7,
        "labour_rate": D(0), "overhead_percent": D(0), "overhead_per_batch": D(0), "wholesale_markup": D(2),
        "retail_markup": D(2)}
    json = org_settings.settings_json(org)
    assert json["window_days"] == 30 and json["safety_days"] == "0.5" and json["retail_markup"] == "2"


def test_a_subset_changes_and_null_restores_the_default(org, owner):
    org_settings.update_organization(org, owner, settings={"cover_days": "45", "overhead_percent": "12.50"})
    db.session.expire_all()
    assert org.settings == {"cover_days": 45, "overhead_percent": "12.5"}
    assert org_settings.get_settings(org)["cover_days"] == 45
    org_settings.update_organization(org, owner, settings={"cover_days": None})
    db.session.expire_all()
    assert org_settings.get_settings(org)["cover_days"] == 30
    assert org_settings.get_settings(org)["overhead_percent"] == D("12.5")


def test_expiring_days_is_the_organizations_expiring_soon_window(org, owner):
    """The expiring page and the KPIs read one number."""
    org_settings.update_organization(org, owner, settings={"expiring_days": 12})
    assert org.expiring_soon_days == 12
    org_settings.update_organization(org, owner, settings={"expiring_days": None})
    assert org.expiring_soon_days == 30


@pytest.mark.parametrize("changes", [{"nope": 1}, {"window_days": -1}, {"window_days": 0}, {"safety_days": "-1"},
                                     {"stuck_batch_days": "1.5"}, {"labour_rate": "abc"}, {"cover_days": True},
                                     {"labour_rate": "1e30"}, {"window_days": 10**40}])
def test_bad_settings_are_refused_and_nothing_changes(org, owner, changes):
    with pytest.raises(ValidationFailed) as caught:
        org_settings.update_organization(org, owner, name="Renamed", settings={"cover_days": 9, **changes})
    assert all(key.startswith("settings.") for key in caught.value.fields)
    db.session.expire_all()
    assert org.name != "Renamed" and (org.settings or {}) == {}


def test_a_maker_may_not_change_settings(org, member):
    with pytest.raises(PermissionDenied):
        org_settings.update_organization(org, member, settings={"cover_days": 9})
