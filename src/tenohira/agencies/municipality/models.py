"""Tables of agencies.municipality: the resident registry (住民基本台帳) of the demo city.

Personal fields (name, reading, date of birth, individual number, address line) are
read and written only by :mod:`repository`, so that encryption at rest (vault) is one
place to change.
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base

__all__ = ["Base", "BirthNotification", "District", "Household", "HubCode", "Resident"]


class District(Base):
    """A 町字 (town/block area) of the city, identified like the Address Base Registry's 町字ID."""

    __tablename__ = "muni_districts"

    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # "990019-0001001"
    name: Mapped[str] = mapped_column(sa.String(64))  # 桜町一丁目
    name_kana: Mapped[str] = mapped_column(sa.String(128))
    postal_code: Mapped[str] = mapped_column(sa.String(8))


class Household(Base):
    """A 世帯: people living together, with a head (世帯主)."""

    __tablename__ = "muni_households"

    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # "H000001"
    seq: Mapped[int] = mapped_column(sa.Integer, unique=True)
    district_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_districts.id"), index=True)
    # 3番4号: personal, so stored encrypted by the vault (key of the household, see repository)
    address_line: Mapped[bytes] = mapped_column(sa.LargeBinary)
    head_resident_id: Mapped[str | None] = mapped_column(sa.String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class Resident(Base):
    """A person in the registry. ``status`` keeps people who left or died (the record stays)."""

    __tablename__ = "muni_residents"

    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # "R0000001"
    seq: Mapped[int] = mapped_column(sa.Integer, unique=True)
    household_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_households.id"), index=True)
    relation: Mapped[str] = mapped_column(sa.String(16))  # 続柄: head, spouse, child, parent
    # Personal fields are vault ciphertexts (AES-256-GCM under the resident's data key, bound to
    # record and field); lookups go through keyed blind indexes, never plaintext.
    name: Mapped[bytes] = mapped_column(sa.LargeBinary)
    name_kana: Mapped[bytes] = mapped_column(sa.LargeBinary)
    birth_date: Mapped[bytes] = mapped_column(sa.LargeBinary)
    sex: Mapped[str] = mapped_column(sa.String(8))  # male / female
    individual_number: Mapped[bytes] = mapped_column(sa.LargeBinary)  # 個人番号
    # blind indexes (HMAC-SHA-256, vault index key); NULL only for rows written before encryption
    individual_number_index: Mapped[str | None] = mapped_column(sa.String(64), unique=True, nullable=True)
    name_birth_index: Mapped[str | None] = mapped_column(sa.String(64), index=True, nullable=True)
    insurance: Mapped[str] = mapped_column(sa.String(16))  # employee / nhi
    employment_insured: Mapped[bool] = mapped_column(sa.Boolean)  # 雇用保険 被保険者
    annual_income: Mapped[int] = mapped_column(sa.Integer)  # yen, previous calendar year
    # health information (出産予定日): encrypted like the fields above; NULL when not expecting
    expecting_due_date: Mapped[bytes | None] = mapped_column(sa.LargeBinary, nullable=True)
    hospital_id: Mapped[str | None] = mapped_column(sa.String(64), nullable=True)
    # encrypted: for people born in the city it equals the date of birth
    moved_in: Mapped[bytes] = mapped_column(sa.LargeBinary)
    status: Mapped[str] = mapped_column(sa.String(16), default="resident")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class BirthNotification(Base):
    """A 出生届 received by the municipality, kept as filed (with the verified certificate's claims)."""

    __tablename__ = "muni_birth_notifications"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    parent_resident_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_residents.id"), index=True)
    child_resident_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_residents.id"), unique=True)
    birth_date: Mapped[date] = mapped_column(sa.Date)
    filed_on: Mapped[date] = mapped_column(sa.Date)
    deadline: Mapped[date] = mapped_column(sa.Date)
    late: Mapped[bool] = mapped_column(sa.Boolean)
    certificate_issuer: Mapped[str] = mapped_column(sa.String(256))
    certificate_digest: Mapped[str] = mapped_column(sa.String(64), unique=True)
    claims: Mapped[dict[str, object]] = mapped_column(sa.JSON)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class HubCode(Base):
    """The hub's agency code by which the municipality names a resident in exchanges.

    Registered with the hub on first need (card issuance, a birth); random, minted by the hub.
    """

    __tablename__ = "muni_hub_codes"

    resident_id: Mapped[str] = mapped_column(sa.ForeignKey("muni_residents.id"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    registered_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class MoveOutFacts(Base):
    """The move-out facts (転出証明情報) another city sent about a person moving here
    (住民基本台帳法 第24条の2), kept until the person files the 転入届.

    Keyed by this city's hub code for the person (the hub translated the sender's); the facts
    are one vault ciphertext sealed under a key of the code (the person is not a resident yet).
    """

    __tablename__ = "muni_move_out_facts"

    code: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    from_municipality: Mapped[str] = mapped_column(sa.String(6))
    district_id: Mapped[str] = mapped_column(sa.String(13))
    planned_move_date: Mapped[date] = mapped_column(sa.Date)
    facts: Mapped[bytes] = mapped_column(sa.LargeBinary)
    received_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
