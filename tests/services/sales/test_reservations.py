"""Reservations hold stock for open orders: they lower availability everywhere (item, stock check, sales),
never oversell, convert to a sale, and expire."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Reservation
from app.services import inventory, recipes, reservations, sales, tenancy
from app.services.errors import InsufficientStock, InvalidState, NotFound, PermissionDenied, ValidationFailed
from app.services.inventory import stock_check

from ...conftest import IS_POSTGRES
from ...factories import assert_invariants, make_item, make_lot, make_org, make_user
from ...helpers import count_queries

pytestmark = pytest.mark.usefixtures("reference_data")


@pytest.fixture()
def jars(org):
    item = make_item(org, name="Body Butter Jar", kind="product", unit="each")
    make_lot(org, item, "10", "2", received_at=datetime(2026, 1, 1, tzinfo=timezone.utc))
    return item


def test_a_reservation_lowers_available_not_on_hand(org, owner, jars):
    reservations.create_reservation(org, owner, item_id=jars.id, quantity="4", order_ref="WEB-1001",
                                    customer="Grace")
    summary = inventory.item_summary(org, jars)
    assert jars.quantity == Decimal("10")
    assert summary.available == Decimal("6")
    assert stock_check.available_quantity(org, jars) == Decimal("6")


def test_reservations_lower_the_recipe_stock_check(org, owner):
    shea = make_item(org, name="Shea Butter", unit="g")
    make_lot(org, shea, "500", "0.02")
    product = make_item(org, name="Whipped Butter", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Whip", yield_quantity="4", yield_unit="each",
                                   output_item_id=product.id,
                                   lines=[{"item_id": shea.id, "quantity": "400", "unit": "g"}])
    assert recipes.check_recipe_stock(org, owner, recipe.id, "1")[2].ok
    reservations.create_reservation(org, owner, item_id=shea.id, quantity="200", order_ref="BULK-7")
    _, _, check = recipes.check_recipe_stock(org, owner, recipe.id, "1")
    assert not check.ok and check.lines[0].available == Decimal("300")


def test_a_sale_cannot_dig_into_another_orders_reservation(org, owner, jars):
    reservations.create_reservation(org, owner, item_id=jars.id, quantity="8", order_ref="WHOLESALE-1")
    sales.record_sale(org, owner, item_id=jars.id, quantity="2", unit_price="9")
    with pytest.raises(InsufficientStock) as error:
        sales.record_sale(org, owner, item_id=jars.id, quantity="1", unit_price="9")
    assert error.value.code == "insufficient_stock"
    assert jars.quantity == Decimal("8")
    with pytest.raises(InsufficientStock):
        reservations.create_reservation(org, owner, item_id=jars.id, quantity="1", order_ref="LATE")
    assert_invariants(org)


def test_a_reservation_converts_to_a_sale_of_its_held_stock(org, owner, jars):
    held = reservations.create_reservation(org, owner, item_id=jars.id, quantity="10", order_ref="WEB-77",
                                           customer="Lin")
    sale = reservations.convert_reservation(org, owner, held.id, unit_price="8", channel="Online")
    assert (sale.quantity, sale.revenue, sale.cogs, sale.order_ref, sale.customer) == (
        Decimal("10"), Decimal("80"), Decimal("20"), "WEB-77", "Lin")
    db.session.expire_all()
    held = tenancy.get_for_org(Reservation, held.id, org)
    assert held.status == "converted" and held.sale_id == sale.id and sale.reservation_id == held.id
    with pytest.raises(InvalidState):
        reservations.convert_reservation(org, owner, held.id, unit_price="8")
    assert stock_check.reserved_quantities(org, [jars.id])[jars.id] == Decimal("0")
    assert_invariants(org)


def test_record_sale_with_reservation_id_may_use_that_reservation(org, owner, jars):
    mine = reservations.create_reservation(org, owner, item_id=jars.id, quantity="3", order_ref="A")
    reservations.create_reservation(org, owner, item_id=jars.id, quantity="6", order_ref="B")
    with pytest.raises(InsufficientStock):
        sales.record_sale(org, owner, item_id=jars.id, quantity="3", unit_price="1")
    sale = sales.record_sale(org, owner, item_id=jars.id, quantity="4", unit_price="1", reservation_id=mine.id)
    assert sale.quantity == Decimal("4")  # 3 held for it + the 1 free
    with pytest.raises(InsufficientStock):
        sales.record_sale(org, owner, item_id=jars.id, quantity="1", unit_price="1")


def test_release_gives_the_stock_back(org, owner, jars):
    held = reservations.create_reservation(org, owner, item_id=jars.id, quantity="10", order_ref="X")
    assert inventory.item_summary(org, jars).available == Decimal("0")
    reservations.release_reservation(org, owner, held.id)
    assert inventory.item_summary(org, jars).available == Decimal("10")
    with pytest.raises(InvalidState):
        reservations.release_reservation(org, owner, held.id)


def test_an_expired_reservation_stops_counting_and_the_job_marks_it(org, owner, other_org, jars):
    held = reservations.create_reservation(org, owner, item_id=jars.id, quantity="5", order_ref="OLD",
                                           expires_at=datetime.now(timezone.utc) + timedelta(hours=1))
    later = datetime.now(timezone.utc) + timedelta(hours=2)
    assert stock_check.reserved_quantities(org, [jars.id], now=later)[jars.id] == Decimal("0")
    assert reservations.expire_reservations(org, now=later) == 1
    assert tenancy.get_for_org(Reservation, held.id, org).status == "expired"
    assert reservations.expire_reservations(now=later) == 0


def test_the_expire_reservations_cli_job(app, org, owner, jars):
    held = reservations.create_reservation(org, owner, item_id=jars.id, quantity="5", order_ref="CLI",
                                           expires_at=datetime.now(timezone.utc) + timedelta(days=1))
    held.expires_at = datetime.now(timezone.utc) - timedelta(minutes=1)  # as if a day went by
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "expire-reservations"])
    assert result.exit_code == 0, result.output
    assert "Expired 1 reservation" in result.output
    db.session.expire_all()
    assert tenancy.get_for_org(Reservation, held.id, org).status == "expired"


def test_bad_reservations_are_refused(org, owner, viewer, other_org, jars):
    theirs = make_item(other_org, name="Their Jar", kind="product", unit="each")
    with pytest.raises(NotFound):
        reservations.create_reservation(org, owner, item_id=theirs.id, quantity="1", order_ref="X")
    with pytest.raises(ValidationFailed):
        reservations.create_reservation(org, owner, item_id=jars.id, quantity="1", order_ref=" ")
    with pytest.raises(ValidationFailed):
        reservations.create_reservation(org, owner, item_id=jars.id, quantity="1", order_ref="X",
                                        expires_at="2020-01-01")
    with pytest.raises(InsufficientStock):
        reservations.create_reservation(org, owner, item_id=jars.id, quantity="11", order_ref="X")
    with pytest.raises(PermissionDenied):
        reservations.create_reservation(org, viewer, item_id=jars.id, quantity="1", order_ref="X")


def test_reserved_quantities_is_one_query_for_many_items(org, owner):
    items = [make_item(org, name=f"Bar {n}", kind="product", unit="each") for n in range(12)]
    for item in items:
        make_lot(org, item, "5", "1")
        reservations.create_reservation(org, owner, item_id=item.id, quantity="2", order_ref=f"O-{item.id}")
    ids = [item.id for item in items]
    org_id = org.id
    with count_queries() as counter:
        reserved = stock_check.reserved_quantities(org_id, ids)
    assert counter.count == 1
    assert set(reserved.values()) == {Decimal("2")}


def test_list_reservations_reads_open_ones_first(org, owner, jars):
    first = reservations.create_reservation(org, owner, item_id=jars.id, quantity="1", order_ref="A")
    second = reservations.create_reservation(org, owner, item_id=jars.id, quantity="1", order_ref="B")
    reservations.release_reservation(org, owner, first.id)
    page = reservations.list_reservations(org, owner)
    assert [(row.reservation.id, row.status) for row in page.items] == [(second.id, "open"), (first.id, "released")]
    assert reservations.list_reservations(org, owner, status="open").total == 1


@pytest.mark.skipif(not IS_POSTGRES, reason="concurrent sales need PostgreSQL (SQLite serialises writers)")
def test_concurrent_sales_never_dig_into_a_reservation(app, db):
    """Six simultaneous sales of 2 against 10 in stock with 4 reserved: exactly three succeed."""
    org = make_org(tier="team")
    owner = make_user(org, role="owner")
    item = make_item(org, name="Rush Jar", kind="product", unit="each")
    make_lot(org, item, "10", "1")
    reservations.create_reservation(org, owner, item_id=item.id, quantity="4", order_ref="HELD")
    org_id, owner_id, item_id = org.id, owner.id, item.id
    done, refused, errors = [], [], []
    barrier = threading.Barrier(6)

    def worker():
        with app.app_context():
            from app.models import Organization, User

            try:
                me = db.session.get(User, owner_id)
                mine = db.session.get(Organization, org_id)
                barrier.wait(timeout=10)
                done.append(sales.record_sale(mine, me, item_id=item_id, quantity="2", unit_price="5").id)
            except InsufficientStock:
                refused.append(1)
            except Exception as exc:  # noqa: BLE001 — collected and asserted below
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert (len(done), len(refused)) == (3, 3)
    db.session.expire_all()
    assert db.session.get(type(item), item_id).quantity == Decimal("4")
    assert_invariants(org)


def test_uses_and_batch_starts_cannot_take_reserved_stock_but_disposals_can(org, owner, jars):
    """Do direct deductions and batches respect reservations, while a spoilage write-off still goes through?"""
    from app.services import batches

    reservations.create_reservation(org, owner, item_id=jars.id, quantity="8", order_ref="SHOP-9")
    with pytest.raises(InsufficientStock):
        inventory.adjust(org, owner, jars.id, change_type="use", quantity="3")
    inventory.adjust(org, owner, jars.id, change_type="use", quantity="2")
    gift_box = make_item(org, name="Gift box", kind="product", unit="each")
    recipe = recipes.create_recipe(org, owner, name="Gift set", yield_quantity="1", yield_unit="each",
                                   output_item_id=gift_box.id,
                                   lines=[{"item_id": jars.id, "quantity": "1", "unit": "each"}])
    with pytest.raises(InsufficientStock):
        batches.start_batch(org, owner, recipe.id, "1")
    inventory.adjust(org, owner, jars.id, change_type="damaged", quantity="1")
    assert jars.quantity == Decimal("7")
    assert_invariants(org)
