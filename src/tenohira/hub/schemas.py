"""Request and response bodies of the hub's API."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class MemberIn(BaseModel):
    id: str = Field(pattern=r"^[a-z][a-z0-9-]{1,62}$")
    name: str = Field(min_length=1, max_length=200)
    public_key_pem: str = Field(description="the member's EC P-256 public key (PEM); the hub certifies it")
    base_url: str | None = Field(default=None, description="where the member's services answer")
    roles: list[str] = Field(default_factory=list)
    log_mode: str = "full-digest"


class MemberOut(BaseModel):
    id: str
    name: str
    status: str
    status_reason: str | None = None
    base_url: str | None = None
    roles: list[str]
    log_mode: str
    certificate_serial: str
    certificate_not_after: datetime
    certificate_pem: str | None = None


class StatusIn(BaseModel):
    reason: str | None = Field(default=None, max_length=500)


class LogModeIn(BaseModel):
    log_mode: str


class ServiceIn(BaseModel):
    provider_id: str
    name: str = Field(pattern=r"^[a-z][a-z0-9-]{1,62}$")
    method: str
    path: str
    legal_basis: str = Field(min_length=1, max_length=500)
    description: str = ""
    openapi: dict[str, Any] = Field(default_factory=dict)
    reveals_third_party: bool = False


class ServiceOut(BaseModel):
    id: str
    provider_id: str
    name: str
    method: str
    path: str
    legal_basis: str
    description: str
    openapi: dict[str, Any]
    reveals_third_party: bool


class RightIn(BaseModel):
    client_id: str
    service_id: str
    purpose: str = Field(pattern=r"^[a-z][a-z0-9-]{1,63}$")
    legal_basis: str = Field(min_length=1, max_length=500)
    reveals_third_party: bool = False


class RightOut(BaseModel):
    id: int
    client_id: str
    service_id: str
    purpose: str
    legal_basis: str
    reveals_third_party: bool
    granted_at: datetime
    revoked_at: datetime | None = None


class SubjectIn(BaseModel):
    """Empty to register a new person; with ``ticket`` to redeem an introduction."""

    ticket: str | None = Field(default=None, max_length=400)


class IntroductionIn(BaseModel):
    code: str = Field(max_length=64)
    member: str = Field(max_length=64)


class CardLinkIn(BaseModel):
    code: str = Field(max_length=64)
    card_serial: str = Field(min_length=1, max_length=64)


class CardIn(BaseModel):
    card_serial: str = Field(min_length=1, max_length=64)
