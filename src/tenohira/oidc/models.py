"""Tables of the OpenID Provider: signing keys, relying parties, requests, grants, tokens, consents.

No table holds a token or a code in the clear (only SHA-256 hashes), and the four basic facts
released to a relying party are kept only inside the grant that released them, encrypted
(AES-256-GCM under a data key that is itself stored wrapped), until the grant ends.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

__all__ = [
    "AuthorizationRequest",
    "Base",
    "Consent",
    "Grant",
    "OidcClient",
    "OidcKey",
    "Release",
    "Token",
    "UsedJti",
]


class OidcKey(Base):
    """A key of the provider: ``kind`` "signing" (ES256 JWK, encrypted PKCS#8) or "secret" (wrapped bytes).

    Signing keys rotate: the newest ``active`` one signs; retired ones stay in the JWKS until
    ``retire_at`` so that tokens they signed can still be checked.
    """

    __tablename__ = "oidc_keys"

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16), index=True)
    alg: Mapped[str] = mapped_column(sa.String(16))
    # encrypted PKCS#8 PEM (signing) or AES-GCM-wrapped bytes, base64 (secret)
    private: Mapped[str] = mapped_column(sa.Text)
    public_jwk: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    retired_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    # after this the key is no longer published (tokens it signed have all expired)
    remove_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class OidcClient(Base):
    """A relying party registered by an operator after review."""

    __tablename__ = "oidc_clients"

    client_id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    name_ja: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    redirect_uris: Mapped[str] = mapped_column(sa.Text)  # JSON list, matched exactly
    post_logout_redirect_uris: Mapped[str] = mapped_column(sa.Text, default="[]")
    scopes: Mapped[str] = mapped_column(sa.Text)  # allowed scopes, space separated
    jwks: Mapped[str] = mapped_column(sa.Text)  # the client's public keys (private_key_jwt, JSON)
    sector: Mapped[str] = mapped_column(sa.String(200))  # pairwise subject sector
    require_par: Mapped[bool] = mapped_column(sa.Boolean, default=True)
    require_dpop: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    backchannel_logout_uri: Mapped[str | None] = mapped_column(sa.Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    removed_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class AuthorizationRequest(Base):
    """A validated authorization request (pushed or front-channel), waiting for the resident."""

    __tablename__ = "oidc_requests"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    params: Mapped[str] = mapped_column(sa.Text)  # JSON of the validated parameters
    pushed: Mapped[bool] = mapped_column(sa.Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
    # set when the browser first opens a pushed request (request_uri is single-use)
    opened_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    done_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class Grant(Base):
    """What one resident allowed one relying party in one authorization: the code and its tokens."""

    __tablename__ = "oidc_grants"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    client_id: Mapped[str] = mapped_column(sa.String(64), index=True)
    holder_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    subject: Mapped[str] = mapped_column(sa.String(64))  # pairwise sub for this client's sector
    session_id: Mapped[str] = mapped_column(sa.String(32), index=True)  # the platform session used
    scopes: Mapped[str] = mapped_column(sa.Text)  # granted scopes, space separated
    claims: Mapped[str | None] = mapped_column(sa.Text, nullable=True)  # encrypted JSON of released facts
    signature: Mapped[str | None] = mapped_column(sa.Text, nullable=True)  # CMS (base64) for scope sign
    nonce: Mapped[str] = mapped_column(sa.String(255))
    redirect_uri: Mapped[str] = mapped_column(sa.Text)
    code_challenge: Mapped[str] = mapped_column(sa.String(128))
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    code_expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    code_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    acr: Mapped[str] = mapped_column(sa.String(32))
    amr: Mapped[str] = mapped_column(sa.String(64))  # space separated
    auth_time: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    dpop_jkt: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class Token(Base):
    """An access or refresh token of a grant (only its SHA-256 is kept)."""

    __tablename__ = "oidc_tokens"

    token_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(8))  # access | refresh
    grant_id: Mapped[str] = mapped_column(sa.String(32), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[str] = mapped_column(sa.Text)
    jkt: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)  # DPoP key thumbprint
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class Consent(Base):
    """The standing consent of a resident to a relying party (withdrawable; withdrawal ends its grants)."""

    __tablename__ = "oidc_consents"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    holder_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    scopes: Mapped[str] = mapped_column(sa.Text)
    granted_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    withdrawn_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)


class Release(Base):
    """One release of facts to a relying party: what the resident's access history shows."""

    __tablename__ = "oidc_releases"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    holder_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    client_id: Mapped[str] = mapped_column(sa.String(64))
    grant_id: Mapped[str] = mapped_column(sa.String(32))
    # what left: scopes of facts ("name address …"), "sign", or "openid" for a login only
    released: Mapped[str] = mapped_column(sa.Text)
    channel: Mapped[str] = mapped_column(sa.String(16))  # token | userinfo
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)


class UsedJti(Base):
    """A ``jti`` already seen (client assertions, DPoP proofs): a second use is a replay."""

    __tablename__ = "oidc_used_jti"

    key: Mapped[str] = mapped_column(sa.String(128), primary_key=True)  # kind:client/jkt:jti hash
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), index=True)
