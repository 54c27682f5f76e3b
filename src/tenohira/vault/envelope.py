"""Envelope encryption: fields under a person's data key, data keys under the key-encryption key.

Formats (version byte first, so a later format can be read side by side with this one):

- field ciphertext ``v1``: ``0x01 || nonce(12) || AES-256-GCM(data key, plaintext, ad)`` with
  ``ad = "tenohira-vault/field/1" 0 person_id 0 record_id 0 field``. Moving a ciphertext to
  another record, field or person changes the associated data, so decryption fails.
- wrapped data key ``v1``: ``0x01 || nonce(12) || AES-256-GCM(KEK, data key, ad)`` with
  ``ad = "tenohira-vault/dek/1" 0 person_id 0 kek_version``.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

FIELD_FORMAT_V1 = 0x01
DEK_FORMAT_V1 = 0x01
KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
FIELD_OVERHEAD = 1 + NONCE_SIZE + TAG_SIZE


class Rejected(ValueError):
    """A ciphertext that does not decrypt under this key and context (tampered, swapped or unknown)."""


def new_key() -> bytes:
    """A fresh random 256-bit key."""
    return AESGCM.generate_key(bit_length=256)


def _field_ad(person_id: str, record_id: str, field: str) -> bytes:
    return b"\0".join([b"tenohira-vault/field/1", person_id.encode(), record_id.encode(), field.encode()])


def _dek_ad(person_id: str, kek_version: int) -> bytes:
    return b"\0".join([b"tenohira-vault/dek/1", person_id.encode(), str(kek_version).encode()])


def seal_field(key: AESGCM, person_id: str, record_id: str, field: str, plaintext: bytes) -> bytes:
    """Encrypt one field value, bound to its person, record and field name."""
    nonce = os.urandom(NONCE_SIZE)
    return (
        bytes([FIELD_FORMAT_V1])
        + nonce
        + key.encrypt(nonce, plaintext, _field_ad(person_id, record_id, field))
    )


def open_field(key: AESGCM, person_id: str, record_id: str, field: str, ciphertext: bytes) -> bytes:
    """Decrypt one field value; :class:`Rejected` unless it was sealed for exactly this context."""
    if len(ciphertext) < FIELD_OVERHEAD or ciphertext[0] != FIELD_FORMAT_V1:
        raise Rejected("not a vault ciphertext (unknown format or truncated)")
    nonce, body = ciphertext[1 : 1 + NONCE_SIZE], ciphertext[1 + NONCE_SIZE :]
    try:
        return key.decrypt(nonce, body, _field_ad(person_id, record_id, field))
    except InvalidTag as exc:
        raise Rejected(
            f"ciphertext of {record_id}.{field} does not verify: tampered, or moved from another record"
        ) from exc


def wrap_key(kek: bytes, kek_version: int, person_id: str, data_key: bytes) -> bytes:
    """Wrap a person's data key under a key-encryption key version."""
    nonce = os.urandom(NONCE_SIZE)
    return (
        bytes([DEK_FORMAT_V1]) + nonce + AESGCM(kek).encrypt(nonce, data_key, _dek_ad(person_id, kek_version))
    )


def unwrap_key(kek: bytes, kek_version: int, person_id: str, wrapped: bytes) -> bytes:
    """Unwrap a person's data key; :class:`Rejected` if it was not wrapped for this person and version."""
    if len(wrapped) < 1 + NONCE_SIZE + TAG_SIZE or wrapped[0] != DEK_FORMAT_V1:
        raise Rejected("not a wrapped vault key")
    try:
        return AESGCM(kek).decrypt(
            wrapped[1 : 1 + NONCE_SIZE], wrapped[1 + NONCE_SIZE :], _dek_ad(person_id, kek_version)
        )
    except InvalidTag as exc:
        raise Rejected(f"wrapped key of {person_id} does not verify under KEK v{kek_version}") from exc


def fingerprint(secret: bytes, name: str) -> str:
    """A short public check value of a split secret (what the sites must combine to)."""
    return hmac.new(secret, b"tenohira-vault/fingerprint/1\0" + name.encode(), hashlib.sha256).hexdigest()[
        :32
    ]


def normalise(value: str) -> str:
    """The form a value is indexed in: NFKC (full-width → half-width digits, ideographic space → space),
    trimmed, inner runs of white space made one space."""
    return " ".join(unicodedata.normalize("NFKC", value).split())


def blind_index(index_key: bytes, field: str, value: str) -> str:
    """HMAC-SHA-256 of the normalised value, separated per field (hex)."""
    message = b"tenohira-vault/blind-index/1\0" + field.encode() + b"\0" + normalise(value).encode()
    return hmac.new(index_key, message, hashlib.sha256).hexdigest()


def person_digest(data_key: bytes, payload: bytes) -> bytes:
    """A digest of ``payload`` keyed by the person's data key: after shredding nobody can recompute it,
    so a guessed payload can no longer be linked to a digest kept in the transparency log."""
    digest_key = hmac.new(data_key, b"tenohira-vault/log-digest/1", hashlib.sha256).digest()
    return hmac.new(digest_key, payload, hashlib.sha256).digest()
