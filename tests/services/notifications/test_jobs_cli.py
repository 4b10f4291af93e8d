"""`flask jobs send-digest` and `flask jobs send-alerts` from the command line, and a real SMTP delivery of the
digest (aiosmtpd) with production's mail settings."""
from __future__ import annotations

import re

from app.services import notifications

from ..test_mail_delivery import BASE, _wait_for, production_mail, smtp_sink  # noqa: F401 (fixtures)
from .support import Outbox, any_hour, daily, something_to_say  # noqa: F401 (fixture)


def test_send_digest_prints_a_summary_and_is_idempotent(any_hour, app, org, owner):
    daily(org, owner)
    something_to_say(org)
    runner = app.test_cli_runner()
    with Outbox() as outbox:
        first = runner.invoke(args=["jobs", "send-digest"])
        second = runner.invoke(args=["jobs", "send-digest"])
    assert first.exit_code == 0, first.output
    assert "Digest: 1 sent, 0 already sent this period" in first.output
    assert second.exit_code == 0 and "Digest: 0 sent, 1 already sent this period" in second.output
    assert len(outbox) == 1


def test_send_digest_exits_1_when_an_organization_failed(any_hour, app, org, owner, monkeypatch):
    from app.services.notifications import digest as digest_module

    daily(org, owner)
    something_to_say(org)
    monkeypatch.setattr(digest_module, "compose", lambda *args, **kwargs: 1 / 0)
    result = app.test_cli_runner().invoke(args=["jobs", "send-digest"])
    assert result.exit_code == 1 and f"Failed for organization(s): {org.id}" in result.output


def test_send_alerts_prints_a_summary(app, org, owner):
    notifications.update_preferences(org, owner, digest=True, alert_types=["below_reorder"])
    something_to_say(org)
    runner = app.test_cli_runner()
    with Outbox() as outbox:
        first = runner.invoke(args=["jobs", "send-alerts"])
        second = runner.invoke(args=["jobs", "send-alerts"])
    assert first.exit_code == 0, first.output
    assert "Alerts: 1 new alert(s) in 1 organization(s); 1 e-mail(s) sent." in first.output
    assert "Alerts: 0 new alert(s)" in second.output
    assert len(outbox) == 1


def test_the_digest_really_goes_out_over_smtp_in_production(any_hour, production_mail, org, owner):
    """Production mail settings: the digest reaches a real SMTP server as text + HTML, links from BASE_URL."""
    daily(org, owner)
    something_to_say(org)
    run = notifications.send_digests()
    assert run.sent == 1 and run.failed == []
    [(sender, recipients, message)] = _wait_for(production_mail, 1)
    assert recipients == [owner.email] and "batchtrack.test" in sender
    parts = {part.get_content_type(): part.get_payload(decode=True).decode() for part in message.walk()
             if not part.is_multipart()}
    assert set(parts) == {"text/plain", "text/html"}
    for text in parts.values():
        links = re.findall(r"""https?://[^\s"'<>)]+""", text)
        assert links and all(link.startswith(BASE + "/") for link in links)
    assert "Shea butter" in parts["text/plain"] and "Shea butter" in parts["text/html"]
