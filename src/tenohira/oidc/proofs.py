"""Proofs a client presents: ``private_key_jwt`` client assertions (RFC 7523 §3) and DPoP
proofs (RFC 9449 §4.3). Signatures are checked by joserfc; the claims and the replay checks
(every ``jti`` is remembered until its proof could no longer be accepted) are done here.
"""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, OKPKey, RSAKey
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.oidc.errors import OAuthError, invalid_client, invalid_dpop_proof
from tenohira.oidc.models import OidcClient, UsedJti

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Asymmetric algorithms only: "none" and HMAC can never authenticate a client or prove a key.
ALGORITHMS = ("ES256", "ES384", "PS256", "RS256", "EdDSA")
# A client assertion may live at most this long. RFC 7523 sets no number; Authlib's client signs
# assertions valid for an hour by default, so an hour is accepted — a replay is refused anyway,
# since every jti is remembered until its assertion expires.
ASSERTION_MAX_LIFETIME = timedelta(hours=1)
DPOP_MAX_AGE = timedelta(minutes=5)
DPOP_FUTURE_LEEWAY = timedelta(seconds=60)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jti_key(kind: str, owner: str, jti: str) -> str:
    return f"{kind}:" + hashlib.sha256(f"{owner}|{jti}".encode()).hexdigest()


async def _remember_jti(session: AsyncSession, key: str, expires_at: datetime, now: datetime) -> bool:
    """Record a jti; False if it was already seen (a replay)."""
    await session.execute(delete(UsedJti).where(UsedJti.expires_at < now - timedelta(minutes=10)))
    if await session.get(UsedJti, key) is not None:
        return False
    session.add(UsedJti(key=key, expires_at=expires_at))
    await session.flush()
    return True


def unverified_claims(token: str) -> dict[str, Any]:
    """The claims of a compact JWS before its signature is checked (only to find the signer)."""
    try:
        payload = jws.extract_compact(token.encode()).payload
        claims = json.loads(payload)
    except (JoseError, ValueError) as exc:
        raise invalid_client("the client assertion is not a readable JWT") from exc
    if not isinstance(claims, dict):
        raise invalid_client("the client assertion's payload is not a JSON object")
    return claims


def client_keys(client: OidcClient) -> KeySet:
    """The client's registered public keys."""
    return KeySet.import_key_set(json.loads(client.jwks))


async def verify_client_assertion(
    session: AsyncSession,
    client: OidcClient,
    assertion: str,
    *,
    audiences: set[str],
    now: datetime | None = None,
) -> None:
    """Check a ``private_key_jwt`` assertion: signature by a registered key, iss = sub = client_id,
    ``aud`` naming this provider, unexpired and short-lived, and a ``jti`` never seen before."""
    now = now or datetime.now(UTC)
    try:
        token = jwt.decode(assertion, client_keys(client), algorithms=list(ALGORITHMS))
    except (JoseError, ValueError) as exc:
        raise invalid_client(f"the client assertion's signature does not verify ({exc})") from exc
    claims = token.claims
    if claims.get("iss") != client.client_id or claims.get("sub") != client.client_id:
        raise invalid_client("the client assertion's iss and sub must both be the client_id")
    aud = claims.get("aud")
    auds = {aud} if isinstance(aud, str) else set(aud) if isinstance(aud, list) else set()
    if not auds & audiences:
        raise invalid_client("the client assertion's aud does not name this provider")
    exp = claims.get("exp")
    if not isinstance(exp, int | float):
        raise invalid_client("the client assertion has no exp")
    expires = datetime.fromtimestamp(exp, UTC)
    if expires <= now:
        raise invalid_client("the client assertion has expired")
    issued = claims.get("iat")
    start = datetime.fromtimestamp(issued, UTC) if isinstance(issued, int | float) else now
    if expires - min(start, now) > ASSERTION_MAX_LIFETIME:
        raise invalid_client("the client assertion lives too long (at most an hour)")
    if start > now + DPOP_FUTURE_LEEWAY:
        raise invalid_client("the client assertion was issued in the future")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise invalid_client("the client assertion has no jti")
    if not await _remember_jti(session, _jti_key("assertion", client.client_id, jti), expires, now):
        raise invalid_client("the client assertion was already used (jti replayed)")


def _normalise_htu(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path or "/", "", ""))


def access_token_hash(token: str) -> str:
    """``ath``: base64url SHA-256 of the access token (RFC 9449 §4.2)."""
    return _b64(hashlib.sha256(token.encode()).digest())


async def verify_dpop(
    session: AsyncSession,
    proof: str,
    *,
    method: str,
    url: str,
    access_token: str | None = None,
    now: datetime | None = None,
) -> str:
    """Check a DPoP proof for this request; return the JWK thumbprint (``jkt``) of its key."""
    now = now or datetime.now(UTC)
    try:
        header = jws.extract_compact(proof.encode()).headers()
    except (JoseError, ValueError) as exc:
        raise invalid_dpop_proof("the DPoP proof is not a readable JWT") from exc
    if header.get("typ") != "dpop+jwt":
        raise invalid_dpop_proof("the DPoP proof's typ must be dpop+jwt")
    if header.get("alg") not in ALGORITHMS:
        raise invalid_dpop_proof("the DPoP proof must be signed with an asymmetric algorithm")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict) or "d" in jwk or jwk.get("kty") not in ("EC", "RSA", "OKP"):
        raise invalid_dpop_proof("the DPoP proof must carry a public key in its jwk header")
    try:
        key: ECKey | RSAKey | OKPKey
        if jwk["kty"] == "EC":
            key = ECKey.import_key(jwk)
        elif jwk["kty"] == "RSA":
            key = RSAKey.import_key(jwk)
        else:
            key = OKPKey.import_key(jwk)
        token = jwt.decode(proof, key, algorithms=[header["alg"]])
    except (JoseError, ValueError, KeyError) as exc:
        raise invalid_dpop_proof(f"the DPoP proof's signature does not verify ({exc})") from exc
    claims = token.claims
    if claims.get("htm") != method.upper():
        raise invalid_dpop_proof("the DPoP proof's htm is not this request's method")
    if not isinstance(claims.get("htu"), str) or _normalise_htu(claims["htu"]) != _normalise_htu(url):
        raise invalid_dpop_proof("the DPoP proof's htu is not this endpoint")
    iat = claims.get("iat")
    if not isinstance(iat, int | float):
        raise invalid_dpop_proof("the DPoP proof has no iat")
    issued = datetime.fromtimestamp(iat, UTC)
    if issued < now - DPOP_MAX_AGE or issued > now + DPOP_FUTURE_LEEWAY:
        raise invalid_dpop_proof("the DPoP proof is too old or from the future")
    if access_token is not None and claims.get("ath") != access_token_hash(access_token):
        raise invalid_dpop_proof("the DPoP proof's ath does not match the access token")
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        raise invalid_dpop_proof("the DPoP proof has no jti")
    jkt = key.thumbprint()
    if not await _remember_jti(session, _jti_key("dpop", jkt, jti), issued + DPOP_MAX_AGE * 2, now):
        raise invalid_dpop_proof("the DPoP proof was already used (jti replayed)")
    return jkt


__all__ = [
    "ASSERTION_TYPE",
    "OAuthError",
    "access_token_hash",
    "client_keys",
    "unverified_claims",
    "verify_client_assertion",
    "verify_dpop",
]
