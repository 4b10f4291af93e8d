"""Absurd ids and NUL characters are a 4xx everywhere, never a database error."""


def test_nul_characters_are_refused_with_400(api, owner, client, login):
    """Is a NUL character in JSON, a query string or a form answered 400 before it reaches the database?"""
    json_client = api(owner)
    created = json_client.post("/api/v1/inventory", json={"name": "a\x00b", "kind": "ingredient", "unit": "g"})
    assert created.status_code == 400
    assert created.get_json()["error"]["code"] == "bad_request"
    assert json_client.get("/api/v1/inventory?q=a%00b").status_code == 400
    assert json_client.get("/api/v1/inventory").get_json()["total"] == 0
    in_path = json_client.get("/api/v1/lots/%00/trace")
    assert in_path.status_code == 400 and in_path.get_json()["error"]["code"] == "bad_request"
    login(owner)
    from ..helpers import post_form

    page = post_form(client, "/settings/profile", {"name": "x\x00y", "timezone": "UTC"}, form_url="/settings")
    assert page.status_code == 400


def test_ids_beyond_32_bits_are_not_found(api, owner, client, login):
    """Does an id too large for the database answer 404 on pages and the API?"""
    json_client = api(owner)
    assert json_client.get("/api/v1/inventory/99999999999999").status_code == 404
    assert json_client.get("/api/v1/recipes/99999999999999").status_code == 404
    assert json_client.get("/api/v1/batches/99999999999999").status_code == 404
    assert json_client.get("/api/v1/lots/99999999999999/trace").status_code == 404
    assert json_client.post("/api/v1/batches", json={"recipe_id": 99999999999999, "scale": 1}).status_code == 404
    login(owner)
    assert client.get("/inventory/99999999999999").status_code == 404
