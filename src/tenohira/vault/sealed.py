"""Sealed ORM attributes: a plaintext attribute in Python over a vault ciphertext column.

The recipe used for the municipality registry (one write path that seals, one read path that
opens), packaged for models whose rows are read and written as ORM objects::

    class Patient(Base):
        id: Mapped[str] = mapped_column(sa.String(16), primary_key=True)
        name_sealed: Mapped[bytes] = mapped_column("name", sa.LargeBinary)
        name = Sealed("name_sealed")                      # str in Python, ciphertext at rest
        birth_date_sealed: Mapped[bytes] = mapped_column("birth_date", sa.LargeBinary)
        birth_date = Sealed("birth_date_sealed", kind="date")

Reading ``patient.name`` decrypts under the person's data key with the record id and the field
name bound as associated data; assigning encrypts. The person is the row's ``id`` unless
``person=`` names another attribute (e.g. a birth record sealed under the mother's key). The
class attribute is the descriptor itself, not a column: a query written against the plaintext
(``Patient.name == x``) fails loudly instead of silently comparing ciphertexts — look rows up by a
blind index instead.

Rows written before a column was sealed hold their plaintext as bytes (the migrations convert the
column types, they hold no keys); such values are read as they are, and :func:`is_sealed` tells
the start-up step which rows still need sealing.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.config import get_settings
from tenohira.vault import envelope
from tenohira.vault.service import Vault, opened_vault

__all__ = ["Sealed", "is_sealed", "seal_legacy", "sealed_vault"]

Kind = Literal["text", "date", "datetime", "bytes", "json"]


def sealed_vault() -> Vault:
    """The vault sealed attributes use: the one this process opened for the current settings."""
    return opened_vault(get_settings())


def is_sealed(value: bytes | str | None) -> bool:
    """Whether a stored value is a vault ciphertext (``None`` counts as sealed: nothing to seal)."""
    return value is None or (isinstance(value, bytes) and value[:1] == bytes([envelope.FIELD_FORMAT_V1]))


def _encode(value: Any, kind: Kind) -> bytes:
    if kind == "bytes":
        return bytes(value)
    if kind in ("date", "datetime"):
        return str(value.isoformat()).encode()
    if kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True).encode()
    return str(value).encode()


def _decode(raw: bytes, kind: Kind) -> Any:
    if kind == "bytes":
        return raw
    text = raw.decode()
    if kind == "json":
        return json.loads(text)
    if kind == "date":
        return date.fromisoformat(text[:10])
    if kind == "datetime":
        return datetime.fromisoformat(text)
    return text


class Sealed:
    """A descriptor: plaintext over the vault ciphertext held by the mapped attribute ``column``."""

    def __init__(
        self,
        column: str,
        *,
        kind: Kind = "text",
        person: str = "id",
        record: str = "id",
        field: str | None = None,
        on_set: str | None = None,
    ) -> None:
        self.column = column
        self.kind: Kind = kind
        self.person = person
        self.record = record
        self.field = field or ""
        self.on_set = on_set
        self.name = ""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.field = self.field or name

    def _ids(self, obj: Any) -> tuple[str, str]:
        person, record = getattr(obj, self.person), getattr(obj, self.record)
        if person is None or record is None:
            raise RuntimeError(f"set {self.person!r} and {self.record!r} before the sealed {self.name!r}")
        return str(person), str(record)

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        stored = getattr(obj, self.column)
        if stored is None:
            return None
        cached = obj.__dict__.get("_sealed_" + self.name)
        if cached is not None and cached[0] is stored:
            return cached[1]
        if isinstance(stored, str):
            raw = stored.encode()
        elif is_sealed(stored):
            person, record = self._ids(obj)
            raw = sealed_vault().decrypt(person, record, self.field, stored)
        else:
            raw = bytes(stored)  # a legacy row, not sealed yet (see the module docstring)
        value = _decode(raw, self.kind)
        obj.__dict__["_sealed_" + self.name] = (stored, value)
        return value

    def __set__(self, obj: Any, value: Any) -> None:
        if value is None:
            setattr(obj, self.column, None)
        else:
            person, record = self._ids(obj)
            stored = sealed_vault().encrypt(person, record, self.field, _encode(value, self.kind))
            setattr(obj, self.column, stored)
            obj.__dict__["_sealed_" + self.name] = (stored, value)
        if self.on_set:
            getattr(obj, self.on_set)()


async def seal_legacy(session: AsyncSession, model: type[Any], attributes: Sequence[str]) -> int:
    """Seal the rows of ``model`` whose sealed ``attributes`` still hold plaintext (rows stored
    before the table used the vault); returns how many rows changed. Run at start-up, in its own
    unit of work, after ``await open_vault(settings)``."""
    descriptors = [model.__dict__[a] for a in attributes]
    changed = 0
    for row in await session.scalars(sa.select(model)):
        if all(is_sealed(getattr(row, d.column)) for d in descriptors):
            continue
        for d in descriptors:
            setattr(row, d.name, getattr(row, d.name))  # reading gives the plaintext, assigning seals it
        changed += 1
    await session.flush()
    return changed
