"""The AI recipe assistant (flag `ai_assistant`; Team and Enterprise): a recipe draft from the maker's prompt and
their own items, through a provider interface whose implementation speaks the OpenAI-compatible chat API.

It writes nothing but its log: every request sent to the model is logged per organization (prompt, raw answer,
status) and counts toward the monthly quota (UTC calendar month), answered or not. A draft becomes a recipe only
when the maker saves it (recipes.create_recipe, from the page).

Unlike other services, draft_recipe is two short transactions around the HTTP call (log the request, then its
outcome): holding a write transaction open for up to AI_TIMEOUT seconds would stall every other writer.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Protocol

import requests
from flask import current_app
from sqlalchemy import func, select

from ...extensions import db
from ...models import InventoryItem, Organization
from ...models.integrations import AssistantRequest
from ...models.types import QUANTUM, utcnow
from .. import tenancy, units
from ..authz import authorize
from ..base import unit_of_work
from ..errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from ..features import feature_enabled

log = logging.getLogger(__name__)

FLAG = "ai_assistant"
TIERS = ("team", "enterprise")
MAX_PROMPT = 4000
MAX_ITEMS_SENT = 500
MAX_ANSWER_KEPT = 20000
MAX_DRAFT_LINES = 100


class AssistantUnavailable(DomainError):
    """No answer within AI_TIMEOUT, the provider unreachable, or answering with an HTTP error."""

    status = 503
    code = "assistant_unavailable"


class AssistantBadAnswer(DomainError):
    """The model answered, but not with the recipe object asked for."""

    status = 502
    code = "assistant_bad_answer"


class QuotaExceeded(DomainError):
    status = 429
    code = "quota_exceeded"


class ProviderUnavailable(Exception):
    """Raised by a provider that got no usable HTTP answer."""


class ProviderBadAnswer(Exception):
    """Raised by a provider whose answer is not a chat completion; `raw` is what came back."""

    def __init__(self, message: str, raw: str | None):
        super().__init__(message)
        self.raw = raw


class Provider(Protocol):
    """A model that answers chat messages with a JSON object as text."""

    def complete(self, messages: list[dict]) -> str:
        """The answer's content; ProviderUnavailable / ProviderBadAnswer otherwise."""


@dataclass
class OpenAICompatibleProvider:
    """POST {base_url}/chat/completions with a Bearer key, the model and response_format json_object."""

    base_url: str
    api_key: str | None
    model: str
    timeout: float = 20.0

    def complete(self, messages: list[dict]) -> str:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        body = {"model": self.model, "messages": messages, "response_format": {"type": "json_object"}}
        try:
            response = requests.post(self.base_url.rstrip("/") + "/chat/completions", json=body, headers=headers,
                                     timeout=self.timeout)
        except requests.RequestException as error:
            raise ProviderUnavailable(f"{type(error).__name__}") from None
        if response.status_code >= 400:
            raise ProviderUnavailable(f"HTTP {response.status_code}")
        text = response.text
        try:
            content = response.json()["choices"][0]["message"]["content"]
        except (ValueError, KeyError, IndexError, TypeError):
            raise ProviderBadAnswer("Not a chat completion.", text) from None
        if not isinstance(content, str):
            raise ProviderBadAnswer("The completion has no text content.", text)
        return content


def configured_provider() -> Provider:
    """The provider the settings name (AI_BASE_URL, AI_API_KEY, AI_MODEL, AI_TIMEOUT)."""
    config = current_app.config
    return OpenAICompatibleProvider(base_url=str(config.get("AI_BASE_URL") or ""), api_key=config.get("AI_API_KEY"),
                                    model=str(config.get("AI_MODEL") or ""), timeout=float(config.get("AI_TIMEOUT") or 20))


@dataclass
class DraftLine:
    name: str
    item_id: int | None
    quantity: Decimal
    unit: str


@dataclass
class Draft:
    name: str
    yield_quantity: Decimal
    yield_unit: str
    notes: str
    lines: list[DraftLine] = field(default_factory=list)


@dataclass
class DraftResult:
    draft: Draft
    used: int
    quota: int
    request_id: int


@dataclass
class Usage:
    used: int
    quota: int


# ---- gate -------------------------------------------------------------------------------------------

def require_assistant(org) -> None:
    """NotFound while the flag is off; PermissionDenied (upgrade_required) below the Team plan."""
    if not feature_enabled(org, FLAG):
        raise NotFound("Not found.")
    if org.tier is None or org.tier.key not in TIERS:
        raise PermissionDenied("The AI recipe assistant comes with the Team and Enterprise plans; upgrade to use it.",
                               code="upgrade_required")


def assistant_available(org) -> bool:
    """Is the assistant on and included in this organization's plan (for showing the page link)?"""
    try:
        require_assistant(org)
    except DomainError:
        return False
    return True


# ---- drafting ---------------------------------------------------------------------------------------

def draft_recipe(org, actor, prompt, *, provider: Provider | None = None) -> DraftResult:
    """Ask the model for a recipe draft from the maker's prompt and the organization's item names. Writes only
    the log entry; every request sent counts toward the quota."""
    require_assistant(org)
    authorize(actor, org, "recipes.edit")
    text = prompt.strip() if isinstance(prompt, str) else ""
    if not text:
        raise ValidationFailed("Describe the recipe you want a draft of.", fields={"prompt": "Enter a prompt."})
    if len(text) > MAX_PROMPT:
        message = f"At most {MAX_PROMPT} characters."
        raise ValidationFailed(message, fields={"prompt": message})
    items = _items(org)
    quota = monthly_quota()
    request_id, used = _log_request(org, actor, text, quota)
    messages = _messages(text, [item.name for item in items])
    provider = provider or configured_provider()
    try:
        content = provider.complete(messages)
    except ProviderUnavailable as error:
        log.warning("AI provider unavailable for organization %s: %s", org.id, error)
        _log_outcome(org, request_id, None, "unavailable")
        raise AssistantUnavailable("The recipe assistant is not answering right now; try again in a moment. "
                                   "Nothing was saved.") from None
    except ProviderBadAnswer as error:
        _log_outcome(org, request_id, error.raw, "bad_answer")
        raise AssistantBadAnswer("The recipe assistant gave an answer that is not a recipe draft; try rewording "
                                 "the request. Nothing was saved.") from None
    draft = parse_draft(content, items)
    if draft is None:
        _log_outcome(org, request_id, content, "bad_answer")
        raise AssistantBadAnswer("The recipe assistant gave an answer that is not a recipe draft; try rewording the "
                                 "request. Nothing was saved.")
    _log_outcome(org, request_id, content, "ok")
    return DraftResult(draft=draft, used=used, quota=quota, request_id=request_id)


def monthly_quota() -> int:
    """AI_MONTHLY_QUOTA: requests per organization per UTC calendar month."""
    return int(current_app.config.get("AI_MONTHLY_QUOTA") or 100)


def usage(org, actor) -> Usage:
    """Requests sent this UTC calendar month and the quota."""
    require_assistant(org)
    authorize(actor, org, "recipes.view")
    return Usage(used=_used_this_month(org), quota=monthly_quota())


def list_log(org, actor, *, page: int = 1, per_page: int = 50) -> tuple[list[AssistantRequest], int]:
    """The organization's requests to the model, newest first; (rows, total)."""
    require_assistant(org)
    authorize(actor, org, "recipes.view")
    base = tenancy.scoped(AssistantRequest, org)
    total = db.session.scalar(base.with_only_columns(func.count(AssistantRequest.id)))
    rows = db.session.scalars(base.order_by(AssistantRequest.id.desc()).offset((page - 1) * per_page).limit(per_page))
    return list(rows), int(total or 0)


def parse_draft(content: str, items) -> Draft | None:
    """The model's answer as a Draft (names matched to the organization's items), or None when it is not the
    object asked for: {"name", "yield_quantity", "yield_unit", "lines": [{"name", "quantity", "unit"}], "notes"}."""
    try:
        data = json.loads(content)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict):
        return None
    name, unit = _text(data.get("name"), 120), _text(data.get("yield_unit"), 40)
    yield_quantity = _positive(data.get("yield_quantity"))
    notes = data.get("notes", "")
    raw_lines = data.get("lines")
    if not name or not unit or yield_quantity is None or not isinstance(raw_lines, list):
        return None
    if notes is None:
        notes = ""
    if not isinstance(notes, str) or len(raw_lines) > MAX_DRAFT_LINES:
        return None
    by_name = {}
    for item in items:
        by_name.setdefault(item.name.strip().casefold(), item.id)
    lines = []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            return None
        line_name, line_unit = _text(raw.get("name"), 120), _text(raw.get("unit"), 40)
        quantity = _positive(raw.get("quantity"))
        if not line_name or not line_unit or quantity is None:
            return None
        lines.append(DraftLine(name=line_name, item_id=by_name.get(line_name.casefold()), quantity=quantity,
                               unit=line_unit))
    return Draft(name=name, yield_quantity=yield_quantity, yield_unit=unit, notes=notes.strip()[:5000], lines=lines)


# ---- helpers ----------------------------------------------------------------------------------------

def _items(org) -> list:
    stmt = (tenancy.scoped(InventoryItem, org).where(InventoryItem.archived_at.is_(None))
            .order_by(InventoryItem.name).limit(MAX_ITEMS_SENT))
    return list(db.session.scalars(stmt))


def _messages(prompt: str, item_names: list[str]) -> list[dict]:
    shape = ('{"name": string, "yield_quantity": number, "yield_unit": string, '
             '"lines": [{"name": string, "quantity": number, "unit": string}], "notes": string}')
    system = ("You help a small-batch maker (soap, candles, cosmetics, food) draft recipes. Answer with exactly one "
              f"JSON object of this shape and nothing else: {shape}. Use metric units (g, kg, mL, L) or each. "
              "Prefer the maker's own items and spell them exactly as listed; name anything else plainly. "
              "Put method, safety notes and substitutions in notes.")
    inventory = "The maker's items: " + ("; ".join(item_names) if item_names else "(none yet)") + "."
    return [{"role": "system", "content": system}, {"role": "system", "content": inventory},
            {"role": "user", "content": prompt}]


def _month_start(now: datetime | None = None) -> datetime:
    now = (now or utcnow()).astimezone(timezone.utc)
    return datetime(now.year, now.month, 1, tzinfo=timezone.utc)


def _used_this_month(org) -> int:
    stmt = tenancy.scoped(AssistantRequest, org, func.count(AssistantRequest.id)).where(
        AssistantRequest.created_at >= _month_start())
    return int(db.session.scalar(stmt) or 0)


@unit_of_work
def _log_request(org, actor, prompt: str, quota: int) -> tuple[int, int]:
    """Count the request against the quota (refused past it) and log it, before it is sent."""
    db.session.execute(select(Organization.id).where(Organization.id == org.id).with_for_update())  # one at a time
    used = _used_this_month(org)
    if used >= quota:
        raise QuotaExceeded(f"This organization has used its {quota} assistant requests for this month; the count "
                            "starts again on the 1st (UTC).")
    entry = AssistantRequest(organization_id=org.id, user_id=getattr(actor, "id", None), prompt=prompt,
                             status="unavailable", model=str(current_app.config.get("AI_MODEL") or "")[:120])
    db.session.add(entry)
    db.session.flush()
    return entry.id, used + 1


@unit_of_work
def _log_outcome(org, request_id: int, answer: str | None, status: str) -> None:
    entry = tenancy.get_for_org(AssistantRequest, request_id, org)
    entry.answer = answer[:MAX_ANSWER_KEPT] if isinstance(answer, str) else None
    entry.status = status


def _text(value, limit: int) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def _positive(value) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    if not number.is_finite() or number <= 0 or number >= Decimal("1e9"):
        return None
    return units.clean_decimal(number.quantize(QUANTUM)) if number.as_tuple().exponent < -6 else number
