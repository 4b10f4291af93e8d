"""Sign in with Google (OpenID Connect, authorization code flow), against any provider's discovery document.

The ID token is accepted only when its RS256 signature checks against the provider's JWKS (never `none`
or an HMAC algorithm), `iss` is the discovery `issuer`, `aud` is GOOGLE_CLIENT_ID, it has not expired, its
`nonce` is the one the browser's session holds and `email_verified` is true. A Google account is known by
its `sub`, never by its e-mail: an e-mail that belongs to a password account is linked only after that
password is confirmed. The pages keep state and nonce in the session; services never read it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

import jwt
import requests
from flask import current_app
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import select

from ..extensions import db
from ..models import Organization, User
from .accounts import _add_default_location, authenticate, check_name, email_taken, normalize_email
from .base import unit_of_work
from .errors import DomainError, InvalidState, NotFound, ValidationFailed
from .reference import get_system_role, get_tier

HTTP_TIMEOUT = 10  # seconds for each call to the provider
LEEWAY_SECONDS = 60  # clock skew tolerated on exp/iat


class GoogleSignInFailed(DomainError):
    """The provider's answer cannot be trusted (state, nonce, signature, issuer, audience, expiry, e-mail)."""

    status = 400
    code = "google_signin_failed"


class GoogleUnavailable(DomainError):
    """The provider could not be reached or answered nonsense; nothing was changed."""

    status = 502
    code = "google_unavailable"


@dataclass(frozen=True)
class GoogleIdentity:
    sub: str
    email: str
    name: str = ""

    def as_dict(self) -> dict:
        return {"sub": self.sub, "email": self.email, "name": self.name}

    @classmethod
    def from_dict(cls, data: dict) -> GoogleIdentity:
        return cls(sub=str(data["sub"]), email=str(data["email"]), name=str(data.get("name") or ""))


def enabled() -> bool:
    """Is Google sign-in configured (a client id)?"""
    return bool(current_app.config.get("GOOGLE_CLIENT_ID"))


def _check_url(url: str, what: str) -> str:
    scheme = urlsplit(url or "").scheme
    if scheme == "https" or (scheme == "http" and current_app.config.get("OIDC_ALLOW_PLAIN_HTTP")):
        return url
    raise GoogleUnavailable(f"The provider's {what} is not an https URL.")


def _get_json(url: str, what: str) -> dict:
    try:
        response = requests.get(_check_url(url, what), timeout=HTTP_TIMEOUT)
        response.raise_for_status()
        data = response.json()
    except (requests.RequestException, ValueError):
        raise GoogleUnavailable(f"Google sign-in is unavailable right now (the {what} could not be read). "
                                "Try again in a minute, or sign in with your password.") from None
    if not isinstance(data, dict):
        raise GoogleUnavailable(f"The provider's {what} is not a JSON object.")
    return data


def discovery() -> dict:
    """The provider's OpenID configuration (GOOGLE_DISCOVERY_URL)."""
    doc = _get_json(current_app.config["GOOGLE_DISCOVERY_URL"], "discovery document")
    for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise GoogleUnavailable(f"The provider's discovery document has no {key}.")
    return doc


def authorization_url(*, state: str, nonce: str, redirect_uri: str) -> str:
    """Where to send the browser: the provider's authorization endpoint with our client id, state and nonce."""
    endpoint = _check_url(discovery()["authorization_endpoint"], "authorization endpoint")
    query = urlencode({"response_type": "code", "client_id": current_app.config["GOOGLE_CLIENT_ID"],
                       "redirect_uri": redirect_uri, "scope": "openid email profile", "state": state,
                       "nonce": nonce})
    return endpoint + ("&" if "?" in endpoint else "?") + query


def identity_from_code(*, code: str, nonce: str, redirect_uri: str) -> GoogleIdentity:
    """Exchange the authorization code and verify the ID token; GoogleSignInFailed when it cannot be trusted."""
    if not code:
        raise GoogleSignInFailed("The provider sent no authorization code.")
    doc = discovery()
    client_id = current_app.config["GOOGLE_CLIENT_ID"]
    secret = current_app.config.get("GOOGLE_CLIENT_SECRET") or ""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri, "client_id": client_id}
    auth = None
    methods = doc.get("token_endpoint_auth_methods_supported") or ["client_secret_post"]
    if "client_secret_post" in methods or "client_secret_basic" not in methods:
        form["client_secret"] = secret  # Google's documented way
    else:
        auth = (client_id, secret)
    try:
        response = requests.post(_check_url(doc["token_endpoint"], "token endpoint"), timeout=HTTP_TIMEOUT,
                                 data=form, auth=auth, headers={"Accept": "application/json"})
    except requests.RequestException:
        raise GoogleUnavailable("Google sign-in is unavailable right now (the token endpoint could not be "
                                "reached). Try again in a minute.") from None
    if response.status_code >= 500:
        raise GoogleUnavailable("Google sign-in is unavailable right now (the token endpoint failed).")
    try:
        tokens = response.json()
    except ValueError:
        tokens = None
    if response.status_code != 200 or not isinstance(tokens, dict) or not isinstance(tokens.get("id_token"), str):
        raise GoogleSignInFailed("The provider refused the sign-in code (it may have expired); try again.")
    claims = verify_id_token(tokens["id_token"], doc=doc, nonce=nonce)
    return GoogleIdentity(sub=str(claims["sub"]), email=normalize_email(claims.get("email")),
                          name=str(claims.get("name") or "")[:120])


def verify_id_token(id_token: str, *, doc: dict, nonce: str) -> dict:
    """The claims of an RS256 ID token signed by a key of the provider's JWKS, with every check applied."""
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError:
        raise GoogleSignInFailed("The ID token is malformed.") from None
    if header.get("alg") != "RS256":
        raise GoogleSignInFailed("The ID token is not signed with RS256.")
    keys = _signing_keys(doc["jwks_uri"], header.get("kid"))
    if not keys:
        raise GoogleSignInFailed("No key of the provider matches the ID token.")
    claims = None
    for key in keys:
        try:
            claims = jwt.decode(id_token, key=key, algorithms=["RS256"], audience=current_app.config["GOOGLE_CLIENT_ID"],
                                issuer=doc["issuer"], leeway=LEEWAY_SECONDS,
                                options={"require": ["exp", "iat", "iss", "aud", "sub"]})
            break
        except jwt.InvalidSignatureError:
            continue
        except jwt.PyJWTError as exc:
            raise GoogleSignInFailed(f"The ID token was refused: {exc}.") from None
    if claims is None:
        raise GoogleSignInFailed("The ID token's signature does not check.")
    if not nonce or claims.get("nonce") != nonce:
        raise GoogleSignInFailed("The ID token's nonce does not match this sign-in.")
    if claims.get("email_verified") not in (True, "true"):
        raise GoogleSignInFailed("Google has not verified this account's e-mail address.")
    if not claims.get("email") or not str(claims.get("sub") or "").strip():
        raise GoogleSignInFailed("The ID token names no e-mail or subject.")
    return claims


def _signing_keys(jwks_uri: str, kid: str | None) -> list:
    jwks = _get_json(jwks_uri, "key set (JWKS)")
    keys = []
    for entry in jwks.get("keys") or []:
        if not isinstance(entry, dict) or entry.get("kty") != "RSA" or entry.get("use", "sig") != "sig":
            continue
        if kid and entry.get("kid") and entry["kid"] != kid:
            continue
        try:
            keys.append(RSAAlgorithm.from_jwk(json.dumps(entry)))
        except (jwt.PyJWTError, ValueError, KeyError, TypeError):
            continue
    return keys


# --- accounts ---------------------------------------------------------------------------------------------

def user_for_identity(identity: GoogleIdentity) -> User | None:
    """The user this Google account (by `sub`) is linked to."""
    return db.session.scalar(select(User).where(User.google_sub == identity.sub))


def check_can_sign_in(user: User) -> None:
    """Refuse a deactivated user or a suspended organization (as a password sign-in does)."""
    if not user.active:
        raise GoogleSignInFailed("This account is deactivated.")
    if user.organization is not None and user.organization.suspended_at is not None:
        raise GoogleSignInFailed("This organization is suspended. Contact support.")


def email_has_account(identity: GoogleIdentity) -> bool:
    """Does a user already have this identity's e-mail (then the password must confirm a link)?"""
    return email_taken(identity.email)


def _claim_sub(user: User, identity: GoogleIdentity) -> None:
    other = user_for_identity(identity)
    if other is not None and other.id != user.id:
        raise InvalidState("This Google account is already linked to another BatchTrack user.")
    user.google_sub = identity.sub


@unit_of_work
def signup_with_google(*, identity: GoogleIdentity, organization_name: str) -> User:
    """A new organization (Free tier) and its owner, signed in by this Google account (no password)."""
    organization_name = check_name(organization_name, "organization_name", "the workshop or business name")
    if user_for_identity(identity) is not None:
        raise InvalidState("This Google account is already linked to a user; sign in with Google.")
    if email_taken(identity.email):
        raise ValidationFailed("An account with this e-mail already exists: sign in and link Google from settings.")
    tier, owner_role = get_tier("free"), get_system_role("owner")
    if tier is None or owner_role is None:
        raise ValidationFailed("Reference data is missing: run `flask init-production` first.")
    org = Organization(name=organization_name, tier=tier, timezone="UTC", billing_status="free")
    db.session.add(org)
    user = User(organization=org, email=identity.email, name=identity.name, role=owner_role, password_hash=None,
                google_sub=identity.sub, timezone=org.timezone)
    db.session.add(user)
    db.session.flush()
    _add_default_location(org)
    return user


@unit_of_work
def link_with_password(*, identity: GoogleIdentity, password: str) -> User:
    """Link this Google account to the password account with its e-mail, once that password is confirmed."""
    user = authenticate(identity.email, password)  # Unauthorized on a wrong password
    _claim_sub(user, identity)
    return user


@unit_of_work
def link_google(user: User, identity: GoogleIdentity) -> None:
    """Link a Google account to a signed-in user (settings page)."""
    _claim_sub(user, identity)


@unit_of_work
def unlink_google(user: User) -> None:
    """Unlink the user's Google account; refused while it is their only way to sign in."""
    if not user.google_sub:
        raise NotFound("No Google account is linked.")
    if not user.password_hash:
        raise ValidationFailed("Set a password first (use “Forgot password”): Google is your only way to sign in.")
    user.google_sub = None
