"""The AI recipe assistant against a local fake model server: the flag and plan gates, the request the app sends,
drafts matched to the organization's items, a malformed answer (502), a timeout / HTTP error / unreachable server
(503), the monthly quota (429), the per-organization log, that nothing but the log is written, the page that saves
a draft only when the maker confirms, and BATCHTRACK_FEATURES overrides."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Recipe
from app.models.integrations import AssistantRequest
from app.models.types import utcnow
from app.services.features import UnknownFeatureFlag, load_settings, parse_overrides

from ..factories import make_item, make_org, make_user
from ..helpers import csrf_token
from ..model_server_fake import FakeModelServer

pytestmark = pytest.mark.usefixtures("reference_data")

DRAFT_URL = "/api/v1/assistant/recipe-draft"


@pytest.fixture()
def model(app, monkeypatch):
    server = FakeModelServer().start()
    monkeypatch.setitem(app.config, "AI_BASE_URL", server.base_url)
    monkeypatch.setitem(app.config, "AI_API_KEY", "sk-local-test")
    monkeypatch.setitem(app.config, "AI_MODEL", "tiny-chef")
    monkeypatch.setitem(app.config, "AI_TIMEOUT", 0.5)
    monkeypatch.setitem(app.config, "AI_MONTHLY_QUOTA", 100)
    monkeypatch.setitem(app.extensions["batchtrack_flags"], "ai_assistant", True)
    yield server
    server.stop()


@pytest.fixture()
def items(org):
    return make_item(org, name="Olive Oil", unit="g"), make_item(org, name="Sodium Hydroxide", unit="g")


def _log_count() -> int:
    return db.session.scalar(select(func.count(AssistantRequest.id)))


def test_flag_off_is_404_and_nothing_is_sent(app, api, owner, monkeypatch):
    server = FakeModelServer().start()
    try:
        monkeypatch.setitem(app.config, "AI_BASE_URL", server.base_url)
        assert app.extensions["batchtrack_flags"]["ai_assistant"] is False  # off by default (settings.json)
        assert api(owner).post(DRAFT_URL, json={"prompt": "soap"}).status_code == 404
        assert api(owner).get("/api/v1/assistant/log").status_code == 404
        assert server.requests == []
    finally:
        server.stop()


@pytest.mark.parametrize("tier", ["free", "solo"])
def test_plans_below_team_get_upgrade_required(api, model, tier):
    org = make_org(tier=tier)
    owner = make_user(org, role="owner")
    response = api(owner).post(DRAFT_URL, json={"prompt": "soap"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "upgrade_required"
    assert model.requests == []


def test_a_draft_matches_the_organizations_items_and_writes_nothing_but_the_log(api, owner, org, model, items):
    oil, lye = items
    response = api(owner).post(DRAFT_URL, json={"prompt": "  A lavender castile soap, 10 bars  "})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["usage"] == {"used": 1, "quota": 100}
    draft = body["draft"]
    assert draft["name"] == "Lavender Castile" and draft["yield_quantity"] == "10" and draft["yield_unit"] == "each"
    assert draft["notes"] == "Cure 4 weeks."
    assert draft["lines"] == [
        {"name": "olive OIL", "item_id": oil.id, "quantity": "700", "unit": "g"},
        {"name": "Sodium hydroxide", "item_id": lye.id, "quantity": "93.5", "unit": "g"},
        {"name": "Dragon tears", "item_id": None, "quantity": "5", "unit": "mL"},
    ]
    path, headers, sent = model.requests[0]
    assert path == "/v1/chat/completions"
    assert headers["Authorization"] == "Bearer sk-local-test"
    assert sent["model"] == "tiny-chef" and sent["response_format"] == {"type": "json_object"}
    text = json.dumps(sent["messages"])
    assert "A lavender castile soap, 10 bars" in text and "Olive Oil" in text and "Sodium Hydroxide" in text
    assert db.session.scalar(select(func.count(Recipe.id))) == 0
    log = api(owner).get("/api/v1/assistant/log").get_json()["items"]
    assert len(log) == 1 and log[0]["status"] == "ok" and log[0]["answer"] == model.content
    assert log[0]["prompt"] == "A lavender castile soap, 10 bars" and log[0]["created_at"].endswith("Z")


def test_an_empty_prompt_is_422_and_sends_nothing(api, owner, model):
    for body in ({"prompt": "   "}, {"prompt": ""}, {}):
        assert api(owner).post(DRAFT_URL, json=body).status_code == 422
    assert model.requests == [] and _log_count() == 0


@pytest.mark.parametrize("mode", ["malformed", "not_json"])
def test_an_answer_that_is_not_the_recipe_object_is_502(api, owner, model, mode):
    model.mode = mode
    response = api(owner).post(DRAFT_URL, json={"prompt": "soap"})
    assert response.status_code == 502
    assert response.get_json()["error"]["code"] == "assistant_bad_answer"
    entry = api(owner).get("/api/v1/assistant/log").get_json()["items"][0]
    assert entry["status"] == "bad_answer" and entry["answer"]
    assert db.session.scalar(select(func.count(Recipe.id))) == 0


def test_wrong_shapes_inside_json_are_bad_answers(api, owner, model):
    for content in ({"name": "X", "yield_quantity": 1, "yield_unit": "each"},  # no lines
                    {"name": "X", "yield_quantity": "lots", "yield_unit": "each", "lines": [], "notes": ""},
                    {"name": "X", "yield_quantity": 1, "yield_unit": "each", "lines": [{"name": "a"}], "notes": ""},
                    ["not", "an", "object"]):
        model.content = json.dumps(content)
        response = api(owner).post(DRAFT_URL, json={"prompt": "soap"})
        assert response.status_code == 502, content


@pytest.mark.parametrize("mode", ["timeout", "error"])
def test_a_timeout_or_an_http_error_is_503_and_still_counts(api, owner, model, mode):
    model.mode = mode
    response = api(owner).post(DRAFT_URL, json={"prompt": "soap"})
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "assistant_unavailable"
    entry = api(owner).get("/api/v1/assistant/log").get_json()["items"][0]
    assert entry["status"] == "unavailable" and entry["answer"] is None
    model.mode = "good"
    assert api(owner).post(DRAFT_URL, json={"prompt": "soap"}).get_json()["usage"]["used"] == 2


def test_an_unreachable_provider_is_503(app, api, owner, model, monkeypatch):
    monkeypatch.setitem(app.config, "AI_BASE_URL", "http://127.0.0.1:9/v1")  # discard port: nothing listens
    response = api(owner).post(DRAFT_URL, json={"prompt": "soap"})
    assert response.status_code == 503 and response.get_json()["error"]["code"] == "assistant_unavailable"


def test_the_monthly_quota_counts_every_request_sent(app, api, owner, org, model, monkeypatch):
    monkeypatch.setitem(app.config, "AI_MONTHLY_QUOTA", 2)
    db.session.add(AssistantRequest(organization_id=org.id, prompt="last month", status="ok",
                                    created_at=utcnow().replace(day=1) - timedelta(days=1)))
    db.session.commit()
    model.mode = "error"
    assert api(owner).post(DRAFT_URL, json={"prompt": "one"}).status_code == 503
    model.mode = "good"
    assert api(owner).post(DRAFT_URL, json={"prompt": "two"}).get_json()["usage"] == {"used": 2, "quota": 2}
    over = api(owner).post(DRAFT_URL, json={"prompt": "three"})
    assert over.status_code == 429 and over.get_json()["error"]["code"] == "quota_exceeded"
    assert len(model.requests) == 2


def test_the_log_is_newest_first_and_per_organization(api, owner, other_owner, model):
    api(owner).post(DRAFT_URL, json={"prompt": "first"})
    api(owner).post(DRAFT_URL, json={"prompt": "second"})
    assert [e["prompt"] for e in api(owner).get("/api/v1/assistant/log").get_json()["items"]] == ["second", "first"]
    assert api(other_owner).get("/api/v1/assistant/log").get_json()["items"] == []


# ---- the page --------------------------------------------------------------------------------------

def test_the_page_shows_a_draft_and_saves_it_only_when_the_maker_confirms(client, login, owner, org, model, items):
    oil, lye = items
    login(owner)
    token = csrf_token(client, "/assistant")
    shown = client.post("/assistant", data={"prompt": "castile soap", "csrf_token": token})
    assert shown.status_code == 200
    html = shown.get_data(as_text=True)
    assert "Lavender Castile" in html and "Dragon tears" in html and "not in your inventory" in html
    assert db.session.scalar(select(func.count(Recipe.id))) == 0

    form = {"csrf_token": token, "name": "Lavender Castile", "yield_quantity": "10", "yield_unit": "each",
            "notes": "Cure 4 weeks.",
            "line-0-name": "olive OIL", "line-0-item_id": str(oil.id), "line-0-quantity": "700", "line-0-unit": "g",
            "line-0-include": "1",
            "line-1-name": "Sodium hydroxide", "line-1-item_id": str(lye.id), "line-1-quantity": "93.5",
            "line-1-unit": "g", "line-1-include": "1",
            "line-2-name": "Dragon tears", "line-2-item_id": "", "line-2-quantity": "5", "line-2-unit": "mL",
            "line-2-include": "1"}
    refused = client.post("/assistant/save", data=form)
    assert refused.status_code == 422 and "Dragon tears" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Recipe.id))) == 0

    del form["line-2-include"]  # the maker leaves the unknown ingredient out
    saved = client.post("/assistant/save", data=form)
    assert saved.status_code == 302
    recipe = db.session.scalars(select(Recipe)).one()
    assert recipe.name == "Lavender Castile"
    assert saved.headers["Location"].endswith(f"/recipes/{recipe.id}")


def test_the_page_is_404_with_the_flag_off(client, login, owner):
    login(owner)
    assert client.get("/assistant").status_code == 404


def test_a_provider_failure_on_the_page_is_a_message_not_a_500(client, login, owner, model):
    model.mode = "error"
    login(owner)
    token = csrf_token(client, "/assistant")
    response = client.post("/assistant", data={"prompt": "soap", "csrf_token": token})
    assert response.status_code == 503
    assert "not answering" in response.get_data(as_text=True)


# ---- BATCHTRACK_FEATURES ---------------------------------------------------------------------------

def test_operators_override_flags_with_batchtrack_features(tmp_path, monkeypatch):
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps({"feature_flags": {"ai_assistant": False, "recall": True}}))
    monkeypatch.setenv("BATCHTRACK_FEATURES", "ai_assistant=on, recall=off")
    flags = load_settings(settings)
    assert flags["ai_assistant"] is True and flags["recall"] is False
    assert load_settings(settings, "")["ai_assistant"] is False  # an explicit (empty) override wins over the env
    with pytest.raises(UnknownFeatureFlag):
        parse_overrides("ai_asistant=on")
    with pytest.raises(ValueError):
        parse_overrides("ai_assistant=maybe")


def test_the_environment_switches_the_assistant_on_in_a_new_app(make_app, monkeypatch):
    monkeypatch.setenv("BATCHTRACK_FEATURES", "ai_assistant=on")
    assert make_app(SQLALCHEMY_DATABASE_URI="sqlite://").extensions["batchtrack_flags"]["ai_assistant"] is True
