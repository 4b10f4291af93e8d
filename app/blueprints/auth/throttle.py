"""Throttling of failed sign-ins, shared by POST /login and POST /api/v1/auth/token.

Policy (also in docs/OPERATIONS.md, "Sign-in throttling"): only wrong passwords are counted, per client
address and per email, LOGIN_RATE_LIMIT each (10 a minute by default); a success is never counted.
- An address over its own limit gets 429, even with the right password.
- An email over its limit gets 429 from any address that has itself failed in the window; an address
  that has not been failing may still try: the right password signs in (so strangers cannot lock a
  known user out by guessing), a wrong one is counted against both and answered 429.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

from flask import current_app
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse
from werkzeug.exceptions import TooManyRequests

from ...extensions import limiter

MESSAGE = "Too many failed sign-in attempts; wait a minute and try again."


@dataclass
class Attempt:
    """One sign-in attempt that passed the throttle; report a wrong password with failed()."""

    throttle: "SignInThrottle"
    limit: RateLimitItem | None
    address_key: tuple[str, ...]
    email_key: tuple[str, ...] | None
    email_over_limit: bool

    def failed(self) -> None:
        """Count a wrong password against the address and the email; 429 if the email was already over."""
        if self.limit is None:
            return
        strategy = limiter.limiter
        strategy.hit(self.limit, *self.address_key)
        if self.email_key is not None:
            strategy.hit(self.limit, *self.email_key)
        if self.email_over_limit:
            raise self.throttle.too_many(self.limit, self.email_key)


class SignInThrottle:
    def __init__(self, scope: str):
        self.scope = scope

    def check(self, email: str | None) -> Attempt:
        """Before the password is checked: 429 when this address is over its own limit, or when the
        email is over its limit and this address has been failing too."""
        address_key = (self.scope, "address", get_remote_address() or "unknown")
        email = (email or "").strip().lower()
        email_key = (self.scope, "email", email) if email else None
        if not (limiter.enabled and current_app.config.get("RATELIMIT_ENABLED", True)):
            return Attempt(self, None, address_key, email_key, False)
        limit = parse(current_app.config["LOGIN_RATE_LIMIT"])
        strategy = limiter.limiter
        if not strategy.test(limit, *address_key):
            raise self.too_many(limit, address_key)
        email_over = email_key is not None and not strategy.test(limit, *email_key)
        if email_over and strategy.get_window_stats(limit, *address_key).remaining < limit.amount:
            raise self.too_many(limit, email_key)
        return Attempt(self, limit, address_key, email_key, email_over)

    @staticmethod
    def too_many(limit: RateLimitItem, key: tuple[str, ...]) -> TooManyRequests:
        reset_at = limiter.limiter.get_window_stats(limit, *key).reset_time
        return TooManyRequests(MESSAGE, retry_after=max(1, int(reset_at - time.time()) + 1))


login_throttle = SignInThrottle("login")
token_throttle = SignInThrottle("api-token")
