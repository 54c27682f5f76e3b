"""RFC 9162 hashing and proofs: reference vectors and properties over random sizes."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tenohira.audit.merkle import (
    EMPTY_ROOT,
    ProofError,
    consistency_ranges,
    fold_right,
    inclusion_ranges,
    leaf_hash,
    node_hash,
    perfect_subtrees,
    reference_consistency_proof,
    reference_inclusion_path,
    root_from_leaf_hashes,
    verify_consistency,
    verify_inclusion,
)

# The Certificate Transparency reference leaves and roots for sizes 0..8 (RFC 6962 test data,
# identical hashing in RFC 9162).
LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                     "606162636465666768696a6b6c6d6e6f"]]  # fmt: skip
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]  # fmt: skip
CONSISTENCY = [
    (2, 8, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]  # fmt: skip

HASHES = [leaf_hash(x) for x in LEAVES]


def test_empty_root_and_prefixes() -> None:
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT == root_from_leaf_hashes([])
    assert leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert node_hash(b"a", b"b") == hashlib.sha256(b"\x01ab").digest()


@pytest.mark.parametrize("size", range(9))
def test_reference_roots(size: int) -> None:
    assert root_from_leaf_hashes(HASHES[:size]).hex() == ROOTS[size]
    if size:
        assert (
            fold_right([_subtree(HASHES, lv, ix) for lv, ix in perfect_subtrees(0, size)]).hex()
            == ROOTS[size]
        )


@pytest.mark.parametrize(("m", "n", "path"), INCLUSION)
def test_reference_inclusion(m: int, n: int, path: list[str]) -> None:
    assert [h.hex() for h in reference_inclusion_path(m, HASHES[:n])] == path
    assert [h.hex() for h in _ranges_proof(HASHES[:n], inclusion_ranges(m, n))] == path
    verify_inclusion(m, n, HASHES[m], [bytes.fromhex(p) for p in path], bytes.fromhex(ROOTS[n]))


@pytest.mark.parametrize(("m", "n", "path"), CONSISTENCY)
def test_reference_consistency(m: int, n: int, path: list[str]) -> None:
    assert [h.hex() for h in reference_consistency_proof(m, HASHES[:n])] == path
    assert [h.hex() for h in _ranges_proof(HASHES[:n], consistency_ranges(m, n))] == path
    verify_consistency(
        m, n, bytes.fromhex(ROOTS[m]), bytes.fromhex(ROOTS[n]), [bytes.fromhex(p) for p in path]
    )


def _subtree(hashes: list[bytes], level: int, index: int) -> bytes:
    return root_from_leaf_hashes(hashes[index << level : (index + 1) << level])


def _ranges_proof(hashes: list[bytes], ranges: list[tuple[int, int]]) -> list[bytes]:
    return [
        fold_right([_subtree(hashes, lv, ix) for lv, ix in perfect_subtrees(lo, hi)]) for lo, hi in ranges
    ]


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_inclusion_property(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 300))
    m = data.draw(st.integers(0, n - 1))
    hashes = _leaves(n)
    root = root_from_leaf_hashes(hashes)
    path = _ranges_proof(hashes, inclusion_ranges(m, n))
    assert path == reference_inclusion_path(m, hashes)
    verify_inclusion(m, n, hashes[m], path, root)
    # and nothing else verifies: another leaf, index, size, a flipped byte, a shortened path
    bad: list[tuple[int, int, bytes, list[bytes]]] = [(m, n, leaf_hash(b"x"), path)]
    if n > 1:
        bad.append(((m + 1) % n, n, hashes[m], path))
        bad.append((m, n, hashes[m], path[:-1]))
        flipped = bytearray(path[0])
        flipped[0] ^= 1
        bad.append((m, n, hashes[m], [bytes(flipped), *path[1:]]))
    # (A different tree size with the same proof shape can verify: sizes are bound by the STH.)
    bad.append((m, 2 * n + 1, hashes[m], path))
    bad.append((m, n, hashes[m], [*path, root]))
    for args in bad:
        with pytest.raises(ProofError):
            verify_inclusion(*args, root)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_consistency_property(data: st.DataObject) -> None:
    n = data.draw(st.integers(1, 300))
    m = data.draw(st.integers(1, n))
    hashes = _leaves(n)
    r1, r2 = root_from_leaf_hashes(hashes[:m]), root_from_leaf_hashes(hashes)
    proof = _ranges_proof(hashes, consistency_ranges(m, n))
    assert proof == reference_consistency_proof(m, hashes)
    verify_consistency(m, n, r1, r2, proof)
    if m < n:
        with pytest.raises(ProofError):
            verify_consistency(m, n, leaf_hash(b"x"), r2, proof)
        with pytest.raises(ProofError):
            verify_consistency(m, n, r1, leaf_hash(b"x"), proof)
        with pytest.raises(ProofError):
            verify_consistency(m, n, r1, r2, proof[:-1])
        with pytest.raises(ProofError):
            verify_consistency(m, 2 * n + 1, r1, r2, proof)


def test_out_of_range() -> None:
    with pytest.raises(ProofError):
        inclusion_ranges(3, 3)
    with pytest.raises(ProofError):
        consistency_ranges(4, 3)
    with pytest.raises(ProofError):
        verify_inclusion(0, 0, EMPTY_ROOT, [], EMPTY_ROOT)
    with pytest.raises(ProofError):
        verify_consistency(3, 2, EMPTY_ROOT, EMPTY_ROOT, [])


@settings(max_examples=300, deadline=None)
@given(
    type=st.text(min_size=1, max_size=20),
    actor=st.text(min_size=1, max_size=20),
    subject=st.none() | st.text(max_size=20),
    digest=st.none() | st.binary(min_size=32, max_size=32),
    attributes=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=5),
    time=st.datetimes(timezones=st.just(__import__("datetime").UTC)),
)
def test_fast_leaf_encoding_is_the_canonical_json(
    type: str, actor: str, subject: str | None, digest: bytes | None, attributes: dict[str, str], time: Any
) -> None:
    from tenohira.audit.leaf import encode_leaf, reference_encode_leaf

    kw = {
        "type": type,
        "actor": actor,
        "subject": subject,
        "digest": digest,
        "attributes": attributes,
        "time": time,
    }
    assert encode_leaf(**kw) == reference_encode_leaf(**kw)
