"""Oversized integers are a 4xx with a field message, never a 500 (issue 9, item 6).

A 400-digit number in a page form used to raise OverflowError inside WTForms' NumberRange, and an id past
64 bits in a list filter (`?recipe_id=9223372036854775808`) overflowed SQLite's driver. Integers are bounded
in one place per kind of input: `BoundedIntegerField` for page forms, `pages.id_arg` for page query strings,
`api_v1.BoundedInteger` / `api_v1.Id` for the JSON API. These tests walk every form class, every write
route, every page and every API list with huge numbers.
"""
from __future__ import annotations

import importlib
import pkgutil

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import Form, IntegerField

import app.blueprints as blueprints_package
from app.blueprints.fields import BoundedIntegerField

from ..helpers import csrf_token, post_form
from .test_junk_input import SKIP, _field_names, _routes
from .test_tenancy_endpoints import _url, world  # noqa: F401 (fixture)

HUGE = "9" * 400
PAST_64_BITS = "9223372036854775808"


def _form_classes() -> list[type[Form]]:
    """Every WTForms form class defined in the app's blueprints (page forms and their row sub-forms)."""
    for module in pkgutil.walk_packages(blueprints_package.__path__, blueprints_package.__name__ + "."):
        importlib.import_module(module.name)
    found, stack = set(), [Form]
    while stack:
        for subclass in stack.pop().__subclasses__():
            stack.append(subclass)
            if subclass.__module__.startswith("app.blueprints"):
                found.add(subclass)
    return sorted(found, key=lambda cls: (cls.__module__, cls.__name__))


def _integer_fields(form) -> list:
    """Integer inputs of a form instance, nested row forms included."""
    result = []
    for field in form:
        if isinstance(field, IntegerField):
            result.append(field)
        elif hasattr(field, "entries"):
            for entry in field.entries:
                result += _integer_fields(entry.form) if hasattr(entry, "form") else []
        elif hasattr(field, "form"):
            result += _integer_fields(field.form)
    return result


def _make_form(cls, formdata=None):
    kwargs = {"meta": {"csrf": False}} if hasattr(cls, "Meta") and "csrf" in dir(cls.Meta) else {}
    return cls(formdata=formdata, **kwargs)


def test_every_integer_form_field_refuses_a_400_digit_number_with_one_message(app):
    """Does every whole-number input of every page form answer a 400-digit number with one field message,
    instead of raising OverflowError (and does it still read an ordinary number)?"""
    checked = []
    with app.test_request_context("/", method="POST"):
        for cls in _form_classes():
            names = [field.name for field in _integer_fields(_make_form(cls))]
            if not names:
                continue
            form = _make_form(cls, MultiDict({name: HUGE for name in names}))
            for field in _integer_fields(form):
                field.validate(form)  # must not raise (other fields' choices are filled in by their routes)
                assert isinstance(field, BoundedIntegerField), f"{cls.__name__}.{field.name} is a plain IntegerField"
                assert field.data is None
                assert field.errors == ["That number is too large (at most 2,147,483,647)."], (cls, field.name)
                checked.append(f"{cls.__name__}.{field.name}")
            ordinary = _make_form(cls, MultiDict({name: "12" for name in names}))
            for field in _integer_fields(ordinary):
                field.validate(ordinary)
                assert field.data == 12 and not field.errors, (cls, field.name)
    assert {"ItemForm.shelf_life_days", "SupplierForm.lead_time_days"} <= set(checked), checked
    assert len(checked) >= 6, checked


def test_a_word_in_an_integer_field_is_one_message_not_two(app):
    """Is text in a whole-number field one message (not 'Not a valid integer' plus the range message)?"""
    from app.blueprints.suppliers.forms import SupplierForm

    with app.test_request_context("/", method="POST"):
        form = SupplierForm(formdata=MultiDict({"name": "Bramble", "lead_time_days": "soon"}), meta={"csrf": False})
        assert not form.validate()
        assert form.lead_time_days.errors == ["Enter a whole number, like 12."]


@pytest.mark.parametrize("value", [HUGE, PAST_64_BITS])
def test_huge_numbers_in_every_field_of_every_page_form_are_never_a_500(app, client, owner, world, login, value):
    """Does every page write route answer a huge number in every field any page renders with a 4xx/redirect?"""
    login(owner)
    names = _field_names(client, world)
    assert {"shelf_life_days", "lead_time_days", "expiring_soon_days"} <= names, names
    token = csrf_token(client, "/settings")
    failures = []
    for rule, method in _routes(app, api=False):
        data = {name: value for name in names}
        data["csrf_token"] = token
        response = client.open(_url(rule, world), method=method, data=data)
        if response.status_code >= 500:
            failures.append((rule.endpoint, method, response.status_code))
    assert not failures, failures


def test_a_huge_shelf_life_on_the_item_form_is_a_field_message(client, owner, login):
    """Does the new-item form re-render with the shelf-life field's message for a 400-digit number?"""
    login(owner)
    response = post_form(client, "/inventory/new", {"name": "Shea butter", "kind": "ingredient", "unit": "g",
                                                     "shelf_life_days": HUGE})
    assert response.status_code in (400, 422)
    assert "That number is too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("value", [PAST_64_BITS, HUGE])
def test_huge_ids_in_page_filters_are_a_400_naming_the_argument(client, owner, login, value):
    """Is `/batches?recipe_id=<past 64 bits>` a 400 page that names recipe_id (not a database overflow)?"""
    login(owner)
    response = client.get(f"/batches?recipe_id={value}")
    assert response.status_code == 400
    assert "recipe_id: must be a whole number from 1 to 2,147,483,647." in response.get_data(as_text=True)
    assert client.get("/batches?recipe_id=").status_code == 200  # blank means "any recipe"
    assert client.get("/batches?recipe_id=x").status_code == 200  # unreadable filters are ignored, as before


INTEGER_ARGS = ["recipe_id", "sku_id", "item_id", "lot_id", "batch_id", "supplier_id", "product_id", "library_id",
                "output_item_id", "location_id", "version", "days", "page", "per_page", "limit", "scale"]


@pytest.mark.parametrize("value", [PAST_64_BITS, HUGE])
def test_huge_integer_query_args_on_every_get_route_are_never_a_500(app, client, owner, world, login, api_token,
                                                                   value):
    """Does every GET page and API read answer integer-looking query arguments set past 64 bits without a
    server error (in both orders, so a route that stops at the first bad argument still meets the others)?"""
    login(owner)
    headers = {"Authorization": f"Bearer {api_token(owner)}"}
    failures = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint in SKIP or rule.rule.startswith("/developer"):
            continue
        base = _url(rule, world)
        for query in ("&".join(f"{name}={value}" for name in INTEGER_ARGS),
                      "&".join(f"{name}={value}" for name in reversed(INTEGER_ARGS))):
            response = client.get(f"{base}?{query}", headers=headers if base.startswith("/api/") else None)
            if response.status_code >= 500:
                failures.append((rule.endpoint, query[:20], response.status_code))
    assert not failures, failures


def _spec_integer_query_args(spec) -> list[tuple[str, str]]:
    found = []
    for path, operations in spec["paths"].items():
        get = operations.get("get")
        if not get or "{" in path:
            continue
        for parameter in get.get("parameters", []):
            if parameter.get("in") == "query" and parameter.get("schema", {}).get("type") == "integer":
                found.append((path, parameter["name"]))
    return found


def test_every_integer_query_arg_of_every_api_list_refuses_a_huge_number_with_422(app, client, owner, api,
                                                                                   monkeypatch):
    """Does each integer query argument the OpenAPI document lists answer 9223372036854775808 with 422 and a
    message on that field (per_page, documented as capped, is capped instead)?"""
    monkeypatch.setitem(app.extensions["batchtrack_flags"], "ai_assistant", True)  # its log is 404 while off
    json_client = api(owner)
    spec = client.get("/api/v1/openapi.json").get_json()
    arguments = _spec_integer_query_args(spec)
    assert ("/api/v1/batches", "recipe_id") in arguments and ("/api/v1/sales", "sku_id") in arguments, arguments
    for path, name in arguments:
        response = json_client.get(f"{path}?{name}={PAST_64_BITS}")
        if name == "per_page":
            assert response.status_code == 200 and response.get_json()["per_page"] == 200, path
            continue
        assert response.status_code == 422, (path, name, response.status_code)
        error = response.get_json()["error"]
        assert error["code"] == "validation_error" and name in error["fields"], (path, name, error)


def test_api_list_filters_named_in_the_issue_answer_422(api, owner):
    """Do /api/v1/batches?recipe_id= and /api/v1/sales?sku_id= past 64 bits answer 422 naming the field?"""
    json_client = api(owner)
    for url, name in (("/api/v1/batches?recipe_id=", "recipe_id"), ("/api/v1/sales?sku_id=", "sku_id"),
                      ("/api/v1/sales?item_id=", "item_id")):
        response = json_client.get(url + PAST_64_BITS)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"][name] == "Must be a whole number from 1 to 2147483647."
    assert json_client.get("/api/v1/batches?recipe_id=5").status_code == 200


def test_huge_integers_in_json_bodies_are_422_naming_the_field(api, owner):
    """Does an integer field of a JSON body past 32 bits answer 422 with that field, writing nothing?"""
    json_client = api(owner)
    for key in ("shelf_life_days", "supplier_id", "global_item_id"):
        response = json_client.post("/api/v1/inventory", json={"name": "Shea", "kind": "ingredient", "unit": "g",
                                                               key: 10**30})
        assert response.status_code == 422, (key, response.get_json())
        assert key in response.get_json()["error"]["fields"]
    assert json_client.get("/api/v1/inventory").get_json()["total"] == 0


def test_huge_integers_in_every_json_field_of_every_api_write_are_never_a_500(app, client, owner, world, api_token):
    """Does every /api/v1 write answer a 400-digit integer in every field it reads with a 4xx error shape?"""
    headers = {"Authorization": f"Bearer {api_token(owner)}"}
    keys = ["shelf_life_days", "supplier_id", "global_item_id", "item_id", "sku_id", "recipe_id", "lot_id",
            "quantity", "unit_cost", "unit_price", "scale", "yield_quantity", "output_item_id", "portion_count",
            "expiring_soon_days", "reservation_id", "location_id", "days", "name", "unit", "kind", "change_type"]
    failures = []
    for rule, method in _routes(app, api=True):
        response = client.open(_url(rule, world), method=method, json={key: 10**400 for key in keys},
                               headers=headers)
        payload = response.get_json(silent=True) or {}
        if response.status_code >= 500 or (response.status_code >= 400 and "error" not in payload):
            failures.append((rule.endpoint, method, response.status_code))
    assert not failures, failures


def test_the_openapi_document_states_the_integer_bounds(client):
    """Does the served document give every integer query argument of the lists a maximum (so clients know)?"""
    spec = client.get("/api/v1/openapi.json").get_json()
    unbounded = []
    for path, operations in spec["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []) if isinstance(operation, dict) else []:
                schema = parameter.get("schema", {})
                if parameter.get("in") == "query" and schema.get("type") == "integer" \
                        and parameter["name"] != "per_page" and "maximum" not in schema:
                    unbounded.append((path, parameter["name"]))
    assert not unbounded, unbounded
