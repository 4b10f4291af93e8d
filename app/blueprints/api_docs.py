"""The OpenAPI document tells the truth about errors: one Error schema (API.md's shape) and, on every
operation, the 4xx answers the server can give it — derived from what the operation is (token or
not, path id, body, write), plus what its view declares (409 wrong state, its own 422 codes)."""
from __future__ import annotations

from apispec import BasePlugin
from marshmallow import Schema, fields, validate

ERROR_REF = {"$ref": "#/components/schemas/Error"}
WRITE_METHODS = {"post", "put", "patch", "delete"}

# name of the response component → (status, description)
ERROR_RESPONSES = {
    "BadRequest": ("400", "bad_request / malformed_json: the body is not valid JSON, or the request holds a "
                          "NUL character"),
    "Unauthorized": ("401", "unauthorized: missing, invalid or revoked API token"),
    "ReadOnly": ("402", "read_only: the organization may read but not write (billing grace ended, suspended)"),
    "Forbidden": ("403", "forbidden: the token's role lacks the permission, or the account has no organization"),
    "NotFound": ("404", "not_found: no such record in the token's organization (another organization's "
                        "id is a 404 too)"),
    "Conflict": ("409", "invalid_state: the record is not in a state that allows this"),
    "Unprocessable": ("422", "validation_error (see fields) or another rule the request breaks"),
    "ServiceUnavailable": ("503", "service_unavailable: Redis (sessions, rate limits) is unreachable; "
                                  "retry after Retry-After seconds"),
}


class ErrorBody(Schema):
    code = fields.String(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_]*$"),
                         metadata={"description": "snake_case error code, e.g. insufficient_stock"})
    message = fields.String(required=True, metadata={"description": "A sentence for a person"})
    fields_ = fields.Dict(keys=fields.String(), values=fields.String(), data_key="fields",
                          metadata={"description": "field → message, when fields are at fault"})
    errors = fields.List(fields.Nested(Schema.from_dict({
        "row": fields.Integer(), "column": fields.String(), "message": fields.String()}, name="RowProblem")),
        metadata={"description": "CSV imports: every problem of the file (row, column, message)"})

    class Meta:
        ordered = True


class ErrorSchema(Schema):
    """Every /api/v1 error: {"error": {"code", "message", "fields"?}}."""

    error = fields.Nested(ErrorBody, required=True)


class ErrorResponsesPlugin(BasePlugin):
    """Adds the 4xx answers every operation can get, all pointing at the Error schema."""

    def __init__(self, public_endpoints=frozenset()):
        super().__init__()
        self.public_endpoints = public_endpoints  # endpoints that need no token: `security: []`

    def init_spec(self, spec):
        super().init_spec(spec)
        self.spec = spec

    def register_components(self) -> None:
        for name, (_, description) in ERROR_RESPONSES.items():
            self.spec.components.response(name, {
                "description": description, "content": {"application/json": {"schema": ERROR_REF}}})

    def _names_a_record(self, node, seen=None) -> bool:
        """Does this (request body) schema carry a record id (`*_id`)? An id naming nothing is a 404."""
        seen = seen if seen is not None else set()
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
                name = ref.rsplit("/", 1)[1]
                if name in seen:
                    return False
                seen.add(name)
                return self._names_a_record(self.spec.components.schemas.get(name, {}), seen)
            if any(str(key).endswith("_id") for key in (node.get("properties") or {})):
                return True
            return any(self._names_a_record(value, seen) for value in node.values())
        if isinstance(node, list):
            return any(self._names_a_record(value, seen) for value in node)
        return False

    def operation_helper(self, path=None, operations=None, rule=None, **kwargs):
        has_path_id = "{" in (path or "")
        for method, operation in (operations or {}).items():
            if method not in WRITE_METHODS | {"get"}:
                continue
            if rule is not None and rule.endpoint in self.public_endpoints:
                operation["security"] = []
            for parameter in operation.get("parameters", []):
                if isinstance(parameter, dict) and parameter.get("in") == "query":
                    # a query value is text or absent, never JSON null
                    parameter.get("schema", {}).pop("nullable", None)
                    if parameter.get("schema", {}).get("default", 0) is None:
                        del parameter["schema"]["default"]
                    if None in parameter.get("schema", {}).get("enum", []):
                        parameter["schema"]["enum"].remove(None)
            responses = operation.setdefault("responses", {})
            public = operation.get("security") == []
            has_body = "requestBody" in operation
            has_args = any(p.get("in") == "query" for p in operation.get("parameters", [])
                           if isinstance(p, dict))
            wanted = []
            if has_body or has_args or has_path_id:
                wanted.append("BadRequest")
            if not public:
                wanted += ["Unauthorized", "Forbidden"]
                if method in WRITE_METHODS:
                    wanted.append("ReadOnly")
            if has_path_id or (has_body and self._names_a_record(operation["requestBody"])):
                wanted.append("NotFound")
            if has_body or has_args:
                wanted.append("Unprocessable")
            wanted.append("ServiceUnavailable")
            for name in wanted:
                responses.setdefault(ERROR_RESPONSES[name][0], name)
            for status, response in responses.items():
                # a view's own alt_response(409/422, description=…) answers with the Error shape too
                if str(status)[0] in "45" and isinstance(response, dict) and "content" not in response \
                        and "$ref" not in response:
                    response["content"] = {"application/json": {"schema": ERROR_REF}}

