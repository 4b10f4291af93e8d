"""Stored alerts: open while the condition holds, dismissable, back when the condition ends and starts again —
even when nobody read the alerts in between (re-evaluated before every commit that touched stock)."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from app.extensions import db
from app.models import Alert, Batch
from app.models.types import utcnow
from app.services import control_tower, inventory, tenancy
from app.services.errors import InvalidState, NotFound

from ...control_tower_support import NOW, build_ledger
from ...factories import make_item, make_lot

D = Decimal


def stored(org, **criteria):
    stmt = tenancy.scoped(Alert, org)
    for column, value in criteria.items():
        stmt = stmt.where(getattr(Alert, column) == value)
    return list(db.session.scalars(stmt.order_by(Alert.id)))


def by_type(views):
    return {(v.alert.type, v.alert.item_id, v.alert.lot_code): v for v in views}


def test_the_ledger_opens_every_kind_of_item_alert(org, owner):
    ledger = build_ledger(org, owner)
    views = by_type(control_tower.list_alerts(org, owner))
    below = views[("below_reorder", ledger.oil.id, None)]
    assert below.condition.severity == "warning" and "Olive oil" in below.condition.message
    expired = views[("expired", ledger.jar.id, "JAR-OLD")]
    assert expired.condition.severity == "critical"
    # the lot arrived already expired: the condition started when the lot was recorded, not at this read
    assert expired.alert.opened_at == expired.condition.starts_at <= utcnow()
    assert ("expiring", ledger.jar.id, "JAR-NEW") in views
    assert not any(key[0] == "stockout" for key in views)


def test_an_alert_opens_on_the_stock_change_itself_without_any_read(org, owner):
    """Is the alert row written by the stock change's own transaction (no read of the alerts needed)?"""
    item = make_item(org, name="Shea butter", reorder_point=D("5"))
    [empty] = stored(org, item_id=item.id)  # created with nothing in stock: below its point at once
    assert empty.type == "below_reorder" and empty.closed_at is None
    make_lot(org, item, "10", "1")
    db.session.refresh(empty)
    assert empty.closed_at is not None  # the restock's own commit closed it
    inventory.deduct(org, owner, item.id, "6", change_type="use")
    rows = [r for r in stored(org, item_id=item.id, type="below_reorder") if r.closed_at is None]
    assert len(rows) == 1 and rows[0].id != empty.id
    inventory.deduct(org, owner, item.id, "4", change_type="use")
    assert {r.type for r in stored(org, item_id=item.id) if r.closed_at is None} == {"below_reorder", "stockout"}


def test_dismiss_hides_until_the_condition_ends_and_starts_again_without_a_read_between(org, owner):
    item = make_item(org, name="Cocoa butter", reorder_point=D("5"))
    lot = make_lot(org, item, "10", "1")
    inventory.deduct(org, owner, item.id, "6", change_type="use")
    [view] = [v for v in control_tower.list_alerts(org, owner) if v.alert.item_id == item.id]
    first_id = view.alert.id
    assert [v.alert.id for v in control_tower.list_alerts(org, owner)] == [first_id]  # stable while open
    control_tower.dismiss_alert(org, owner, first_id)
    assert control_tower.list_alerts(org, owner) == []
    # the condition ends (restock) and starts again (use) with no read in between
    inventory.restock(org, owner, item.id, quantity="10", unit_cost="1")
    inventory.deduct(org, owner, item.id, "12", change_type="use")
    [again] = control_tower.list_alerts(org, owner)
    assert again.alert.id != first_id and again.alert.type == "below_reorder" and again.alert.dismissed_at is None
    first = tenancy.get_for_org(Alert, first_id, org)
    assert first.closed_at is not None and first.dismissed_at is not None
    assert lot.id  # the lot is still there


def test_a_dismissed_alert_stays_hidden_while_its_condition_holds(org, owner):
    item = make_item(org, name="Mica", reorder_point=D("5"))
    make_lot(org, item, "4", "1")
    [view] = control_tower.list_alerts(org, owner)
    control_tower.dismiss_alert(org, owner, view.alert.id)
    inventory.deduct(org, owner, item.id, "1", change_type="use")  # still below
    assert control_tower.list_alerts(org, owner) == []
    assert [v.alert.id for v in control_tower.list_alerts(org, owner, include_dismissed=True)] == [view.alert.id]


def test_closed_alerts_cannot_be_dismissed_and_other_orgs_alerts_are_not_found(org, owner, other_org, other_owner):
    item = make_item(org, name="Clay", reorder_point=D("5"))
    make_lot(org, item, "4", "1")
    [view] = control_tower.list_alerts(org, owner)
    with pytest.raises(NotFound):
        control_tower.dismiss_alert(other_org, other_owner, view.alert.id)
    inventory.restock(org, owner, item.id, quantity="10", unit_cost="1")
    with pytest.raises(InvalidState):
        control_tower.dismiss_alert(org, owner, view.alert.id)
    assert control_tower.list_alerts(other_org, other_owner) == []


def test_disposing_an_expired_lot_closes_its_alert(org, owner):
    item = make_item(org, name="Goat milk")
    lot = make_lot(org, item, "3", "1", expires_on=NOW.date() - timedelta(days=2))
    [view] = control_tower.list_alerts(org, owner)
    assert view.alert.type == "expired" and view.alert.lot_code == lot.code
    inventory.dispose_lot(org, owner, lot.id)
    rows = stored(org, type="expired")
    assert rows[0].closed_at is not None  # closed by the disposal's own transaction


def test_a_batch_in_progress_too_long_is_a_stuck_batch_alert(org, owner):
    from app.services import org_settings

    org_settings.update_organization(org, owner, settings={"stuck_batch_days": 2})
    batch = _batch(org, started_days_ago=3)
    [view] = control_tower.list_alerts(org, owner)
    assert view.alert.type == "stuck_batch" and view.alert.batch_id == batch.id
    assert abs((view.alert.opened_at - (NOW - timedelta(days=1))).total_seconds()) < 60
    batch.status = "completed"
    db.session.commit()  # the commit hook closes it (a batch row changed)
    assert stored(org, type="stuck_batch")[0].closed_at is not None
    assert control_tower.list_alerts(org, owner) == []


def _batch(org, started_days_ago):
    from app.models import Recipe, RecipeVersion
    from tests.factories import make_item as item_factory

    recipe = Recipe(organization_id=org.id, name="Stuck soap", label_prefix="SS")
    db.session.add(recipe)
    db.session.flush()
    version = RecipeVersion(organization_id=org.id, recipe_id=recipe.id, version=1, yield_quantity=D(1),
                            yield_unit="each")
    db.session.add(version)
    db.session.flush()
    item_factory(org)  # an unrelated item: the batch alert does not depend on items
    batch = Batch(organization_id=org.id, label="B-STUCK", recipe_id=recipe.id, recipe_version_id=version.id,
                  recipe_version=1, scale=D(1), planned_yield=D(1), yield_unit="each",
                  started_at=NOW - timedelta(days=started_days_ago))
    db.session.add(batch)
    db.session.commit()
    return batch


def test_an_item_exactly_at_its_point_with_no_usage_suggests_no_order_of_zero(org, owner):
    """Does an item sitting at its reorder point, unused, read "at or below its reorder point" without the
    nonsense "order about 0 g" — while an item below it still says how much to order?"""
    at_point = make_item(org, owner, name="Honey", reorder_point="1000")
    make_lot(org, at_point, "1000", "0.01")
    below = make_item(org, owner, name="Goat Milk Powder", reorder_point="1000")
    make_lot(org, below, "300", "0.01")
    messages = {v.alert.item_id: v.condition.message for v in control_tower.list_alerts(org, owner)
                if v.alert.type == "below_reorder"}
    assert messages[at_point.id] == ("Honey is at or below its reorder point: 1,000 g available, "
                                     "reorder point 1,000 g.")
    assert messages[below.id].endswith("reorder point 1,000 g; order about 700 g.")


def test_a_whole_count_items_suggestion_rounds_up_as_the_reorder_page_does(org, owner):
    """Does a jar counted in whole units read "order about 29 each", not "order about 28.5 each"?"""
    from ...control_tower_support import age_events

    jars = make_item(org, owner, name="Amber jar", unit="each")
    make_lot(org, jars, "30", "0.5")
    used = inventory.deduct(org, owner, jars.id, "26", change_type="use")  # 26 in 30 days: point 6.5
    age_events(used, 1)
    [view] = [v for v in control_tower.list_alerts(org, owner) if v.alert.item_id == jars.id]
    assert view.condition.message == ("Amber jar is at or below its reorder point: 4 each available, "
                                      "reorder point 6.5 each; order about 29 each.")
