"""Tables of agencies.hospital: facilities, patients (expectant mothers), birth records, certificates."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed, sealed_vault

__all__ = ["Base", "BirthRecord", "CertificateIssue", "Facility", "HospitalMeta", "Patient"]

TZ = sa.DateTime(timezone=True)


class Facility(Base):
    """A maternity facility of the hospital group; each issues certificates with its own key."""

    __tablename__ = "hosp_facilities"

    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)  # hospital-tenohira-central
    kind: Mapped[str] = mapped_column(sa.String(16))  # hospital (病院) / clinic (診療所) / midwifery (助産所)
    name_ja: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str] = mapped_column(sa.String(128))
    address: Mapped[str] = mapped_column(sa.String(256))
    issuer: Mapped[str] = mapped_column(sa.String(256), unique=True)
    # 産科医療補償制度 participation: decides ¥500,000 vs ¥488,000 of the childbirth lump sum
    compensation_scheme: Mapped[bool] = mapped_column(sa.Boolean)


class Patient(Base):
    """A mother booked for delivery. The hub code is learnt at first contact through the hub."""

    __tablename__ = "hosp_patients"

    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # P000001 (診察券番号)
    seq: Mapped[int] = mapped_column(sa.Integer, unique=True)
    facility_id: Mapped[str] = mapped_column(sa.ForeignKey("hosp_facilities.id"), index=True)
    # personal fields are vault ciphertexts under the patient's own key (see docs/vault.md);
    # the attributes without ``_sealed`` are the plaintext, sealed on assignment
    name_sealed: Mapped[bytes] = mapped_column("name", sa.LargeBinary)
    name_kana_sealed: Mapped[bytes] = mapped_column("name_kana", sa.LargeBinary)
    birth_date_sealed: Mapped[bytes] = mapped_column("birth_date", sa.LargeBinary)
    # blind index (keyed hash) of name + date of birth: first-contact matching without plaintext
    name_birth_index: Mapped[str | None] = mapped_column(sa.String(64), nullable=True, index=True)
    hub_code: Mapped[str | None] = mapped_column(sa.String(64), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(TZ)

    name = Sealed("name_sealed", on_set="_reindex")
    name_kana = Sealed("name_kana_sealed")
    birth_date = Sealed("birth_date_sealed", kind="date", on_set="_reindex")

    def _reindex(self) -> None:
        if self.name_sealed is not None and self.birth_date_sealed is not None:
            self.name_birth_index = name_birth_index(self.name, self.birth_date)


def name_birth_index(name: str, birth_date: date) -> str:
    """The hospital's blind index of name + date of birth (separate from every other holder's, so
    the same person's indexes cannot be joined across agencies' databases)."""
    return sealed_vault().blind_index("hospital.name_birth", f"{name}|{birth_date.isoformat()}")


class BirthRecord(Base):
    """分娩記録: expected (due date) until the delivery is recorded.

    The birth facts (due date, time of birth, sex, weight, height, gestational weeks, plurality,
    certifying doctor, charges) are health data of the mother and the child: vault ciphertexts
    under the mother's key (the patient's), with the record id and the field bound as associated
    data, so erasing the mother (``vault.shred("P000001")``) erases them too. ``patient_id`` stays
    in clear: it is the hospital's own pseudonymous patient number, the key the record is sealed
    under (a record cannot name its key inside its own ciphertext) and the join to the patient.
    """

    __tablename__ = "hosp_birth_records"

    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # B000001
    patient_id: Mapped[str] = mapped_column(sa.ForeignKey("hosp_patients.id"), index=True)
    facility_id: Mapped[str] = mapped_column(sa.ForeignKey("hosp_facilities.id"))
    status: Mapped[str] = mapped_column(sa.String(16))  # expected / born
    due_date_sealed: Mapped[bytes] = mapped_column("due_date", sa.LargeBinary)
    born_at_sealed: Mapped[bytes | None] = mapped_column("born_at", sa.LargeBinary, nullable=True)
    sex_sealed: Mapped[bytes | None] = mapped_column("sex", sa.LargeBinary, nullable=True)
    weight_g_sealed: Mapped[bytes | None] = mapped_column("weight_g", sa.LargeBinary, nullable=True)
    height_cm_sealed: Mapped[bytes | None] = mapped_column("height_cm", sa.LargeBinary, nullable=True)
    gestational_weeks_sealed: Mapped[bytes | None] = mapped_column(
        "gestational_weeks", sa.LargeBinary, nullable=True
    )
    plurality_sealed: Mapped[bytes] = mapped_column("plurality", sa.LargeBinary)  # 単胎 1, 双胎 2 …
    certifier_sealed: Mapped[bytes | None] = mapped_column(
        "certifier", sa.LargeBinary, nullable=True
    )  # 証明医師
    created_at: Mapped[datetime] = mapped_column(TZ)
    charges_sealed: Mapped[bytes | None] = mapped_column("charges", sa.LargeBinary, nullable=True)  # 出産費用
    # the insurer's claim id once the lump sum was claimed under the direct payment system
    lump_sum_claim: Mapped[str | None] = mapped_column(sa.String(32), nullable=True)

    due_date = Sealed("due_date_sealed", kind="date", person="patient_id")
    born_at = Sealed("born_at_sealed", kind="datetime", person="patient_id")  # UTC
    sex = Sealed("sex_sealed", person="patient_id")
    weight_g = Sealed("weight_g_sealed", kind="json", person="patient_id")
    height_cm = Sealed("height_cm_sealed", kind="json", person="patient_id")
    gestational_weeks = Sealed("gestational_weeks_sealed", kind="json", person="patient_id")
    plurality = Sealed("plurality_sealed", kind="json", person="patient_id")
    certifier = Sealed("certifier_sealed", person="patient_id")
    charges = Sealed("charges_sealed", kind="json", person="patient_id")


BIRTH_SEALED = (
    "due_date",
    "born_at",
    "sex",
    "weight_g",
    "height_cm",
    "gestational_weeks",
    "plurality",
    "certifier",
    "charges",
)


class CertificateIssue(Base):
    """A 出生証明書 credential handed to the mother (the credential itself is not kept)."""

    __tablename__ = "hosp_certificate_issues"

    id: Mapped[int] = mapped_column(sa.Integer, primary_key=True, autoincrement=True)
    birth_id: Mapped[str] = mapped_column(sa.ForeignKey("hosp_birth_records.id"), index=True)
    holder_key_thumbprint: Mapped[str] = mapped_column(sa.String(64))
    digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[datetime] = mapped_column(TZ)
    expires_at: Mapped[datetime] = mapped_column(TZ)


class HospitalMeta(Base):
    """Small state of the hospital system (how far the demo bookings were taken in)."""

    __tablename__ = "hosp_meta"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(256))
