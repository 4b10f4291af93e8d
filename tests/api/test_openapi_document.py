"""The facts the OpenAPI document must state (API.md: "The OpenAPI document describes the real error
shape and the 4xx codes of each operation; the token endpoint needs no token")."""
from __future__ import annotations

import pytest

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture()
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.get_json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _walk(node):
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def _schema_of(document, response):
    if "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
    return response["content"]["application/json"]["schema"]


def test_the_error_schema_is_the_shape_the_api_answers(document, client):
    """Is there one Error schema {"error": {"code", "message", "fields"?}} — and is it what a 401 says?"""
    schemas = document["components"]["schemas"]
    error = schemas["Error"]
    assert error["required"] == ["error"] and set(error["properties"]) == {"error"}
    body = schemas[error["properties"]["error"]["$ref"].rsplit("/", 1)[1]]
    # `errors` (row, column, message): only CSV imports answer it (API.md, "CSV import")
    assert set(body["properties"]) == {"code", "message", "fields", "errors"}
    assert sorted(body["required"]) == ["code", "message"]
    assert body["properties"]["code"]["type"] == "string"
    assert body["properties"]["fields"]["additionalProperties"] == {"type": "string"}
    assert "status" not in body["properties"] and "status" not in error["properties"]
    assert "errors" not in error["properties"]
    answer = client.get("/api/v1/units").get_json()
    assert set(answer) == {"error"} and set(answer["error"]) <= set(body["properties"])


def test_every_documented_error_uses_the_error_schema(document):
    """Does each 4xx of each operation point at the Error schema (no default catch-all)?"""
    for path, method, operation in _operations(document):
        assert "default" not in operation["responses"], (method, path)
        for status, response in operation["responses"].items():
            if status[0] in "45":
                assert _schema_of(document, response) == {"$ref": "#/components/schemas/Error"}, (method, path, status)


def test_the_token_endpoint_needs_no_token_and_the_rest_do(document):
    """Is `security: []` set on the token endpoint, and do token operations document 401 and 403?"""
    token = document["paths"]["/api/v1/auth/token"]["post"]
    assert token["security"] == []
    assert document["security"] == [{"bearerAuth": []}]
    protected = 0
    for path, method, operation in _operations(document):
        if operation.get("security") == []:
            continue
        protected += 1
        assert {"401", "403", "503"} <= set(operation["responses"]), (method, path)
        if method != "get":
            assert "402" in operation["responses"], (method, path)
        if "{" in path:
            assert "404" in operation["responses"], (method, path)
        if "requestBody" in operation:
            assert {"400", "422"} <= set(operation["responses"]), (method, path)
    assert protected >= 30


def test_no_schema_has_a_null_format_or_pattern(document):
    """Is the document free of `format: null` (grace_until's old invalid schema) and similar nulls?"""
    for node in _walk(document):
        if isinstance(node, dict):
            for key in ("format", "pattern", "type"):
                assert node.get(key, "") is not None, node
    grace = document["components"]["schemas"]["OrganizationOut"]["properties"]["grace_until"]
    assert grace["format"] == "date-time" and grace.get("nullable") is True


def test_wrong_state_and_request_rules_are_as_strict_as_the_server(document):
    """409 where state can be wrong; reason required on a recall; ?status= values enumerated."""
    paths = document["paths"]
    for path in ("/api/v1/batches/{batch_id}/finish", "/api/v1/batches/{batch_id}/cancel",
                 "/api/v1/sales/{sale_id}/returns", "/api/v1/recalls/{recall_id}/release"):
        assert "409" in paths[path]["post"]["responses"], path
    status_enums = {}
    for path in ("/api/v1/batches", "/api/v1/reservations", "/api/v1/recalls"):
        parameter = next(p for p in paths[path]["get"]["parameters"] if p["name"] == "status")
        status_enums[path] = parameter["schema"]["enum"]
        assert "nullable" not in parameter["schema"]
    assert status_enums["/api/v1/batches"] == ["in_progress", "completed", "failed", "cancelled"]
    recall_body = paths["/api/v1/lots/{code}/recall"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    recall = document["components"]["schemas"][recall_body["$ref"].rsplit("/", 1)[1]]
    assert "reason" in recall.get("required", [])


def test_an_unknown_status_filter_is_refused(api, owner):
    """Does the server refuse ?status=nonsense (as the document's enum says) instead of listing nothing?"""
    client = api(owner)
    for path in ("/api/v1/batches", "/api/v1/reservations", "/api/v1/recalls"):
        response = client.get(f"{path}?status=nonsense")
        assert response.status_code == 422, path
        assert "status" in response.get_json()["error"]["fields"]
    assert client.get("/api/v1/batches?status=completed").status_code == 200
