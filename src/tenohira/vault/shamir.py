"""Shamir's secret sharing over GF(2^8), byte by byte, with a built-in integrity check.

The field is the one of AES (FIPS-197 §4): polynomials over GF(2) modulo
x^8 + x^4 + x^3 + x + 1 (0x11B). Each byte of the payload is the constant term of its
own random polynomial of degree ``threshold - 1``; share *i* holds the value of every
polynomial at x = i (1..255). Any ``threshold`` shares give the polynomials back by
Lagrange interpolation at 0; fewer are consistent with every possible payload.

The payload is the secret followed by a 16-byte check (a hash of the secret). Because
the check is *inside* the shared payload, fewer than ``threshold`` shares still reveal
nothing at all (information-theoretically), and combining wrong, corrupted or mixed-up
shares fails loudly (:class:`ShareMismatch`) instead of returning garbage — the same
idea as SLIP-0039's digest share.

Python gives no constant-time guarantees; table look-ups depend on secret bytes. That is
acceptable here because splitting and combining happen a handful of times per process
(start-up, rotation, recovery), never on attacker-chosen input in a request path.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass

FIELD_POLYNOMIAL = 0x11B
CHECK_SIZE = 16
_CHECK_LABEL = b"tenohira-shamir-check/1"


def _xtime(a: int) -> int:
    a <<= 1
    return a ^ FIELD_POLYNOMIAL if a & 0x100 else a


def _tables() -> tuple[list[int], list[int]]:
    # 0x03 generates the multiplicative group of this field (0x02 does not).
    exp = [0] * 510
    log = [0] * 256
    value = 1
    for power in range(255):
        exp[power] = value
        log[value] = power
        value = _xtime(value) ^ value  # value * 0x03
    for power in range(255, 510):
        exp[power] = exp[power - 255]
    return exp, log


_EXP, _LOG = _tables()


def gf_add(a: int, b: int) -> int:
    """Addition (and subtraction) in GF(2^8): exclusive or."""
    return a ^ b


def gf_mul(a: int, b: int) -> int:
    """Multiplication in GF(2^8) modulo 0x11B."""
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def gf_inv(a: int) -> int:
    """Multiplicative inverse in GF(2^8); 0 has none."""
    if a == 0:
        raise ZeroDivisionError("0 has no inverse in GF(2^8)")
    return _EXP[255 - _LOG[a]]


def gf_div(a: int, b: int) -> int:
    """Division in GF(2^8)."""
    return gf_mul(a, gf_inv(b))


def evaluate(coefficients: Sequence[int], x: int) -> int:
    """The polynomial with ``coefficients`` (constant term first) at ``x`` (Horner's rule)."""
    result = 0
    for c in reversed(coefficients):
        result = gf_mul(result, x) ^ c
    return result


def interpolate(points: Sequence[tuple[int, int]], x: int = 0) -> int:
    """The value at ``x`` of the lowest-degree polynomial through ``points`` (Lagrange)."""
    total = 0
    for i, (xi, yi) in enumerate(points):
        basis = 1
        for j, (xj, _) in enumerate(points):
            if i != j:
                basis = gf_mul(basis, gf_div(x ^ xj, xi ^ xj))
        total ^= gf_mul(yi, basis)
    return total


class ShareError(ValueError):
    """Shares that cannot be combined (too few, inconsistent, malformed)."""


class ShareMismatch(ShareError):
    """The shares combine to something whose check fails: wrong, corrupted or mixed shares."""


@dataclass(frozen=True)
class Share:
    """One share: the x coordinate (1..255), the threshold, and one y byte per payload byte."""

    x: int
    threshold: int
    data: bytes


def _check(secret: bytes) -> bytes:
    return hashlib.sha256(_CHECK_LABEL + secret).digest()[:CHECK_SIZE]


def split(
    secret: bytes, threshold: int, count: int, *, random: Callable[[int], bytes] = os.urandom
) -> list[Share]:
    """Split ``secret`` into ``count`` shares of which any ``threshold`` recover it.

    ``random(n)`` supplies the polynomial coefficients (tests inject their own).
    """
    if not secret:
        raise ShareError("nothing to split")
    if not 2 <= threshold <= count <= 255:
        raise ShareError(f"need 2 <= threshold <= count <= 255, got {threshold} of {count}")
    payload = secret + _check(secret)
    # one polynomial per payload byte: constant term = the byte, the rest random
    randomness = random(len(payload) * (threshold - 1))
    if len(randomness) != len(payload) * (threshold - 1):
        raise ShareError("random source returned the wrong number of bytes")
    polys = [
        [byte, *randomness[i * (threshold - 1) : (i + 1) * (threshold - 1)]] for i, byte in enumerate(payload)
    ]
    return [
        Share(x=x, threshold=threshold, data=bytes(evaluate(p, x) for p in polys))
        for x in range(1, count + 1)
    ]


def _combine_payload(shares: Sequence[Share]) -> bytes:
    length = len(shares[0].data)
    return bytes(interpolate([(s.x, s.data[i]) for s in shares]) for i in range(length))


def _validate(shares: Sequence[Share]) -> None:
    if not shares:
        raise ShareError("no shares")
    threshold = shares[0].threshold
    if any(s.threshold != threshold for s in shares):
        raise ShareError("shares disagree on the threshold: they come from different splits")
    if len(shares) < threshold:
        raise ShareError(f"{len(shares)} share(s) given, {threshold} needed")
    if len({s.x for s in shares}) != len(shares):
        raise ShareError("two shares have the same x coordinate")
    if any(not 1 <= s.x <= 255 for s in shares):
        raise ShareError("x coordinate out of range 1..255")
    if len({len(s.data) for s in shares}) != 1 or len(shares[0].data) <= CHECK_SIZE:
        raise ShareError("shares have different or impossible lengths")


def combine(shares: Sequence[Share]) -> bytes:
    """The secret from at least ``threshold`` shares; :class:`ShareMismatch` if they do not agree."""
    _validate(shares)
    payload = _combine_payload(shares)
    secret, check = payload[:-CHECK_SIZE], payload[-CHECK_SIZE:]
    if not hmac.compare_digest(check, _check(secret)):
        raise ShareMismatch("the shares do not belong together (wrong, corrupted or from another split)")
    return secret


def combine_tolerant(shares: Sequence[Share]) -> tuple[bytes, list[int]]:
    """Combine, tolerating bad shares when more than ``threshold`` are given.

    Tries every subset of ``threshold`` shares; returns the secret and the x coordinates
    of the shares that disagree with it. Raises :class:`ShareMismatch` if no subset agrees.
    """
    _validate(shares)
    threshold = shares[0].threshold
    for subset in itertools.combinations(shares, threshold):
        try:
            secret = combine(subset)
        except ShareMismatch:
            continue
        # a share is good when it lies on the polynomials the agreeing subset defines
        length = len(subset[0].data)
        bad = [
            s.x
            for s in shares
            if any(interpolate([(t.x, t.data[i]) for t in subset], s.x) != s.data[i] for i in range(length))
        ]
        return secret, bad
    raise ShareMismatch("no set of shares agrees: too many are wrong or corrupted")
