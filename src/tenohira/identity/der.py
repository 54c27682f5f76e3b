"""A minimal DER reader and writer: enough for CMS SignedData and subjectDirectoryAttributes.

``cryptography`` builds CMS signatures but cannot verify them, and has no type for the
subjectDirectoryAttributes extension (RFC 3739), so these few ASN.1 shapes are done by hand.
"""

from __future__ import annotations

from dataclasses import dataclass


class DERError(ValueError):
    """The bytes are not the DER we expect."""


@dataclass(frozen=True)
class TLV:
    """One DER element: its tag, the whole encoding and the content octets."""

    tag: int
    raw: bytes
    content: bytes

    def children(self) -> list[TLV]:
        """The elements inside a constructed element."""
        if not self.tag & 0x20:
            raise DERError("not a constructed element")
        return parse_all(self.content)


def parse_one(buf: bytes, pos: int = 0) -> tuple[TLV, int]:
    """Read the element at ``pos``; return it and the position after it."""
    if pos + 2 > len(buf):
        raise DERError("truncated")
    tag = buf[pos]
    if tag & 0x1F == 0x1F:
        raise DERError("high tag numbers are not used here")
    length = buf[pos + 1]
    header = 2
    if length & 0x80:
        count = length & 0x7F
        if count == 0 or count > 4:
            raise DERError("indefinite or huge length")
        if pos + 2 + count > len(buf):
            raise DERError("truncated")
        length = int.from_bytes(buf[pos + 2 : pos + 2 + count], "big")
        header += count
    end = pos + header + length
    if end > len(buf):
        raise DERError("truncated")
    return TLV(tag, buf[pos:end], buf[pos + header : end]), end


def parse_all(buf: bytes) -> list[TLV]:
    """Every element of a concatenation."""
    out, pos = [], 0
    while pos < len(buf):
        item, pos = parse_one(buf, pos)
        out.append(item)
    return out


def decode_oid(content: bytes) -> str:
    """Dotted form of an OBJECT IDENTIFIER's content octets."""
    if not content:
        raise DERError("empty OID")
    parts: list[int] = []
    value = 0
    for byte in content:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    first = parts[0]
    head = [0, first] if first < 40 else [1, first - 40] if first < 80 else [2, first - 80]
    return ".".join(str(p) for p in head + parts[1:])


def expect(item: TLV, tag: int, what: str) -> TLV:
    """``item`` if it has ``tag``, else :class:`DERError`."""
    if item.tag != tag:
        raise DERError(f"{what}: expected tag {tag:#x}, got {item.tag:#x}")
    return item


def _length(n: int) -> bytes:
    if n < 0x80:
        return bytes([n])
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def encode(tag: int, content: bytes) -> bytes:
    """One element: tag, definite length, content."""
    return bytes([tag]) + _length(len(content)) + content


def encode_oid(dotted: str) -> bytes:
    """An OBJECT IDENTIFIER element from its dotted form."""
    parts = [int(p) for p in dotted.split(".")]
    values = [parts[0] * 40 + parts[1], *parts[2:]]
    out = bytearray()
    for value in values:
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        out.extend(reversed(chunk))
    return encode(0x06, bytes(out))


def sequence(*items: bytes) -> bytes:
    """SEQUENCE of already encoded elements."""
    return encode(0x30, b"".join(items))


def set_of(*items: bytes) -> bytes:
    """SET OF already encoded elements, sorted as DER requires."""
    return encode(0x31, b"".join(sorted(items)))
