"""Bodies of the palm API (pydantic at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProblemOut(BaseModel):
    """problem+json (RFC 9457) with Japanese members and field errors."""

    type: str
    title: str
    status: int
    title_ja: str
    detail: str | None = None
    detail_ja: str | None = None
    errors: list[dict[str, str]] = Field(default_factory=list, description="field, message, message_ja")


PROBLEMS: dict[int | str, dict[str, Any]] = {
    status: {"model": ProblemOut, "content": {"application/problem+json": {}}, "description": text}
    for status, text in (
        (401, "Not logged in with a card"),
        (404, "No such application of yours"),
        (409, "Not allowed in the application's current state, or Idempotency-Key reused"),
        (422, "Invalid input: field-level errors in Japanese and English"),
        (503, "The hub or the deciding agency could not be reached: retry (same Idempotency-Key)"),
    )
}


class CreateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    procedure: str = Field(min_length=1, max_length=64, description="a catalogue procedure id")
    fields: dict[str, Any] = Field(default_factory=dict, description="answers to fields no agency holds")


class FieldsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fields: dict[str, Any] = Field(description="answers to fields no agency holds")


class SignatureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    signature: str = Field(
        min_length=16, max_length=50_000, description="detached CMS signature over the manifest bytes, base64"
    )


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str | None = Field(default=None, max_length=200)


class FieldErrorOut(BaseModel):
    field: str
    message: str
    message_ja: str
    message_easy_ja: str | None = None


class QuestionOut(BaseModel):
    """A field no agency holds: what to ask the resident."""

    name: str
    type: str
    required: bool
    label_ja: str
    label_en: str
    choices: list[str] | None = None


class ApplicationOut(BaseModel):
    id: str
    procedure: str
    procedure_name: str
    procedure_name_en: str
    deciding_agency: str
    state: str
    status: str = Field(
        description="the decision's outcome once decided (approved, rejected, accepted), else the state"
    )
    fields: dict[str, Any]
    sources: dict[str, str] = Field(
        description="field → the agency service it was prefilled from (once only)"
    )
    asked: list[str] = Field(description="fields no agency holds: the resident answers them")
    questions: list[QuestionOut] = Field(description="the asked fields with type, labels and choices")
    missing: list[FieldErrorOut] = Field(
        description="what must still be entered or corrected before confirming"
    )
    flags: list[str]
    bundle_id: str | None
    document_sha256: str | None
    document: str | None = Field(
        default=None,
        description="the frozen document, base64 of its canonical bytes, while it is confirmed or "
        "signed and not yet filed: what the manifest's digest covers, to show before signing",
    )
    agency_reference: str | None
    decision: dict[str, Any] | None
    created_at: datetime
    updated_at: datetime
    submitted_at: datetime | None


class ApplicationList(BaseModel):
    applications: list[ApplicationOut]


class HistoryOut(BaseModel):
    at: datetime
    actor: str
    from_state: str | None
    to_state: str
    note: str | None


class HistoryList(BaseModel):
    application_id: str
    history: list[HistoryOut]


class ManifestOut(BaseModel):
    bundle_id: str
    manifest: str = Field(description="the bytes to sign with the card's signing key, base64")
    sha256: str
    applications: list[str]


class BundleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    procedures: list[str] = Field(min_length=1, max_length=30)
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description="answers to fields no agency holds, by field name, for every procedure",
    )


class AnswersIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, Any]


class BundleOut(BaseModel):
    id: str
    state: str = Field(
        description="incomplete (answers missing) | open (sign the manifest) | signed | submitted"
    )
    manifest: str | None = Field(description="base64 bytes to sign once for the whole set (when open)")
    sha256: str | None
    applications: list[ApplicationOut]
    unfiled: int = Field(
        default=0,
        description="signed applications whose filing was asked for and has not finished (an agency "
        "out of reach, or a restart): the server files them itself, also after a crash; each "
        "application's state says where it stands",
    )


class HolderKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_jwk: dict[str, Any] = Field(description="public P-256 JWK of the resident's wallet key")


class ContactIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: str | None = Field(default=None, max_length=254, pattern=r"^$|^[^@\s]+@[^@\s]+\.[^@\s]+$")
    language: str | None = Field(default=None, pattern=r"^(ja|en|easy_ja)$")


class ContactOut(BaseModel):
    email: str | None
    language: str
