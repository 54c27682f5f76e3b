"""Request and response bodies of the identity API."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class ChallengeOut(BaseModel):
    """A challenge for the card: sign the base64-decoded ``challenge`` bytes with the auth key."""

    challenge_id: str
    challenge: str = Field(description="standard base64 of the exact bytes the card signs")
    expires_at: datetime


class LoginIn(BaseModel):
    """A signed challenge and the authentication certificate that signed it."""

    challenge: str = Field(description="base64 of the challenge bytes, as received")
    signature: str = Field(description="base64 of the RSA PKCS#1 v1.5 SHA-256 signature by the auth key")
    certificate: str = Field(max_length=20000, description="the authentication certificate, PEM")
    session: Literal["cookie", "bearer"] = Field(
        default="cookie", description="cookie for browsers; bearer returns a token for API clients"
    )


class PrincipalOut(BaseModel):
    """The logged-in session."""

    session_id: str
    card_serial: str
    via: Literal["cookie", "bearer"]
    created_at: datetime
    expires_at: datetime
    method: Literal["card", "passkey"] = Field(
        default="card", description="card (AAL3-like) or passkey (AAL2-like: signing needs the card)"
    )


class LoginOut(PrincipalOut):
    """The new session; ``token`` only for ``session: bearer`` (shown once)."""

    token: str | None = None


class LockoutIn(BaseModel):
    """Report from the holder's app that the card said a PIN or password is locked."""

    certificate: str = Field(max_length=20000, description="the card's authentication certificate, PEM")
    secret: Literal["pin", "password"]


class LockoutOut(BaseModel):
    """The lock-out was logged."""

    serial: str
    unlock_ja: str
    unlock_en: str


class PkiIndex(BaseModel):
    """Where the public PKI material is."""

    root_ca: str
    issuing_ca: str
    ca_chain: str
    crls: list[str]


class PasskeyIn(BaseModel):
    """The authenticator's answer to navigator.credentials.create() (RegistrationResponseJSON)."""

    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() of the new passkey")


class PasskeyLoginIn(BaseModel):
    """The authenticator's answer to navigator.credentials.get() (AuthenticationResponseJSON)."""

    credential: dict[str, Any] = Field(description="PublicKeyCredential.toJSON() of the assertion")
    session: Literal["cookie", "bearer"] = Field(default="cookie")


class PasskeyOut(BaseModel):
    """One passkey of the resident (bound to the card it was enrolled with)."""

    id: str
    created_at: datetime
    last_used_at: datetime | None
    backed_up: bool
    revoked_at: datetime | None
    revocation_reason: str | None
    aaguid: str = Field(default="", description="the authenticator model's AAGUID (zeros if not told)")


class PasskeyList(BaseModel):
    passkeys: list[PasskeyOut]
