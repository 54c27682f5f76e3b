"""Bodies of the hospital's hub services."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PersonHint(BaseModel):
    """Name and date of birth, to find the patient's record at first contact."""

    name: str = Field(max_length=64)
    birth_date: date


class BirthCertificateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_jwk: dict[str, Any] = Field(description="the parent's public P-256 JWK the credential is bound to")
    person: PersonHint | None = Field(default=None, description="needed only at first contact")


class IssuedCredential(BaseModel):
    credential: str = Field(description="SD-JWT (RFC 9901) with every disclosure: <JWT>~<D1>~...~")
    issuer: str
    vct: str
    expires_at: datetime


class BirthCertificateResponse(BaseModel):
    certificates: list[IssuedCredential]
