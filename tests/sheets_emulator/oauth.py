"""The OAuth token endpoint: exchanges a service account's signed JWT for an access token."""
from __future__ import annotations

import base64
import binascii
import json
import secrets
import time

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from .errors import oauth_error

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3599


def _b64(part: str) -> bytes:
    """Decode base64url without padding."""
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def check_assertion(assertion: str, public_keys: dict[str, str]) -> dict:
    """Decode a JWT assertion; verify its RS256 signature when the issuer's key is known."""
    try:
        head, payload, signature = assertion.split(".")
        header, claims = json.loads(_b64(head)), json.loads(_b64(payload))
    except (ValueError, binascii.Error):
        raise oauth_error("invalid_grant", "Invalid JWT: malformed assertion.") from None
    if header.get("alg") != "RS256" or not isinstance(claims, dict):
        raise oauth_error("invalid_grant", "Invalid JWT: expected an RS256 signed claim set.")
    missing = {"iss", "aud", "exp", "iat"} - set(claims)
    if missing:
        raise oauth_error("invalid_grant", f"Invalid JWT: missing claims {sorted(missing)}.")
    if claims["exp"] < time.time() - 60:
        raise oauth_error("invalid_grant", "Invalid JWT: Token must be a short-lived token "
                          "(60 minutes) and in a reasonable timeframe.")
    pem = public_keys.get(claims["iss"])
    if pem is not None:
        key = serialization.load_pem_public_key(pem.encode())
        try:
            key.verify(_b64(signature), f"{head}.{payload}".encode(), padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise oauth_error("invalid_grant", "Invalid JWT Signature.") from None
    return claims


def issue_token(state, form: dict) -> dict:
    """Handle POST /token (jwt-bearer for service accounts, refresh_token for user credentials)."""
    grant = form.get("grant_type")
    if grant == JWT_BEARER:
        claims = check_assertion(form.get("assertion", ""), state.public_keys)
        user = claims.get("sub") or claims["iss"]
    elif grant == "refresh_token":
        if not form.get("refresh_token"):
            raise oauth_error("invalid_request", "Missing required parameter: refresh_token")
        user = form.get("client_id") or "user@emulator.invalid"
    else:
        raise oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
    token = "ya29.emulator-" + secrets.token_urlsafe(24)
    state.tokens[token] = user
    state.stats.token_issued()
    return {"access_token": token, "expires_in": TOKEN_LIFETIME, "token_type": "Bearer"}
