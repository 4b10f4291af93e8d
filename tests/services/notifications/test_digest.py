"""The digest e-mail (`flask jobs send-digest`): due by frequency in the organization's time zone, only to
owners and members who opted in, nothing when there is nothing to say, once per period."""
from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import DigestDelivery
from app.models.types import utcnow
from app.services import notifications
from app.services.errors import PermissionDenied, ValidationFailed
from app.services.notifications import digest as digest_module

from ...factories import make_org, make_user
from .support import Outbox, any_hour, daily, links_in, something_to_say  # noqa: F401 (fixture)

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# ---- when it is due --------------------------------------------------------------------------------------

def test_weekly_is_due_on_the_chosen_weekday_in_the_organizations_time_zone(db):
    org = make_org(timezone="America/Los_Angeles")
    owner = make_user(org, role="owner")
    notifications.update_digest_setting(org, owner, frequency="weekly", weekday="saturday")
    # Saturday 28 Nov 2026 16:00 UTC = Saturday 08:00 in Los Angeles
    period = notifications.due_period(org, at("2026-11-28T16:00:00"))
    assert (period.key, period.days) == ("2026-W48", 7)
    assert notifications.due_period(org, at("2026-11-28T10:00:00")) is None  # 02:00 there: not morning yet
    # Sunday 29 Nov 07:30 UTC is still Saturday (23:30) in Los Angeles
    assert notifications.due_period(org, at("2026-11-29T07:30:00")).key == "2026-W48"
    assert notifications.due_period(org, at("2026-11-29T16:00:00")) is None  # Sunday there
    tokyo = make_org(timezone="Asia/Tokyo")
    tokyo.settings = {"digest_frequency": "weekly", "digest_weekday": "saturday"}
    # Saturday 16:00 UTC is Sunday 01:00 in Tokyo: not its day
    assert notifications.due_period(tokyo, at("2026-11-28T16:00:00")) is None
    assert notifications.due_period(tokyo, at("2026-11-27T23:00:00")).key == "2026-W48"  # Saturday 08:00 there


def test_daily_is_due_once_per_local_calendar_day_and_off_never(db):
    org = make_org(timezone="Australia/Sydney")
    owner = make_user(org, role="owner")
    assert notifications.digest_setting(org) == {"frequency": "weekly", "weekday": "monday"}  # the default
    daily(org, owner)
    # 28 Nov 22:00 UTC is 29 Nov 09:00 in Sydney (UTC+11)
    period = notifications.due_period(org, at("2026-11-28T22:00:00"))
    assert (period.key, period.days) == ("2026-11-29", 1)
    assert notifications.due_period(org, at("2026-11-29T05:00:00")).key == "2026-11-29"  # 16:00 the same day
    notifications.update_digest_setting(org, owner, frequency="off")
    assert notifications.due_period(org, at("2026-11-28T22:00:00")) is None


def test_the_digest_setting_is_validated_and_only_owners_and_managers_change_it(db, org, owner, member):
    with pytest.raises(ValidationFailed):
        notifications.update_digest_setting(org, owner, frequency="hourly")
    with pytest.raises(ValidationFailed):
        notifications.update_digest_setting(org, owner, weekday="someday")
    with pytest.raises(PermissionDenied):
        notifications.update_digest_setting(org, member, frequency="daily")
    assert notifications.digest_setting(org)["frequency"] == "weekly"


# ---- who gets it, and when nothing goes -----------------------------------------------------------------

def test_nothing_to_say_sends_nothing(any_hour, org, owner):
    daily(org, owner)
    with Outbox() as outbox:
        run = notifications.send_digests()
    assert outbox == [] and run.sent == 0 and run.nothing_to_say == 1 and run.organizations == 1
    assert db.session.scalars(select(DigestDelivery)).all() == []


def test_second_run_in_the_same_period_sends_nothing(any_hour, org, owner):
    daily(org, owner)
    something_to_say(org)
    with Outbox() as outbox:
        first = notifications.send_digests()
        second = notifications.send_digests()
    assert (first.sent, second.sent, second.already_sent) == (1, 0, 1)
    assert [m.recipients for m in outbox] == [[owner.email]]
    [row] = db.session.scalars(select(DigestDelivery)).all()
    assert (row.user_id, row.period) == (owner.id, notifications.due_period(org, utcnow()).key)


def test_opted_in_member_gets_it_opted_out_owner_does_not(any_hour, org, owner, member, viewer):
    daily(org, owner)
    something_to_say(org)
    second_owner = make_user(org, role="owner", email="second@juniper.test")
    make_user(org, role="owner", email="gone@juniper.test", active=False)
    notifications.update_preferences(org, member, digest=True)
    notifications.update_preferences(org, second_owner, digest=False)
    with Outbox() as outbox:
        run = notifications.send_digests()
    assert sorted(m.recipients[0] for m in outbox) == sorted([owner.email, member.email])  # not the viewer
    assert run.sent == 2


def test_a_member_whose_role_cannot_see_reports_cannot_opt_in(db, org, owner):
    from app.models import Role

    seller = make_user(org, role="maker")
    role = Role(organization_id=org.id, key="seller", name="Seller")
    db.session.add(role)
    seller.role = role
    db.session.commit()
    with pytest.raises(ValidationFailed):
        notifications.update_preferences(org, seller, digest=True)


def test_the_digest_says_what_is_open_and_every_link_starts_with_base_url(any_hour, app, org, owner, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://app.batchtrack.example/")
    daily(org, owner)
    item = something_to_say(org)
    with Outbox() as outbox:
        notifications.send_digests()
    [message] = outbox
    assert message.subject.startswith(f"{org.name}: Daily digest")
    assert "Shea butter" in message.body and "order about" in message.body and "OPEN ALERTS (1)" in message.body
    assert "Shea butter" in message.html and f"/inventory/{item.id}" in message.html
    for text in (message.body, message.html):
        links = links_in(text)
        assert links and all(link.startswith("https://app.batchtrack.example/") for link in links), links
    assert "https://app.batchtrack.example/settings/notifications" in message.body


def test_expiring_lots_and_the_periods_figures_are_in_the_digest(any_hour, org, owner):
    from datetime import timedelta

    from app.services.timezones import org_today

    from ...factories import make_item, make_lot

    daily(org, owner)
    jar = make_item(org, name="Glass jar", unit="each")
    lot = make_lot(org, jar, "12", "2", expires_on=org_today(org) + timedelta(days=3))
    with Outbox() as outbox:
        notifications.send_digests()
    [message] = outbox
    assert "EXPIRING SOON (1)" in message.body and f"Lot {lot.code}: 12 each of Glass jar" in message.body
    assert "LAST 1 DAY\nStock movements: 1\n" in message.body and "Inventory value now: $24.00" in message.body


def test_stock_movements_alone_are_something_to_say_and_old_ones_are_not(any_hour, db, org, owner):
    from app.models import InventoryEvent

    from ...control_tower_support import age_events
    from ...factories import make_item, make_lot

    daily(org, owner)
    make_lot(org, make_item(org, name="Beeswax"), "10", "1")  # no reorder point, no expiry: no alert
    events = db.session.scalars(select(InventoryEvent)).all()
    age_events(events, 2)  # two days ago: outside a daily digest's period
    with Outbox() as outbox:
        assert notifications.send_digests().nothing_to_say == 1
        make_lot(org, make_item(org, name="Soy wax"), "5", "1")  # today
        assert notifications.send_digests().sent == 1
    assert "Stock movements: 1" in outbox[0].body


def test_names_are_escaped_in_the_html_mail(any_hour, org, owner):
    daily(org, owner)
    something_to_say(org, name="<b>Bold</b> & soap")
    with Outbox() as outbox:
        notifications.send_digests()
    [message] = outbox
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; soap" in message.html and "<b>Bold</b>" not in message.html
    assert "<b>Bold</b> & soap" in message.body  # the text part is plain text


def test_suspended_and_cancelled_organizations_get_no_digest(any_hour, db):
    suspended = make_org(name="Suspended Co", suspended_at=utcnow())
    cancelled = make_org(name="Cancelled Co", tier="free")
    cancelled.billing_status = "canceled"
    for org in (suspended, cancelled):
        make_user(org, role="owner")
        org.settings = {"digest_frequency": "daily"}
        db.session.commit()
        something_to_say(org)
    with Outbox() as outbox:
        run = notifications.send_digests()
    assert outbox == [] and run.organizations == 0


def test_one_organizations_failure_does_not_stop_the_others(any_hour, db, monkeypatch):
    first, second = make_org(name="Broken Co"), make_org(name="Fine Co")
    for org in (first, second):
        owner = make_user(org, role="owner")
        daily(org, owner)
        something_to_say(org)
    real = digest_module.compose

    def compose(org, *args, **kwargs):
        if org.name == "Broken Co":
            raise RuntimeError("boom")
        return real(org, *args, **kwargs)

    monkeypatch.setattr(digest_module, "compose", compose)
    with Outbox() as outbox:
        run = notifications.send_digests()
    assert run.failed == [first.id] and run.sent == 1 and len(outbox) == 1


def test_a_refused_mail_is_not_recorded_so_the_next_run_retries(any_hour, org, owner, monkeypatch):
    daily(org, owner)
    something_to_say(org)
    from app.services.notifications import mail as mail_module

    real_send_mail = mail_module.send_mail
    monkeypatch.setattr(mail_module, "send_mail", lambda *args, **kwargs: False)
    run = notifications.send_digests()
    assert run.failed == [org.id] and run.sent == 0
    assert db.session.scalars(select(DigestDelivery)).all() == []
    # put the mail back only: monkeypatch.undo() would also undo any_hour, and before 07:00 nothing is due
    monkeypatch.setattr(mail_module, "send_mail", real_send_mail)
    with Outbox() as outbox:
        assert notifications.send_digests().sent == 1
    assert [m.recipients for m in outbox] == [[owner.email]]


def test_send_me_one_now_ignores_the_period_and_says_when_there_is_nothing(db, org, owner):
    notifications.update_digest_setting(org, owner, frequency="off")
    with Outbox() as outbox:
        assert notifications.send_digest_now(org, owner)["reason"] == "nothing_to_report"
        something_to_say(org)
        assert notifications.send_digest_now(org, owner) == {"sent": True, "reason": "sent", "email": owner.email}
        assert notifications.send_digest_now(org, owner)["sent"] is True  # not a period's delivery
    assert len(outbox) == 2
    assert db.session.scalars(select(DigestDelivery)).all() == []


def test_an_item_whose_shortfall_is_already_on_order_says_so_not_order_about_zero(any_hour, org, owner):
    """When a sent purchase order already covers an item's shortfall, do the digest and the alert say what is on
    its way and suggest nothing, instead of "order about 0 each"?"""
    from app.services import control_tower, purchasing

    from ...factories import make_item, make_lot, make_supplier

    daily(org, owner)
    supplier = make_supplier(org, name="Box Co")
    boxes = make_item(org, name="Kraft soap box", unit="each", reorder_point=Decimal("50"), supplier_id=supplier.id)
    make_lot(org, boxes, "10", "1")
    order = purchasing.create_purchase_order(org, owner, supplier_id=supplier.id,
                                             lines=[{"item_id": boxes.id, "quantity": "40", "unit_cost": "1"}])
    purchasing.send_purchase_order(org, owner, order.id)
    [alert] = [a for a in control_tower.list_alerts(org, owner) if a.alert.item_id == boxes.id]
    assert alert.condition.message == ("Kraft soap box is at or below its reorder point: 10 each available, "
                                       "40 each on its way, reorder point 50 each.")
    with Outbox() as outbox:
        notifications.send_digests()
    [message] = outbox
    assert "- Kraft soap box: nothing more to order (10 each available, 40 each on its way; Box Co)" in message.body
    assert "order about 0" not in message.body and "+ 40 on its way" in message.html
