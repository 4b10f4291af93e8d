"""The "digest" job ("Send me a digest now" on the Notifications page): the member's digest mailed at once,
whatever the period (not recorded as the period's delivery). Params {}; result {"sent", "reason", "email"}
with reason "sent" or "nothing_to_report"; a refused mail fails the job (Retry on its page)."""
from __future__ import annotations

from ..jobs import JobFailed, handler
from .digest import send_digest_now


@handler("digest", permission="reports.view")
def run_digest(ctx) -> dict:
    """Compose and mail the job creator's digest now."""
    result = send_digest_now(ctx.org, ctx.actor)
    if result["reason"] == "mail_failed":
        raise JobFailed("The mail server refused the digest. Retry in a moment; if it keeps failing, check the "
                        "mail settings.", result=result)
    ctx.progress(1, 1)
    return result
