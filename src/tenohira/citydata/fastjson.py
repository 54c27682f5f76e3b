"""JSON in and out of the query path: orjson where it is exact, the standard library otherwise.

orjson parses and writes several times faster than ``json``, but it reads integers beyond
64 bits as floats and refuses to write them. Stored entities may hold such integers (they
came in through ``json.loads``), so text with a run of 19 or more digits is parsed by the
standard library, and an object orjson cannot write is written by it too.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_LONG_DIGITS = re.compile(r"\d{19}")


def loads(text: str | bytes) -> Any:
    """Parse JSON text; integers of any size stay exact."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    if _LONG_DIGITS.search(text):
        return json.loads(text)
    return orjson.loads(text)


def dumps(obj: Any) -> bytes:
    """Compact UTF-8 JSON (non-ASCII characters as they are)."""
    try:
        return orjson.dumps(obj)
    except TypeError:
        return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
