"""Shamir over GF(2^8): published field vectors, recovery, secrecy of k-1 shares, detection of bad shares."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenohira.vault import shamir
from tenohira.vault.shamir import Share, ShareError, ShareMismatch, combine, combine_tolerant, split

# -- the field: FIPS-197 (AES) §4 and HashiCorp Vault's shamir_test.go -----------------------


def test_fips197_addition_and_multiplication() -> None:
    assert shamir.gf_add(0x57, 0x83) == 0xD4  # §4.1
    assert shamir.gf_mul(0x57, 0x83) == 0xC1  # §4.2
    assert shamir.gf_mul(0x57, 0x13) == 0xFE  # §4.2.1
    # §4.2.1: repeated xtime
    assert [shamir.gf_mul(0x57, b) for b in (0x02, 0x04, 0x08, 0x10)] == [0xAE, 0x47, 0x8E, 0x07]


def _sbox(a: int) -> int:
    """The AES S-box from our inverse and the affine map of FIPS-197 §5.1.1."""
    b = shamir.gf_inv(a) if a else 0
    out = 0
    for i in range(8):
        bit = (
            (b >> i)
            ^ (b >> ((i + 4) % 8))
            ^ (b >> ((i + 5) % 8))
            ^ (b >> ((i + 6) % 8))
            ^ (b >> ((i + 7) % 8))
        )
        out |= ((bit ^ (0x63 >> i)) & 1) << i
    return out


def test_fips197_sbox_built_from_our_inverse() -> None:
    # first row of the S-box (FIPS-197 Figure 7) and the worked example S({53}) = {ed}
    assert [_sbox(a) for a in range(16)] == [
        0x63, 0x7C, 0x77, 0x7B, 0xF2, 0x6B, 0x6F, 0xC5, 0x30, 0x01, 0x67, 0x2B, 0xFE, 0xD7, 0xAB, 0x76,
    ]  # fmt: skip
    assert _sbox(0x53) == 0xED
    assert _sbox(0xFF) == 0x16
    assert sorted(_sbox(a) for a in range(256)) == list(range(256))  # a permutation


def test_hashicorp_vault_field_vectors() -> None:
    assert shamir.gf_add(16, 16) == 0
    assert shamir.gf_add(3, 4) == 7
    assert shamir.gf_mul(3, 7) == 9
    assert shamir.gf_mul(3, 0) == 0
    assert shamir.gf_mul(0, 3) == 0
    assert shamir.gf_div(0, 7) == 0
    assert shamir.gf_div(3, 3) == 1
    assert shamir.gf_div(6, 3) == 2


def test_field_axioms_exhaustively() -> None:
    for a in range(1, 256):
        assert shamir.gf_mul(a, shamir.gf_inv(a)) == 1
    rng = random.Random(1)
    for _ in range(2000):
        a, b, c = rng.randrange(256), rng.randrange(256), rng.randrange(256)
        assert shamir.gf_mul(a, b ^ c) == shamir.gf_mul(a, b) ^ shamir.gf_mul(a, c)
        assert shamir.gf_mul(a, shamir.gf_mul(b, c)) == shamir.gf_mul(shamir.gf_mul(a, b), c)
    with pytest.raises(ZeroDivisionError):
        shamir.gf_inv(0)


def test_interpolation_recovers_every_constant_term() -> None:
    # HashiCorp's TestInterpolate_Rand, over every byte value
    rng = random.Random(2)
    for value in range(256):
        poly = [value, rng.randrange(256), rng.randrange(256)]
        points = [(x, shamir.evaluate(poly, x)) for x in (1, 2, 3)]
        assert shamir.interpolate(points, 0) == value


# -- split / combine ------------------------------------------------------------------------

secrets_st = st.binary(min_size=1, max_size=48)
shape_st = st.integers(2, 6).flatmap(lambda k: st.tuples(st.just(k), st.integers(k, 8)))


@settings(max_examples=60, deadline=None)
@given(secret=secrets_st, shape=shape_st, data=st.data())
def test_any_k_shares_recover(secret: bytes, shape: tuple[int, int], data: st.DataObject) -> None:
    k, n = shape
    shares = split(secret, k, n)
    chosen = data.draw(st.permutations(shares).map(lambda p: p[: data.draw(st.integers(k, n))]))
    assert combine(chosen) == secret


@settings(max_examples=60, deadline=None)
@given(secret=secrets_st, other=secrets_st, shape=shape_st, data=st.data())
def test_k_minus_1_shares_are_consistent_with_every_secret(
    secret: bytes, other: bytes, shape: tuple[int, int], data: st.DataObject
) -> None:
    """For k-1 real shares and ANY candidate secret of the same length, a k-th share exists that
    completes them to a valid sharing of the candidate (check included): they cannot tell secrets apart."""
    k, n = shape
    other = (other * len(secret))[: len(secret)]
    shares = split(secret, k, n)
    seen = data.draw(st.permutations(shares))[: k - 1]
    with pytest.raises(ShareError):
        combine(seen)
    x_new = next(x for x in range(1, 256) if x not in {s.x for s in seen})
    payload = other + shamir._check(other)
    forged = Share(
        x=x_new,
        threshold=k,
        data=bytes(
            shamir.interpolate([(0, payload[i]), *((s.x, s.data[i]) for s in seen)], x_new)
            for i in range(len(payload))
        ),
    )
    assert combine([*seen, forged]) == other


def test_one_share_of_two_is_uniform_over_every_secret_byte() -> None:
    """Exhaustively (k = 2): for each observed share byte, every secret byte has exactly one polynomial."""
    for x in (1, 2, 3, 200):
        for y in (0, 1, 0x5A, 0xFF):
            counts = [0] * 256
            for s in range(256):
                for a1 in range(256):
                    if shamir.evaluate([s, a1], x) == y:
                        counts[s] += 1
            assert counts == [1] * 256


def test_two_shares_of_three_are_uniform_over_every_secret_byte() -> None:
    """Exhaustively (k = 3, 16.7 million polynomials): two shares leave all 256 secrets equally likely."""
    mul = np.array([[shamir.gf_mul(a, b) for b in range(256)] for a in range(256)], dtype=np.uint8)
    a1, a2 = np.meshgrid(np.arange(256), np.arange(256), indexing="ij")
    x1, x2 = 1, 3
    y1, y2 = 0x42, 0xC7  # any observed pair
    counts = []
    for s in range(256):
        v1 = s ^ mul[a1, x1] ^ mul[a2, mul[x1, x1]]
        v2 = s ^ mul[a1, x2] ^ mul[a2, mul[x2, x2]]
        counts.append(int(np.count_nonzero((v1 == y1) & (v2 == y2))))
    assert counts == [1] * 256


@settings(max_examples=60, deadline=None)
@given(secret=secrets_st, shape=shape_st, data=st.data())
def test_corrupted_share_is_detected(secret: bytes, shape: tuple[int, int], data: st.DataObject) -> None:
    k, n = shape
    shares = split(secret, k, n)[:k]
    victim = data.draw(st.integers(0, k - 1))
    pos = data.draw(st.integers(0, len(shares[victim].data) - 1))
    flip = data.draw(st.integers(1, 255))
    bad = bytearray(shares[victim].data)
    bad[pos] ^= flip
    shares[victim] = Share(shares[victim].x, k, bytes(bad))
    with pytest.raises(ShareMismatch):
        combine(shares)


def test_shares_of_different_splits_are_detected() -> None:
    a = split(b"k" * 32, 2, 3)
    b = split(b"k" * 32, 2, 3)  # same secret, other polynomials
    c = split(b"z" * 32, 2, 3)
    with pytest.raises(ShareMismatch):
        combine([a[0], c[1]])
    with pytest.raises(ShareMismatch):
        combine([a[0], b[1]])


def test_tolerant_combine_names_the_bad_share() -> None:
    secret = bytes(range(32))
    shares = split(secret, 2, 4)
    broken = Share(shares[2].x, 2, bytes(b ^ 1 for b in shares[2].data))
    got, bad = combine_tolerant([shares[0], shares[1], broken, shares[3]])
    assert got == secret and bad == [broken.x]
    with pytest.raises(ShareMismatch):
        combine_tolerant([broken, Share(shares[3].x, 2, bytes(b ^ 2 for b in shares[3].data))])


def test_invalid_arguments() -> None:
    with pytest.raises(ShareError):
        split(b"", 2, 3)
    with pytest.raises(ShareError):
        split(b"x", 1, 3)
    with pytest.raises(ShareError):
        split(b"x", 4, 3)
    with pytest.raises(ShareError):
        split(b"x", 2, 256)
    shares = split(b"secret", 2, 3)
    with pytest.raises(ShareError):
        combine([shares[0], shares[0]])
    with pytest.raises(ShareError):
        combine([])


def test_split_uses_the_given_randomness_and_known_answer() -> None:
    """A known answer: secret byte 0x2A with coefficient bytes 0x07, evaluated by hand in GF(2^8)."""
    secret = b"\x2a"
    payload_len = 1 + shamir.CHECK_SIZE
    shares = split(secret, 2, 3, random=lambda n: bytes([7] * n))
    assert len(shares[0].data) == payload_len
    # f(x) = 0x2A + 0x07·x: f(1) = 0x2D, f(2) = 0x2A ^ 0x0E = 0x24, f(3) = 0x2A ^ 0x09 = 0x23
    assert [s.data[0] for s in shares] == [0x2D, 0x24, 0x23]
    assert combine(shares[1:]) == secret
