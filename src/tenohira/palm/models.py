"""Tables of palm: who the resident is (the palm's hub code), applications, their history, bundles.

The palm knows a person only by its own hub agency code (``palm_people.code``): no names, no
individual numbers. Application documents hold what the resident filed (they are the
resident's own papers, shown back to them), never anything fetched for another person.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed


class Person(Base):
    """A resident as the palm knows them: its own hub code, and how to reach them."""

    __tablename__ = "palm_people"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    language: Mapped[str] = mapped_column(String(8), default="ja")
    # the address is a vault ciphertext under the person's own key (``email`` is the plaintext)
    email_sealed: Mapped[bytes | None] = mapped_column("email", LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    email = Sealed("email_sealed", person="code", record="code")


class CardLink(Base):
    """An authenticated card (authentication certificate serial) resolved to the palm's code (cache)."""

    __tablename__ = "palm_card_links"

    card_serial: Mapped[str] = mapped_column(String(64), primary_key=True)
    code: Mapped[str] = mapped_column(ForeignKey("palm_people.code"), index=True)
    resolved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class Bundle(Base):
    """A set of applications the resident signs once ("do them for me"): the manifest and its signature."""

    __tablename__ = "palm_bundles"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_code: Mapped[str] = mapped_column(ForeignKey("palm_people.code"), index=True)
    state: Mapped[str] = mapped_column(String(16))  # open | signed | submitted
    # the manifest lists the documents; the signature carries the signing certificate, whose basic
    # facts name the resident: both vault ciphertexts under the owner's key (plaintext without ``_sealed``)
    manifest_sealed: Mapped[bytes | None] = mapped_column("manifest", LargeBinary, nullable=True)
    manifest_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    signature_sealed: Mapped[bytes | None] = mapped_column("signature", LargeBinary, nullable=True)
    signer_serial: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    manifest = Sealed("manifest_sealed", kind="bytes", person="owner_code")
    signature = Sealed("signature_sealed", kind="bytes", person="owner_code")


class Application(Base):
    """One application of one resident for one catalogue procedure, and where it is in its life."""

    __tablename__ = "palm_applications"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    owner_code: Mapped[str] = mapped_column(ForeignKey("palm_people.code"))
    procedure_id: Mapped[str] = mapped_column(String(64))
    deciding_agency: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16))
    # what the resident files (names, dates of birth, numbers…): a vault ciphertext of the JSON
    # under the owner's key; ``fields`` is the plaintext dict (assign a new dict to change it)
    fields_sealed: Mapped[bytes] = mapped_column("fields", LargeBinary)
    sources: Mapped[dict[str, Any]] = mapped_column(JSON)  # field -> where its value came from
    flags: Mapped[list[str]] = mapped_column(JSON)  # e.g. "late"
    prefilled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # canonical JSON, signed: sealed like ``fields`` (``document`` is the plaintext bytes)
    document_sealed: Mapped[bytes | None] = mapped_column("document", LargeBinary, nullable=True)
    document_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bundle_id: Mapped[str | None] = mapped_column(ForeignKey("palm_bundles.id"), nullable=True, index=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    agency_reference: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # the agency's answer (for a birth: the child's registered name): sealed like ``fields``
    decision_sealed: Mapped[bytes | None] = mapped_column("decision", LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    fields = Sealed("fields_sealed", kind="json", person="owner_code")
    document = Sealed("document_sealed", kind="bytes", person="owner_code")
    decision = Sealed("decision_sealed", kind="json", person="owner_code")

    __table_args__ = (
        Index("ix_palm_applications_owner", "owner_code", "created_at"),
        UniqueConstraint("owner_code", "idempotency_key", name="uq_palm_applications_owner_key"),
    )


class HistoryEntry(Base):
    """One transition of an application: who, when, from, to, and a note (no personal data)."""

    __tablename__ = "palm_application_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    application_id: Mapped[str] = mapped_column(ForeignKey("palm_applications.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(128))
    from_state: Mapped[str | None] = mapped_column(String(16), nullable=True)
    to_state: Mapped[str] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


__all__ = ["Application", "Base", "Bundle", "CardLink", "HistoryEntry", "Person"]
