"""Checkpoints and cosignatures in the C2SP formats (signed-note, tlog-checkpoint, tlog-cosignature).

The log's signed tree heads are RFC 9162 structures; to be witnessed they are also written as a
C2SP *checkpoint*, a signed note::

    tenohira.local/990019/audit          <- origin: names the log
    1234                                 <- tree size
    CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=   <- root hash (base64)

    — tenohira.local/990019/audit Az3grl…       <- the log's Ed25519 note signature
    — tenohira.local/witness jWbPPwAAAABk…      <- a witness's cosignature/v1

Pure functions over bytes and text (only ``cryptography``), shared by the log and the witness so
that both read and write exactly the same bytes. Ed25519 signatures are deterministic: the log's
checkpoint signature for a given head is always the same, so it need not be stored.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from dataclasses import dataclass

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

EM_DASH = "\u2014"
ALG_ED25519 = 0x01  # signed-note Ed25519 signature type
ALG_COSIGNATURE_V1 = 0x04  # tlog-cosignature Ed25519 (timestamped)
COSIGNATURE_HEADER = "cosignature/v1\n"
MAX_NOTE = 64 * 1024

_NAME = re.compile(r"^[^\s+\u2014]+$")  # no spaces, plus signs or em dashes (signed-note key names)


class NoteError(ValueError):
    """A note, checkpoint, signature line or verifier key that is malformed."""


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NoteError("not standard base64") from exc


def _raw_public(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(name: str, alg: int, public: Ed25519PublicKey) -> bytes:
    """The 4-byte key id: SHA-256(name || "\\n" || alg || public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + _raw_public(public)).digest()[:4]


@dataclass(frozen=True)
class Verifier:
    """A named Ed25519 public key as signed-note ``vkey``: ``<name>+<hex key id>+<base64(alg||key)>``."""

    name: str
    public: Ed25519PublicKey
    alg: int = ALG_ED25519

    @property
    def key_id(self) -> bytes:
        return key_id(self.name, self.alg, self.public)

    @property
    def vkey(self) -> str:
        raw = bytes([self.alg]) + _raw_public(self.public)
        return f"{self.name}+{self.key_id.hex()}+{_b64(raw)}"

    @classmethod
    def parse(cls, vkey: str) -> Verifier:
        """Read a vkey (raises :class:`NoteError`)."""
        parts = vkey.strip().split("+", 2)
        if len(parts) != 3 or not _NAME.match(parts[0]):
            raise NoteError("a verifier key is <name>+<key id>+<key>")
        raw = _unb64(parts[2])
        if len(raw) != 33 or raw[0] not in (ALG_ED25519, ALG_COSIGNATURE_V1):
            raise NoteError("only Ed25519 verifier keys (type 0x01 or 0x04) are supported")
        verifier = cls(parts[0], Ed25519PublicKey.from_public_bytes(raw[1:]), raw[0])
        if verifier.key_id.hex() != parts[1].lower():
            raise NoteError("the verifier key's id does not match its name and key")
        return verifier


@dataclass(frozen=True)
class Signer:
    """A named Ed25519 private key that signs notes (the log) or cosigns checkpoints (a witness)."""

    name: str
    private: Ed25519PrivateKey

    def verifier(self, alg: int = ALG_ED25519) -> Verifier:
        return Verifier(self.name, self.private.public_key(), alg)

    def sign_note(self, body: str) -> str:
        """The signature line of the log over the note ``body`` (ends with a newline)."""
        check_body(body)
        sig = self.private.sign(body.encode())
        return (
            f"{EM_DASH} {self.name} {_b64(key_id(self.name, ALG_ED25519, self.private.public_key()) + sig)}\n"
        )

    def cosign(self, body: str, timestamp: int) -> str:
        """A tlog-cosignature/v1 line over the checkpoint ``body`` at ``timestamp`` (POSIX seconds)."""
        check_body(body)
        message = f"{COSIGNATURE_HEADER}time {timestamp}\n{body}".encode()
        sig = self.private.sign(message)
        kid = key_id(self.name, ALG_COSIGNATURE_V1, self.private.public_key())
        return f"{EM_DASH} {self.name} {_b64(kid + struct.pack('>Q', timestamp) + sig)}\n"


@dataclass(frozen=True)
class SignatureLine:
    name: str
    key_id: bytes
    signature: bytes  # for a cosignature: 8-byte timestamp || 64-byte signature

    @property
    def line(self) -> str:
        return f"{EM_DASH} {self.name} {_b64(self.key_id + self.signature)}\n"


def check_body(body: str) -> None:
    if not body.endswith("\n") or "\n\n" in body or not body.strip():
        raise NoteError("a note body is non-empty lines, each ending in a newline, with no blank line")


def split_note(text: str) -> tuple[str, list[SignatureLine]]:
    """A signed note's body and its signature lines (raises :class:`NoteError`)."""
    if len(text) > MAX_NOTE:
        raise NoteError("note too large")
    body, sep, rest = text.partition("\n\n")
    if not sep:
        raise NoteError("a signed note has a blank line between its body and its signatures")
    body += "\n"
    check_body(body)
    if not rest.endswith("\n"):
        raise NoteError("every signature line ends with a newline")
    lines = []
    for raw in rest[:-1].split("\n"):
        parts = raw.split(" ")
        if len(parts) != 3 or parts[0] != EM_DASH or not _NAME.match(parts[1]):
            raise NoteError("a signature line is '— <name> <base64>'")
        blob = _unb64(parts[2])
        if len(blob) < 5:
            raise NoteError("a signature is a key id and signature bytes")
        lines.append(SignatureLine(parts[1], blob[:4], blob[4:]))
    if not lines:
        raise NoteError("a signed note has at least one signature")
    return body, lines


def verify_note_signature(body: str, line: SignatureLine, verifier: Verifier) -> bool:
    """Whether ``line`` is ``verifier``'s signed-note signature over ``body``."""
    if line.name != verifier.name or line.key_id != key_id(verifier.name, ALG_ED25519, verifier.public):
        return False
    try:
        verifier.public.verify(line.signature, body.encode())
    except InvalidSignature:
        return False
    return True


def verify_cosignature(body: str, line: SignatureLine, verifier: Verifier) -> int | None:
    """When ``verifier`` made the cosignature/v1 ``line`` over ``body``; None if it does not verify."""
    kid = key_id(verifier.name, ALG_COSIGNATURE_V1, verifier.public)
    if line.name != verifier.name or line.key_id != kid or len(line.signature) != 72:
        return None
    (timestamp,) = struct.unpack(">Q", line.signature[:8])
    try:
        verifier.public.verify(line.signature[8:], f"{COSIGNATURE_HEADER}time {timestamp}\n{body}".encode())
    except InvalidSignature:
        return None
    return int(timestamp)


@dataclass(frozen=True)
class Checkpoint:
    """The body of a C2SP checkpoint: origin, tree size and root hash (no extension lines here)."""

    origin: str
    tree_size: int
    root_hash: bytes

    @property
    def body(self) -> str:
        return f"{self.origin}\n{self.tree_size}\n{_b64(self.root_hash)}\n"

    @classmethod
    def parse(cls, body: str) -> Checkpoint:
        """Read a checkpoint body (extension lines are allowed and ignored)."""
        check_body(body)
        lines = body[:-1].split("\n")
        if len(lines) < 3 or not lines[0]:
            raise NoteError("a checkpoint has an origin, a tree size and a root hash line")
        size_text = lines[1]
        if not size_text.isascii() or not size_text.isdigit() or (size_text != "0" and size_text[0] == "0"):
            raise NoteError("the tree size is a decimal number without leading zeroes")
        root = _unb64(lines[2])
        if len(root) != 32:
            raise NoteError("the root hash is 32 bytes")
        return cls(lines[0], int(size_text), root)


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint with the signature lines it carries (the log's, and cosignatures)."""

    checkpoint: Checkpoint
    body: str
    signatures: list[SignatureLine]

    @classmethod
    def parse(cls, text: str) -> SignedCheckpoint:
        body, lines = split_note(text)
        return cls(Checkpoint.parse(body), body, lines)

    @property
    def text(self) -> str:
        return self.body + "\n" + "".join(s.line for s in self.signatures)

    def signed_by(self, verifier: Verifier) -> bool:
        return any(verify_note_signature(self.body, s, verifier) for s in self.signatures)

    def cosigned_at(self, verifier: Verifier) -> int | None:
        """When ``verifier`` cosigned this checkpoint (the latest of its cosignatures), else None."""
        times = [t for s in self.signatures if (t := verify_cosignature(self.body, s, verifier)) is not None]
        return max(times) if times else None
