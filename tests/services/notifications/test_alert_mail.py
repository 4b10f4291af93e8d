"""Alert e-mails (`flask jobs send-alerts`): newly opened alerts of the types an owner or manager chose, several
in one mail, each alert mailed once; never sent from the stock change itself."""
from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Alert
from app.services import inventory, notifications
from app.services.errors import ValidationFailed

from ...factories import make_item, make_lot, make_org, make_user
from .support import Outbox, links_in

D = Decimal


def _out_of_stock(org, owner, name="Cocoa butter"):
    """An item used up: below its reorder point and out of stock (two alerts)."""
    item = make_item(org, name=name, reorder_point=D("5"))
    make_lot(org, item, "10", "1")
    inventory.deduct(org, owner, item.id, "10", change_type="use")
    return item


def test_only_the_chosen_types_are_mailed_and_each_alert_only_once(app, org, owner, member, monkeypatch):
    monkeypatch.setitem(app.config, "BASE_URL", "https://mail.batchtrack.example")
    manager = make_user(org, role="manager", email="manager@juniper.test")
    notifications.update_preferences(org, owner, digest=True, alert_types=["stockout"])
    notifications.update_preferences(org, manager, digest=False, alert_types=["below_reorder", "stockout"])
    with Outbox() as outbox:
        item = _out_of_stock(org, owner)
        assert outbox == []  # the stock change itself mails nothing
        run = notifications.send_alert_mails()
    assert (run.alerts, run.mails, run.failed) == (2, 2, [])
    mails = {m.recipients[0]: m for m in outbox}
    assert set(mails) == {owner.email, manager.email}  # the maker chose nothing (and may not)
    mine = mails[owner.email]
    assert "out of stock" in mine.body and "reorder point" not in mine.body
    assert mine.subject.startswith(f"{org.name}: 1 new alert")
    both = mails[manager.email]
    assert "out of stock" in both.body and "reorder point" in both.body and "2 new alerts" in both.subject
    for text in (mine.body, mine.html, both.body, both.html):
        assert links_in(text) and all(link.startswith("https://mail.batchtrack.example/") for link in links_in(text))
    assert f"https://mail.batchtrack.example/inventory/{item.id}" in mine.body
    rows = db.session.scalars(select(Alert).where(Alert.closed_at.is_(None))).all()
    assert rows and all(row.emailed_at is not None for row in rows)
    with Outbox() as again:
        second = notifications.send_alert_mails()
    assert again == [] and second.alerts == 0


def test_many_new_alerts_make_one_short_mail_with_the_count(org, owner):
    """30 items fall below their reorder point at once (a big import): one mail that says 30, lists the first 25
    and points to the Alerts page for the rest, instead of a mail as long as the import."""
    notifications.update_preferences(org, owner, digest=True, alert_types=["below_reorder"])
    for number in range(30):
        make_item(org, name=f"Oil {number:02d}", reorder_point=D("5"))
    with Outbox() as outbox:
        run = notifications.send_alert_mails()
    assert run.alerts == 30 and len(outbox) == 1
    mail = outbox[0]
    assert "30 new alerts" in mail.subject and mail.body.startswith("30 new alerts")
    assert mail.body.count("\n- [warning]") == mail.html.count("<li ") == 25
    for text in (mail.body, mail.html):
        assert "Oil 24" in text and "Oil 25" not in text
        assert "and 5 more" in text and "/alerts" in text
    assert "30 new alerts" in mail.html


def test_an_alert_that_ends_and_starts_again_is_mailed_again(org, owner):
    notifications.update_preferences(org, owner, digest=True, alert_types=["stockout"])
    item = _out_of_stock(org, owner)
    with Outbox() as outbox:
        notifications.send_alert_mails()
        inventory.restock(org, owner, item.id, quantity="3", unit_cost="1")  # the stock-out ends
        inventory.deduct(org, owner, item.id, "3", change_type="use")  # and starts again
        notifications.send_alert_mails()
    assert [m.recipients for m in outbox] == [[owner.email], [owner.email]]


def test_dismissed_alerts_are_not_mailed(org, owner):
    from app.services import control_tower

    notifications.update_preferences(org, owner, digest=True, alert_types=["below_reorder"])
    item = make_item(org, name="Mica", reorder_point=D("5"))
    make_lot(org, item, "4", "1")
    [view] = control_tower.list_alerts(org, owner)
    control_tower.dismiss_alert(org, owner, view.alert.id)
    with Outbox() as outbox:
        assert notifications.send_alert_mails().alerts == 0
    assert outbox == []


def test_members_cannot_choose_alert_mails_and_unknown_types_are_refused(org, owner, member):
    with pytest.raises(ValidationFailed):
        notifications.update_preferences(org, member, digest=False, alert_types=["stockout"])
    with pytest.raises(ValidationFailed):
        notifications.update_preferences(org, owner, digest=True, alert_types=["price_drop"])
    assert notifications.get_preferences(org, owner).alert_types == []  # none by default


def test_a_refused_mail_releases_the_alerts_for_the_next_run(org, owner, monkeypatch):
    from app.services.notifications import mail as mail_module

    notifications.update_preferences(org, owner, digest=True, alert_types=["stockout"])
    _out_of_stock(org, owner)
    monkeypatch.setattr(mail_module, "send_mail", lambda *args, **kwargs: False)
    run = notifications.send_alert_mails()
    assert run.failed == [org.id] and run.mails == 0
    monkeypatch.undo()
    with Outbox() as outbox:
        assert notifications.send_alert_mails().mails == 1
    assert [m.recipients for m in outbox] == [[owner.email]]


def test_other_organizations_alerts_never_reach_this_owner(db, org, owner):
    other = make_org(name="Other Co")
    other_owner = make_user(other, role="owner")
    notifications.update_preferences(org, owner, digest=True, alert_types=["stockout"])
    notifications.update_preferences(other, other_owner, digest=True, alert_types=[])
    _out_of_stock(other, other_owner, name="Their wax")
    with Outbox() as outbox:
        notifications.send_alert_mails()
    assert outbox == []
