"""Unit conversion service: seeded units, exact conversions, density and item mappings, every error code."""
from __future__ import annotations

from decimal import Decimal, localcontext

import pytest

from app.models import Unit
from app.seeds.units import GLOBAL_UNITS
from app.services import inventory, units
from app.services.errors import (
    InvalidQuantity,
    InvalidState,
    MissingDensity,
    MissingUnitMapping,
    NotFound,
    PermissionDenied,
    UnknownUnit,
    ValidationFailed,
)

pytestmark = pytest.mark.usefixtures("reference_data")

D = Decimal



@pytest.fixture()
def oil(org, owner):
    return inventory.create_item(org, owner, name="Olive Oil", kind="ingredient", unit="g", density="0.915")


@pytest.fixture()
def soap(org, owner):
    item = inventory.create_item(org, owner, name="Lavender Soap", kind="product", unit="each")
    units.add_item_unit_mapping(org, owner, item.id, unit_name="bar", quantity="113", in_unit="g")
    return item


def test_seed_units_is_idempotent_with_exact_factors(db):
    from sqlalchemy import func, select

    assert units.seed_units() == units.seed_units()
    count = db.session.scalar(select(func.count(Unit.id)).where(Unit.organization_id.is_(None)))
    assert count == len(GLOBAL_UNITS) >= 22
    assert units.unit_factor(units.resolve_unit(1, "LB")) == D("453.59237")
    assert units.unit_factor(units.resolve_unit(1, "fl OZ")) == D("29.5735295625")


@pytest.mark.parametrize("quantity,src,dst,expected", [
    ("1", "lb", "g", "453.59237"),
    ("2", "kg", "lb", None),  # checked below through the inverse
    ("1", "fl oz", "mL", "29.5735295625"),
    ("1", "tsp", "mL", "4.92892159375"),
    ("3", "tsp", "tbsp", "1"),
    ("1", "gallon", "L", "3.785411784"),
    ("16", "oz", "lb", "1"),
    ("1", "dozen", "each", "12"),
    ("12", "in", "ft", "1"),
    ("250", "mg", "g", "0.25"),
    ("20", "drop", "mL", "1"),
    ("1", "cup", "fl oz", "8"),
])
def test_same_dimension_conversions_are_exact(org, quantity, src, dst, expected):
    result = units.convert(org, quantity, src, dst)
    if expected is None:
        with localcontext() as ctx:
            ctx.prec = 60
            back = units.convert(org, result, dst, src)
        assert abs(back - D(quantity)) < D("1e-40")
    else:
        assert result == D(expected)


def test_weight_volume_through_density(org, oil):
    """Do kg↔mL convert exactly through the item's density (0.915 g/mL)?"""
    assert units.convert(org, "1000", "mL", "kg", item=oil) == D("0.915")
    assert units.convert(org, "1", "L", "g", item=oil) == D("915")
    with localcontext() as ctx:
        ctx.prec = 60
        assert abs(units.convert(org, "1", "kg", "mL", item=oil) - D(1000) / D("0.915")) < D("1e-50")
    assert units.to_item_quantity(org, oil, "1", "fl oz") == D("27.059780")  # 27.0597795496875 rounded half-even
    with localcontext() as ctx:
        ctx.prec = 60
        expected = D("2") * D("14.78676478125") * D("0.915") / D("28.349523125")
        assert abs(units.convert(org, "2", "tbsp", "oz", item=oil) - expected) < D("1e-50")


def test_count_through_item_mappings_both_directions(org, owner, soap):
    """Do 'bar' (an item-only unit) and g convert both ways through the item's mapping?"""
    assert units.convert(org, "2", "bar", "g", item=soap) == D("226")
    assert units.convert(org, "565", "g", "bar", item=soap) == D("5")
    with localcontext() as ctx:
        ctx.prec = 60
        assert abs(units.convert(org, "1", "bar", "lb", item=soap) - D("113") / D("453.59237")) < D("1e-50")
    units.add_item_unit_mapping(org, owner, soap.id, unit_name="each", quantity="4", in_unit="oz")
    assert units.convert(org, "2", "each", "g", item=soap) == D("226.79618500")
    assert units.convert(org, "113.3980925", "g", "each", item=soap) == D("1")
    assert units.convert(org, "1", "dozen", "oz", item=soap) == D("48")
    assert units.to_item_quantity(org, soap, "56.69904625", "g") == D("0.5")


def test_conversion_errors_are_specific(org, owner, oil, soap):
    """Is each failure its own fixable error: unknown unit, missing density, missing mapping, bad quantity?"""
    water = inventory.create_item(org, owner, name="Water", kind="ingredient", unit="mL")
    with pytest.raises(UnknownUnit) as err:
        units.convert(org, "1", "furlong", "g")
    assert err.value.code == "unknown_unit" and "unit" in err.value.fields
    with pytest.raises(UnknownUnit):
        units.convert(org, "1", "bar", "g")  # only the soap knows bars
    with pytest.raises(MissingDensity) as err:
        units.convert(org, "1", "L", "g", item=inventory.create_item(org, owner, name="Glycerin", kind="ingredient",
                                                                      unit="g"))
    assert err.value.code == "missing_density" and err.value.item_id is not None and "Glycerin" in err.value.message
    with pytest.raises(MissingDensity):
        units.convert(org, "1", "L", "g")
    with pytest.raises(MissingUnitMapping) as err:
        units.convert(org, "1", "each", "g", item=water)
    assert err.value.code == "missing_unit_mapping" and err.value.item_id == water.id
    with pytest.raises(MissingUnitMapping):
        units.convert(org, "1", "m", "g", item=oil)
    with pytest.raises(MissingDensity):  # bar → g is mapped, g → mL needs the soap's density
        units.convert(org, "1", "bar", "mL", item=soap)
    for bad in ("abc", "NaN", "inf", True, None):
        with pytest.raises(InvalidQuantity) as err:
            units.convert(org, bad, "g", "kg")
        assert err.value.code == "invalid_quantity"


@pytest.mark.parametrize("value,allow_zero,ok", [
    ("12.5", False, D("12.5")), (3, False, D(3)), (D("0.001"), False, D("0.001")), (2.5, False, D("2.5")),
    ("0", True, D(0)), (" 7 ", False, D(7)), ("1e3", False, D(1000)),
])
def test_parse_quantity_accepts(value, allow_zero, ok):
    assert units.parse_quantity(value, allow_zero=allow_zero) == ok


@pytest.mark.parametrize("value,allow_zero", [
    ("0", False), (0, False), ("-1", True), ("abc", False), ("", False), (None, False), (True, False),
    (float("nan"), False), (float("inf"), False), ("Infinity", False), ("1e9", False), ("1e10", True),
    ([], False), ("1,5", False),
])
def test_parse_quantity_rejects(value, allow_zero):
    with pytest.raises(InvalidQuantity) as err:
        units.parse_quantity(value, "amount", allow_zero=allow_zero)
    assert "amount" in err.value.fields


def test_custom_units_are_per_organization(org, other_org, owner, viewer, other_owner):
    scoop = units.create_custom_unit(org, owner, name="scoop", dimension="volume", factor="30")
    assert units.convert(org, "2", "Scoop", "mL") == D("60")
    assert "scoop" in [u.name for u in units.list_units(org, owner)]
    assert "scoop" not in [u.name for u in units.list_units(other_org, other_owner)]
    with pytest.raises(UnknownUnit):
        units.convert(other_org, "1", "scoop", "mL")
    with pytest.raises(ValidationFailed):
        units.create_custom_unit(org, owner, name="G", dimension="weight", factor="1")
    with pytest.raises(ValidationFailed):
        units.create_custom_unit(org, owner, name="pinch", dimension="mass", factor="1")
    with pytest.raises(InvalidQuantity):
        units.create_custom_unit(org, owner, name="pinch", dimension="volume", factor="0")
    with pytest.raises(PermissionDenied):
        units.create_custom_unit(org, viewer, name="pinch", dimension="volume", factor="0.3")
    item = inventory.create_item(org, owner, name="Clay", kind="ingredient", unit="scoop")
    with pytest.raises(InvalidState):
        units.delete_custom_unit(org, owner, scoop.id)
    inventory.archive_item(org, owner, item.id)
    inventory.update_item(org, owner, item.id, unit="g")
    units.delete_custom_unit(org, owner, scoop.id)
    with pytest.raises(NotFound):
        units.delete_custom_unit(org, owner, units.resolve_unit(org, "g").id)  # global units are not yours


def test_density_and_mappings_are_managed_through_the_service(org, owner, other_org, soap):
    glycerin = inventory.create_item(org, owner, name="Glycerin", kind="ingredient", unit="g")
    units.set_item_density(org, owner, glycerin.id, "1.26")
    assert units.convert(org, "10", "mL", "g", item=inventory.get_item(org, owner, glycerin.id)) == D("12.6")
    with pytest.raises(InvalidQuantity):
        units.set_item_density(org, owner, glycerin.id, "-2")
    with pytest.raises(ValidationFailed):
        units.add_item_unit_mapping(org, owner, soap.id, unit_name="BAR", quantity="100", in_unit="g")
    with pytest.raises(ValidationFailed):
        units.add_item_unit_mapping(org, owner, soap.id, unit_name="kg", quantity="100", in_unit="g")
    with pytest.raises(UnknownUnit):
        units.add_item_unit_mapping(org, owner, soap.id, unit_name="tin", quantity="1", in_unit="bar")
    [mapping] = units.list_item_unit_mappings(org, owner, soap.id)
    with pytest.raises(NotFound):
        units.delete_item_unit_mapping(other_org, owner, mapping.id)
    units.delete_item_unit_mapping(org, owner, mapping.id)
    assert units.list_item_unit_mappings(org, owner, soap.id) == []


def test_library_linked_density_is_locked(org, owner):
    from app.services import library

    entry = library.list_library(q="Olive Oil").items[0]
    item = inventory.create_item(org, owner, name="x", kind="ingredient", unit="g", global_item_id=entry.id)
    with pytest.raises(ValidationFailed) as err:
        units.set_item_density(org, owner, item.id, "0.5")
    assert "unlink" in err.value.message
