"""API base: tokens, Bearer auth, the error shape for every /api/v1 error, OpenAPI document."""
from __future__ import annotations

from app.services import accounts

from ..factories import PASSWORD


def _token(client, email, password=PASSWORD, addr="127.0.0.1"):
    return client.post("/api/v1/auth/token", json={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": addr})


def test_token_endpoint_returns_token_user_and_organization(client, owner, org):
    """Does POST /auth/token answer 201 with the documented shape, and does the token work?"""
    response = _token(client, owner.email)
    assert response.status_code == 201
    body = response.get_json()
    assert set(body) == {"token", "user", "organization"}
    assert body["user"] == {"id": owner.id, "email": owner.email}
    assert body["organization"] == {"id": org.id, "name": org.name}
    assert accounts.user_for_token(body["token"]).id == owner.id


def test_wrong_credentials_are_401_with_error_shape(client, owner):
    """Is a wrong password (or unknown email) a 401 in the API error shape?"""
    for email, password in [(owner.email, "wrong-password"), ("nobody@example.com", PASSWORD)]:
        response = _token(client, email, password)
        assert response.status_code == 401
        error = response.get_json()["error"]
        assert error["code"] == "unauthorized" and error["message"]


def test_token_bad_input_is_4xx_never_500(client, owner):
    """Do missing fields, wrong types and malformed JSON get 4xx answers in the error shape?"""
    missing = client.post("/api/v1/auth/token", json={"email": owner.email})
    assert missing.status_code == 422
    assert missing.get_json()["error"]["code"] == "validation_error"
    assert "password" in missing.get_json()["error"]["fields"]
    wrong_type = client.post("/api/v1/auth/token", json={"email": 5, "password": ["x"]})
    assert wrong_type.status_code == 422
    malformed = client.post("/api/v1/auth/token", data="{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.get_json()["error"]["code"] == "malformed_json"
    empty = client.post("/api/v1/auth/token")
    assert empty.status_code in (400, 422)
    assert "error" in empty.get_json()


def test_failed_token_requests_are_throttled_per_email(client, owner):
    """After 10 failures for one email (from many addresses), is a failing address a 429 even with the
    right password (a clean address with the right password gets through: pages/test_account_security.py)?"""
    for index in range(10):
        assert _token(client, owner.email, "bad-password", addr=f"10.1.0.{index}").status_code == 401
    assert _token(client, owner.email, "another-guess", addr="10.2.0.1").status_code == 429
    blocked = _token(client, owner.email, PASSWORD, addr="10.1.0.3")
    assert blocked.status_code == 429
    assert blocked.headers.get("Retry-After")
    assert blocked.get_json()["error"]["code"] == "rate_limited"


def test_failed_token_requests_are_throttled_per_address(client, owner, member):
    """After 10 failures from one address (for many emails), is that address answered 429?"""
    for index in range(10):
        assert _token(client, f"nobody{index}@example.com", "bad-password", addr="10.9.9.9").status_code == 401
    assert _token(client, member.email, PASSWORD, addr="10.9.9.9").status_code == 429
    assert _token(client, member.email, PASSWORD, addr="10.9.9.8").status_code == 201


def test_successful_token_requests_are_not_throttled(client, owner):
    """Are 15 successful token requests in a row all answered 201?"""
    assert all(_token(client, owner.email).status_code == 201 for _ in range(15))


def test_missing_invalid_and_revoked_tokens_are_401(client, owner, api_token):
    """Does every /api/v1 endpoint refuse a missing, malformed or revoked token with 401?"""
    assert client.get("/api/v1/units").status_code == 401
    assert client.get("/api/v1/units", headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.get("/api/v1/units", headers={"Authorization": "Basic abc"}).status_code == 401
    raw = api_token(owner)
    token = accounts.list_api_tokens(owner)[0]
    accounts.revoke_api_token(owner, token.id)
    response = client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_deactivated_users_token_is_401(client, owner, api_token, db):
    """Does a deactivated user's token stop working at once?"""
    raw = api_token(owner)
    owner.active = False
    db.session.commit()
    assert client.get("/api/v1/units", headers={"Authorization": f"Bearer {raw}"}).status_code == 401


def test_unknown_api_route_and_wrong_method_use_the_error_shape(api, owner):
    """Are 404 and 405 under /api/v1 JSON errors?"""
    client = api(owner)
    not_found = client.get("/api/v1/no-such-thing")
    assert not_found.status_code in (401, 404)
    assert "error" in not_found.get_json()
    wrong_method = client.client.delete("/api/v1/auth/token")
    assert wrong_method.status_code == 405
    assert wrong_method.get_json()["error"]["code"] == "method_not_allowed"


def test_unexpected_error_is_a_json_500(app, client):
    """Is an unexpected exception under /api/v1 a JSON 500 with code internal_error?"""
    from app.web import handle_unexpected

    with app.test_request_context("/api/v1/anything"):
        response = handle_unexpected(RuntimeError("boom"))
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"


def test_openapi_document_is_generated(client):
    """Is /api/v1/openapi.json served without a token and does it describe the token endpoint?"""
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.")
    assert "/api/v1/auth/token" in doc["paths"]
    assert "bearerAuth" in doc["components"]["securitySchemes"]
