"""A tiny local OpenID Connect provider (http.server on 127.0.0.1, random port) for Google sign-in tests.

Serves the discovery document, /authorize (redirects back with a code, like a consenting user), /token
(one-time codes → ID tokens, client secret and redirect URI checked) and /jwks (a generated RSA key).
Tests either follow /authorize or mint a code with `code_for(...)` to shape a bad ID token.
"""
from __future__ import annotations

import itertools
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

CLIENT_ID = "batchtrack-test-client.apps.example"
CLIENT_SECRET = "fake-oidc-secret"


class FakeOIDC:
    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-key-1"
        self.codes: dict[str, dict] = {}
        self.token_requests: list[dict] = []
        self.next_identity = {"sub": "google-sub-1", "email": "maker@gmail.test", "name": "Gmail Maker"}
        self._ids = itertools.count(1)
        self.auth_methods = ["client_secret_post", "client_secret_basic"]
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                url = urlsplit(self.path)
                if url.path == "/.well-known/openid-configuration":
                    return self._json(200, fake.discovery())
                if url.path == "/jwks":
                    jwk = json.loads(RSAAlgorithm.to_jwk(fake.key.public_key()))
                    jwk.update({"kid": fake.kid, "use": "sig", "alg": "RS256"})
                    return self._json(200, {"keys": [jwk]})
                if url.path == "/authorize":
                    query = {k: v[0] for k, v in parse_qs(url.query).items()}
                    code = fake.code_for(nonce=query.get("nonce"), redirect_uri=query.get("redirect_uri"))
                    target = query["redirect_uri"] + "?" + urlencode({"code": code, "state": query.get("state", "")})
                    self.send_response(302)
                    self.send_header("Location", target)
                    self.end_headers()
                    return None
                return self._json(404, {"error": "not_found"})

            def do_POST(self):
                if urlsplit(self.path).path != "/token":
                    return self._json(404, {"error": "not_found"})
                length = int(self.headers.get("Content-Length") or 0)
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                basic = self.headers.get("Authorization", "")
                if basic.startswith("Basic "):
                    import base64
                    cid, _, secret = base64.b64decode(basic[6:]).decode().partition(":")
                    form.setdefault("client_id", cid)
                    form["client_secret"] = secret
                    form["_auth"] = "basic"
                elif "basic" in fake.auth_methods[0]:
                    return self._json(401, {"error": "invalid_client"})
                fake.token_requests.append(form)
                grant = fake.codes.pop(form.get("code", ""), None)
                if (grant is None or form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET
                        or form.get("grant_type") != "authorization_code"
                        or (grant["redirect_uri"] and form.get("redirect_uri") != grant["redirect_uri"])):
                    return self._json(400, {"error": "invalid_grant"})
                return self._json(200, {"access_token": "at-" + form["code"], "token_type": "Bearer",
                                        "expires_in": 3600, "id_token": grant["id_token"]})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.issuer = self.base
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def discovery(self) -> dict:
        return {"issuer": self.issuer, "authorization_endpoint": self.base + "/authorize",
                "token_endpoint": self.base + "/token", "jwks_uri": self.base + "/jwks",
                "response_types_supported": ["code"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": self.auth_methods}

    @property
    def discovery_url(self) -> str:
        return self.base + "/.well-known/openid-configuration"

    def id_token(self, *, nonce: str | None, alg: str = "RS256", wrong_key: bool = False, **overrides) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "iat": now, "exp": now + 600, "email_verified": True,
                  "nonce": nonce, **self.next_identity}
        for key, value in overrides.items():
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        if alg == "none":
            return jwt.encode(claims, key=None, algorithm="none")
        return jwt.encode(claims, self.other_key if wrong_key else self.key, algorithm=alg,
                          headers={"kid": self.kid})

    def code_for(self, *, nonce: str | None, redirect_uri: str | None = None, **token_options) -> str:
        code = f"code-{next(self._ids)}"
        self.codes[code] = {"id_token": self.id_token(nonce=nonce, **token_options), "redirect_uri": redirect_uri}
        return code

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(name="oidc")
def oidc_fixture(app):
    """A running fake provider; the app's GOOGLE_* settings point at it for the test."""
    keys = ("GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET", "GOOGLE_DISCOVERY_URL")
    saved = {k: app.config.get(k) for k in keys}
    with FakeOIDC() as fake:
        app.config.update(GOOGLE_CLIENT_ID=CLIENT_ID, GOOGLE_CLIENT_SECRET=CLIENT_SECRET,
                          GOOGLE_DISCOVERY_URL=fake.discovery_url)
        try:
            yield fake
        finally:
            app.config.update(saved)
