"""`@idempotent`: one line lets a creating API POST accept an `Idempotency-Key` header (API.md,
"Requests that may be retried"). Put it under `@blp.route(...)` / `@require_permission(...)` and above
`@blp.arguments(...)`. The work is done by services.idempotency."""
from __future__ import annotations

import copy
import functools

from flask import current_app, make_response, request
from flask_smorest.utils import deepupdate

from ..services import idempotency
from .api_v1 import api_actor

HEADER_DOC = {
    "in": "header",
    "name": idempotency.HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": idempotency.MAX_KEY_LENGTH,
               "pattern": "^[^\\u0000-\\u001f\\u007f]+$"},
    "description": (
        "Any string of at most 200 characters naming this request. The same key with the same body "
        "(same method and path, same organization) within 24 hours answers the first response again "
        "(same status and body, header `Idempotent-Replayed: true`) and changes nothing; the same key "
        "with another request → 422 `idempotency_mismatch`. A concurrent duplicate waits for the first "
        "and then gets its answer. Only successful answers are kept: after an error, a retry runs again."),
}


def idempotent(view):
    """Accept `Idempotency-Key` on this view; without the header the view runs exactly as before."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get(idempotency.HEADER)
        if key is None:
            return view(*args, **kwargs)
        org, user = api_actor()
        fingerprint = idempotency.request_fingerprint(request.method, request.path, request.get_data(cache=True))

        def produce():
            response = make_response(view(*args, **kwargs))
            return response.status_code, response.get_data(as_text=True)

        answer = idempotency.run_once(org, user, key, fingerprint, produce)
        response = current_app.response_class(answer.body, status=answer.status, mimetype="application/json")
        if answer.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response

    wrapper._apidoc = deepupdate(copy.deepcopy(getattr(view, "_apidoc", {})),
                                 {"manual_doc": {"parameters": [HEADER_DOC]}})
    return wrapper
