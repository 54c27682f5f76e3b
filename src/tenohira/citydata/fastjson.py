"""JSON in and out of the query path: orjson where it is exact, the standard library otherwise.

orjson parses and writes several times faster than ``json``, but it reads integers beyond
64 bits as floats and refuses to write them. Stored entities may hold such integers (they
came in through ``json.loads``), so text with a run of 19 or more digits is parsed by the
standard library, and an object orjson cannot write is written by it too.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

# Digits to "0": a run of 19 zeros then marks a long number (bytes.translate is far faster
# than a regular expression search here).
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_RUN = b"0" * 19


def loads(text: str | bytes) -> Any:
    """Parse JSON text; integers of any size stay exact."""
    raw = text.encode("utf-8") if isinstance(text, str) else text
    if _LONG_RUN in raw.translate(_DIGITS):
        return json.loads(raw)
    return orjson.loads(raw)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII characters as they are)."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
