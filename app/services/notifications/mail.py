"""The digest and alert e-mails: text and HTML from templates/mail/, every link from BASE_URL
(app.links.absolute_url), never from a request's Host header."""
from __future__ import annotations

from decimal import Decimal

from flask import current_app

from ...links import absolute_url
from ..mailer import send_mail
from .preferences import ALERT_LABELS

MAX_LINES = 25  # per section; the rest is "and N more" with the page's link


def _subject(text: str) -> str:
    """One header line, at most 200 characters (names may hold anything a maker typed)."""
    return " ".join(text.split())[:200]


def _render(name: str, **context) -> str:
    # The app's Jinja environment (its qty/money filters) without request context processors: mail is
    # composed the same way in a request, a CLI job or a worker.
    return current_app.jinja_env.get_template(name).render(**context)


def _one_place(value: Decimal | None, suffix: str = "") -> str | None:
    return None if value is None else f"{value.quantize(Decimal('0.1'))}{suffix}"


def alert_link(alert) -> str:
    """Where an alert is dealt with: its item, its batch, else the alerts page."""
    if alert.batch_id is not None:
        return absolute_url("batches.batch_detail", batch_id=alert.batch_id)
    if alert.item_id is not None:
        return absolute_url("inventory.item_detail", item_id=alert.item_id)
    return absolute_url("reports.alert_list")


def _alert_lines(views) -> list[dict]:
    """What the mails show of each alert: its type, severity, message and the page to deal with it."""
    return [{"type": ALERT_LABELS[v.alert.type], "severity": v.condition.severity, "message": v.condition.message,
             "link": alert_link(v.alert)} for v in views]


def _links() -> dict:
    return {"alerts": absolute_url("reports.alert_list"), "reorder": absolute_url("reports.reorder_page"),
            "expiring": absolute_url("inventory.expiring_list"), "reports": absolute_url("reports.report_dashboard"),
            "preferences": absolute_url("notifications.preferences"), "dashboard": absolute_url("main.dashboard")}


def digest_context(digest, user) -> dict:
    """What the digest templates show."""
    k = digest.kpis
    alerts = _alert_lines(digest.alerts)
    reorder = [{"name": line.item.name, "unit": line.item.unit, "available": line.reorder.available,
                "suggested": line.reorder.suggested_quantity,
                "coming": line.reorder.on_order + line.reorder.in_transit,  # on order or in transit already
                "supplier": line.supplier.name if line.supplier else None,
                "link": absolute_url("inventory.item_detail", item_id=line.item.id)} for line in digest.reorder]
    expiring = [{"code": lot.code, "name": lot.item.name, "unit": lot.item.unit, "remaining": lot.remaining_quantity,
                 "expires_on": lot.expires_on.isoformat(),
                 "link": absolute_url("inventory.item_detail", item_id=lot.item_id)} for lot in digest.expiring]
    currency = digest.org.currency or "USD"
    kpis = {"days": k["days"], "revenue": k["revenue"], "cogs": k["cogs"], "gross_margin": k["gross_margin"],
            "gross_margin_pct": _one_place(k["gross_margin_pct"], " %"), "usage_cost": k["usage_cost"],
            "inventory_value": k["inventory_value"], "expiring_value": k["expiring_value"],
            "expired_value": k["expired_value"], "weeks_of_supply": _one_place(k["weeks_of_supply"]),
            "stockouts": k["stockouts"], "below_reorder": k["below_reorder"]}
    return {"org": digest.org, "user": user, "label": digest.label, "currency": currency, "kpis": kpis,
            "activity": digest.activity, "alerts": alerts[:MAX_LINES], "more_alerts": max(0, len(alerts) - MAX_LINES),
            "reorder": reorder[:MAX_LINES], "more_reorder": max(0, len(reorder) - MAX_LINES),
            "expiring": expiring[:MAX_LINES], "more_expiring": max(0, len(expiring) - MAX_LINES),
            "links": _links()}


def digest_subject(digest) -> str:
    """The digest's subject line."""
    return f"{digest.org.name}: {digest.label}"


def send_digest(digest, user) -> bool:
    """Mail the digest to `user` (text + HTML); False when the mail server refused it."""
    context = digest_context(digest, user)
    return send_mail(user.email, _subject(digest_subject(digest)), _render("mail/digest.txt", **context),
                     html=_render("mail/digest.html", **context))


def send_alerts(org, user, views) -> bool:
    """Mail `user` the alerts that just opened (one mail for all of them: the first MAX_LINES, then how many more
    with the Alerts page's link)."""
    alerts = _alert_lines(views)
    count = len(alerts)
    subject = f"{org.name}: {count} new alert{'s' if count != 1 else ''}" + (f" — {alerts[0]['message']}"
                                                                               if count == 1 else "")
    context = {"org": org, "user": user, "alerts": alerts[:MAX_LINES], "count": count,
               "more_alerts": max(0, count - MAX_LINES), "links": _links()}
    return send_mail(user.email, _subject(subject), _render("mail/alerts.txt", **context),
                     html=_render("mail/alerts.html", **context))
