"""Tables of agencies.insurer: insurers (schemes), insured persons and dependants, lump-sum claims."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from tenohira.core.db import Base
from tenohira.vault import Sealed, sealed_vault

__all__ = ["Base", "InsuredPerson", "Insurer", "InsurerMeta", "LumpSumClaim"]

TZ = sa.DateTime(timezone=True)


class Insurer(Base):
    """A 保険者 run by this reference system: an employees' health insurance society or NHI."""

    __tablename__ = "ins_insurers"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    scheme: Mapped[str] = mapped_column(sa.String(16))  # employee (被用者保険) / nhi (国民健康保険)
    number: Mapped[str] = mapped_column(sa.String(8), unique=True)  # 保険者番号
    name_ja: Mapped[str] = mapped_column(sa.String(128))
    name_en: Mapped[str] = mapped_column(sa.String(128))


class InsuredPerson(Base):
    """A person covered: the insured (被保険者) or a dependant (被扶養者) of an insured person.

    The insurer's own copy of what it knows (from employers' enrolment, or NHI enrolment),
    with its own member numbers; people are linked to hub codes at first contact.
    """

    __tablename__ = "ins_persons"

    id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)  # I00000001
    seq: Mapped[int] = mapped_column(sa.Integer, unique=True)
    insurer_id: Mapped[str] = mapped_column(sa.ForeignKey("ins_insurers.id"), index=True)
    role: Mapped[str] = mapped_column(sa.String(16))  # insured / dependant
    insured_id: Mapped[str | None] = mapped_column(sa.String(16), index=True, nullable=True)
    symbol: Mapped[str] = mapped_column(sa.String(16))  # 記号
    number: Mapped[str] = mapped_column(sa.String(16))  # 番号
    branch: Mapped[str] = mapped_column(sa.String(2))  # 枝番: 00 insured, 01… dependants
    relation: Mapped[str] = mapped_column(sa.String(16))  # to the insured: self, spouse, child, parent
    # personal fields are vault ciphertexts under the person's own key (see docs/vault.md);
    # the attributes without ``_sealed`` are the plaintext, sealed on assignment
    name_sealed: Mapped[bytes] = mapped_column("name", sa.LargeBinary)
    name_kana_sealed: Mapped[bytes] = mapped_column("name_kana", sa.LargeBinary)
    birth_date_sealed: Mapped[bytes] = mapped_column("birth_date", sa.LargeBinary)
    # blind index (keyed hash) of name + date of birth: first-contact matching without plaintext
    name_birth_index: Mapped[str | None] = mapped_column(sa.String(64), nullable=True, index=True)
    sex: Mapped[str] = mapped_column(sa.String(8))
    qualified_from: Mapped[date] = mapped_column(sa.Date)  # 資格取得日
    hub_code: Mapped[str | None] = mapped_column(sa.String(64), unique=True, nullable=True)
    created_at: Mapped[datetime] = mapped_column(TZ)

    name = Sealed("name_sealed", on_set="_reindex")
    name_kana = Sealed("name_kana_sealed")
    birth_date = Sealed("birth_date_sealed", kind="date", on_set="_reindex")

    def _reindex(self) -> None:
        if self.name_sealed is not None and self.birth_date_sealed is not None:
            self.name_birth_index = name_birth_index(self.name, self.birth_date)


def name_birth_index(name: str, birth_date: date) -> str:
    """The insurer's blind index of name + date of birth (separate from every other holder's, so
    the same person's indexes cannot be joined across agencies' databases)."""
    return sealed_vault().blind_index("insurer.name_birth", f"{name}|{birth_date.isoformat()}")


class LumpSumClaim(Base):
    """出産育児一時金: one claim per birth, usually paid directly to the hospital (直接支払制度)."""

    __tablename__ = "ins_lump_sum_claims"
    __table_args__ = (sa.UniqueConstraint("mother_id", "birth_date", name="uq_ins_lump_sum_claims_birth"),)

    id: Mapped[str] = mapped_column(sa.String(24), primary_key=True)
    insurer_id: Mapped[str] = mapped_column(sa.ForeignKey("ins_insurers.id"))
    insured_id: Mapped[str] = mapped_column(sa.ForeignKey("ins_persons.id"), index=True)  # paid to / for
    mother_id: Mapped[str] = mapped_column(sa.ForeignKey("ins_persons.id"))
    birth_date: Mapped[date] = mapped_column(sa.Date)
    babies: Mapped[int] = mapped_column(sa.Integer)
    gestational_weeks: Mapped[int] = mapped_column(sa.Integer)
    facility: Mapped[str] = mapped_column(sa.String(128))
    compensation_scheme: Mapped[bool] = mapped_column(sa.Boolean)
    direct_payment: Mapped[bool] = mapped_column(sa.Boolean)
    claimed_by: Mapped[str] = mapped_column(sa.String(64))  # hub member that filed it
    charges: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)  # 出産費用 billed
    amount: Mapped[int] = mapped_column(sa.Integer)  # the lump sum due
    to_hospital: Mapped[int] = mapped_column(sa.Integer)
    to_insured: Mapped[int] = mapped_column(sa.Integer)  # 差額 (remainder) for the insured
    status: Mapped[str] = mapped_column(sa.String(16))  # approved / paid / refused
    basis: Mapped[str] = mapped_column(sa.String(256))
    payment_due: Mapped[date | None] = mapped_column(sa.Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(TZ)


class InsurerMeta(Base):
    """Small state of the insurer system (how far enrolment from the demo world was taken in)."""

    __tablename__ = "ins_meta"

    key: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    value: Mapped[str] = mapped_column(sa.String(256))
