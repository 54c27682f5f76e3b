"""A fast parser and serializer for the structured fields the hub reads on every message (RFC 8941).

Signature-Input, Signature and Content-Digest are Dictionaries whose members are Items or
Inner Lists of Items with Parameters. ``http_sfv`` parses them character by character in
Python (~150 µs per Signature-Input); this module does the same grammar with regular
expressions. It is strict: whatever it does not recognise raises ``ValueError`` and the
caller falls back to ``http_sfv`` (tests check both agree).

Values: int, Decimal is not supported (raises), str (sf-string), Token (as ``Token``),
bytes (byte sequence), bool.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass, field
from functools import lru_cache

BareItem = int | str | bytes | bool

_KEY = re.compile(r"[a-z*][a-z0-9_\-.*]*")
_INT = re.compile(r"-?[0-9]{1,15}(?![0-9.])")
_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
_TOKEN = re.compile(r"[A-Za-z*][!#$%&'*+\-.^_`|~0-9A-Za-z:/]*")
_BYTES = re.compile(r":([A-Za-z0-9+/=]*):")
_BOOL = re.compile(r"\?([01])")
_OWS = re.compile(r"[ \t]*")
_SP = re.compile(r" *")


class Token(str):
    """An sf-token (serialized without quotes)."""


@dataclass
class ParsedItem:
    value: BareItem
    params: list[tuple[str, BareItem]] = field(default_factory=list)


@dataclass
class ParsedInnerList:
    items: list[ParsedItem]
    params: list[tuple[str, BareItem]] = field(default_factory=list)


Member = ParsedItem | ParsedInnerList


def _bare(data: str, pos: int) -> tuple[BareItem, int]:
    c = data[pos : pos + 1]
    if c == '"':
        m = _STRING.match(data, pos)
        if not m:
            raise ValueError("bad string")
        return m.group(1).replace('\\"', '"').replace("\\\\", "\\"), m.end()
    if c == ":":
        m = _BYTES.match(data, pos)
        if not m:
            raise ValueError("bad byte sequence")
        try:
            return base64.b64decode(m.group(1), validate=True), m.end()
        except binascii.Error as exc:
            raise ValueError("bad base64") from exc
    if c == "?":
        m = _BOOL.match(data, pos)
        if not m:
            raise ValueError("bad boolean")
        return m.group(1) == "1", m.end()
    m = _INT.match(data, pos)
    if m:
        return int(m.group(0)), m.end()
    m = _TOKEN.match(data, pos)
    if m:
        return Token(m.group(0)), m.end()
    raise ValueError(f"unexpected {c!r} at {pos}")


def _params(data: str, pos: int) -> tuple[list[tuple[str, BareItem]], int]:
    params: list[tuple[str, BareItem]] = []
    while data.startswith(";", pos):
        pos = _SP.match(data, pos + 1).end()  # type: ignore[union-attr]
        m = _KEY.match(data, pos)
        if not m:
            raise ValueError("bad parameter key")
        key, pos = m.group(0), m.end()
        value: BareItem = True
        if data.startswith("=", pos):
            value, pos = _bare(data, pos + 1)
        # a repeated key keeps its first position and its last value (RFC 8941 §4.2.3.2)
        for i, (existing, _) in enumerate(params):
            if existing == key:
                params[i] = (key, value)
                break
        else:
            params.append((key, value))
    return params, pos


def _member(data: str, pos: int) -> tuple[Member, int]:
    if data.startswith("(", pos):
        pos += 1
        items: list[ParsedItem] = []
        while True:
            pos = _SP.match(data, pos).end()  # type: ignore[union-attr]
            if data.startswith(")", pos):
                pos += 1
                break
            value, pos = _bare(data, pos)
            params, pos = _params(data, pos)
            items.append(ParsedItem(value, params))
            if not data.startswith((" ", ")"), pos):
                raise ValueError("bad inner list")
        params, pos = _params(data, pos)
        return ParsedInnerList(items, params), pos
    value, pos = _bare(data, pos)
    params, pos = _params(data, pos)
    return ParsedItem(value, params), pos


@lru_cache(maxsize=4096)
def parse_dictionary(data: str) -> dict[str, Member]:
    """Parse a Dictionary field value (cached: the same value parses to the same members)."""
    out: dict[str, Member] = {}
    pos = _SP.match(data).end()  # type: ignore[union-attr]
    if pos == len(data):
        return out
    while True:
        m = _KEY.match(data, pos)
        if not m:
            raise ValueError("bad dictionary key")
        key, pos = m.group(0), m.end()
        if data.startswith("=", pos):
            member, pos = _member(data, pos + 1)
        else:
            params, pos = _params(data, pos)
            member = ParsedItem(True, params)
        out.pop(key, None)  # a repeated key: the last wins, in the last position
        out[key] = member
        pos = _OWS.match(data, pos).end()  # type: ignore[union-attr]
        if pos == len(data):
            return out
        if not data.startswith(",", pos):
            raise ValueError("trailing characters")
        pos = _OWS.match(data, pos + 1).end()  # type: ignore[union-attr]
        if pos == len(data):
            raise ValueError("trailing comma")


def serialize_bare(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        if abs(value) > 999_999_999_999_999:
            raise ValueError("integer out of range")
        return str(value)
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode() + ":"
    if isinstance(value, Token):
        if not _TOKEN.fullmatch(value):
            raise ValueError("bad token")
        return str(value)
    if not (value.isascii() and value.isprintable()):
        raise ValueError("sf-strings are printable ASCII")
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_params(params: list[tuple[str, BareItem]]) -> str:
    return "".join(f";{k}" if v is True else f";{k}={serialize_bare(v)}" for k, v in params)


@lru_cache(maxsize=4096)
def _serialize_item(key: tuple[tuple[str, str, BareItem], ...]) -> str:
    (_, _, value), params = key[0], key[1:]
    return serialize_bare(value) + serialize_params([(k, v) for k, _, v in params])


def serialize_item(item: ParsedItem) -> str:
    """Serialize an item (cached: component identifiers repeat on every message)."""
    # the type names keep a Token apart from an equal str, and True apart from 1, in the cache
    head = ("", type(item.value).__name__, item.value)
    key = (head, *((k, type(v).__name__, v) for k, v in item.params))
    return _serialize_item(key)


def serialize_member(member: Member) -> str:
    if isinstance(member, ParsedInnerList):
        return "(" + " ".join(serialize_item(i) for i in member.items) + ")" + serialize_params(member.params)
    return serialize_item(member)
