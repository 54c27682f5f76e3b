"""Table of the municipality's application intake: what was filed, the proof, and the decision."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed


class ReceivedApplication(Base):
    """An application received through the hub, with the signed manifest that proves it.

    ``(client_member, client_reference)`` is unique: a retried filing returns the first answer
    instead of deciding (or registering a birth) twice.
    """

    __tablename__ = "muni_applications"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    client_member: Mapped[str] = mapped_column(sa.String(64))
    client_reference: Mapped[str] = mapped_column(sa.String(64))
    resident_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_residents.id"), index=True)
    procedure: Mapped[str] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16))  # approved | rejected | accepted | queued
    # what was filed and its proof (the signature carries the signing certificate, whose basic
    # facts name the filer): vault ciphertexts under the filer's key; the attributes without
    # ``_sealed`` are the plaintext bytes, sealed on assignment (see docs/vault.md)
    document_sealed: Mapped[bytes] = mapped_column("document", sa.LargeBinary)
    manifest_sealed: Mapped[bytes] = mapped_column("manifest", sa.LargeBinary)
    signature_sealed: Mapped[bytes] = mapped_column("signature", sa.LargeBinary)
    document = Sealed("document_sealed", kind="bytes", person="resident_id")
    manifest = Sealed("manifest_sealed", kind="bytes", person="resident_id")
    signature = Sealed("signature_sealed", kind="bytes", person="resident_id")
    signer_serial: Mapped[str] = mapped_column(sa.String(64))
    # the decision as answered (for a birth: the registered child's name): sealed like the document
    answer_sealed: Mapped[bytes] = mapped_column("answer", sa.LargeBinary)
    answer = Sealed("answer_sealed", kind="json", person="resident_id")
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    decided_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True), nullable=True)

    __table_args__ = (
        sa.UniqueConstraint("client_member", "client_reference", name="uq_muni_applications_client_ref"),
        sa.Index("ix_muni_applications_queue", "status", "received_at"),
    )
