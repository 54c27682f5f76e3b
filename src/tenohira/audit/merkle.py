"""RFC 9162 Merkle tree hashing, proofs and their verification (pure functions, no storage).

Hashing (RFC 9162 §2.1.1): a leaf is ``SHA-256(0x00 || leaf)``, an interior node is
``SHA-256(0x01 || left || right)``; a tree of ``n`` leaves splits at the largest power of
two smaller than ``n``. The verification functions follow §2.1.3.2 (inclusion) and
§2.1.4.2 (consistency) step by step, so a client can check the log with this file alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof does not verify (or its arguments are out of range)."""


def leaf_hash(leaf: bytes) -> bytes:
    """``SHA-256(0x00 || leaf)``."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``SHA-256(0x01 || left || right)``."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def largest_power_of_two_below(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


# ----- reference definitions over a full list of leaf hashes (used by tests and small trees) -----


def root_from_leaf_hashes(hashes: Sequence[bytes]) -> bytes:
    """MTH(D[n]) given the leaf hashes, by the recursive definition."""
    n = len(hashes)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return hashes[0]
    k = largest_power_of_two_below(n)
    return node_hash(root_from_leaf_hashes(hashes[:k]), root_from_leaf_hashes(hashes[k:]))


def reference_inclusion_path(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]) by the recursive definition (RFC 9162 §2.1.3.1)."""
    n = len(hashes)
    if n <= 1:
        return []
    k = largest_power_of_two_below(n)
    if m < k:
        return [*reference_inclusion_path(m, hashes[:k]), root_from_leaf_hashes(hashes[k:])]
    return [*reference_inclusion_path(m - k, hashes[k:]), root_from_leaf_hashes(hashes[:k])]


def reference_consistency_proof(m: int, hashes: Sequence[bytes]) -> list[bytes]:
    """PROOF(m, D[n]) by the recursive definition (RFC 9162 §2.1.4.1)."""

    def subproof(m: int, d: Sequence[bytes], b: bool) -> list[bytes]:
        n = len(d)
        if m == n:
            return [] if b else [root_from_leaf_hashes(d)]
        k = largest_power_of_two_below(n)
        if m <= k:
            return [*subproof(m, d[:k], b), root_from_leaf_hashes(d[k:])]
        return [*subproof(m - k, d[k:], False), root_from_leaf_hashes(d[:k])]

    if m == 0 or m == len(hashes):
        return []
    return subproof(m, hashes, True)


# ----- the same proofs as lists of ranges, so that storage can answer them with stored subtrees -----

Range = tuple[int, int]


def inclusion_ranges(m: int, n: int) -> list[Range]:
    """The leaf ranges ``[lo, hi)`` whose MTHs form PATH(m, D[n]), in proof order."""
    if not 0 <= m < n:
        raise ProofError(f"leaf index {m} is not in a tree of size {n}")
    out: list[Range] = []
    lo, hi = 0, n
    while hi - lo > 1:
        k = largest_power_of_two_below(hi - lo)
        if m - lo < k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            lo = lo + k
    out.reverse()
    return out


def consistency_ranges(m: int, n: int) -> list[Range]:
    """The leaf ranges whose MTHs form PROOF(m, D[n]), in proof order."""
    if not 0 <= m <= n:
        raise ProofError(f"tree size {m} is not within 0..{n}")
    if m == 0 or m == n:
        return []
    out: list[Range] = []
    lo, hi, b = 0, n, True
    while True:
        size = hi - lo
        if m == size:
            if not b:
                out.append((lo, hi))
            break
        k = largest_power_of_two_below(size)
        if m <= k:
            out.append((lo + k, hi))
            hi = lo + k
        else:
            out.append((lo, lo + k))
            m -= k
            lo = lo + k
            b = False
    out.reverse()
    return out


def perfect_subtrees(lo: int, hi: int) -> list[tuple[int, int]]:
    """Split ``[lo, hi)`` into complete subtrees ``(level, index)``, left to right.

    Every range that appears in a proof starts at a multiple of a power of two at least as large
    as its own size, so this greedy split gives the subtrees whose right fold is its MTH.
    """
    out: list[tuple[int, int]] = []
    while lo < hi:
        level = (hi - lo).bit_length() - 1
        while lo % (1 << level):
            level -= 1
        out.append((level, lo >> level))
        lo += 1 << level
    return out


def fold_right(hashes: Sequence[bytes]) -> bytes:
    """MTH of consecutive complete subtrees (largest first): ``H(a, H(b, H(c, d)))``."""
    acc = hashes[-1]
    for h in reversed(hashes[:-1]):
        acc = node_hash(h, acc)
    return acc


def range_hash(lo: int, hi: int, get: Callable[[int, int], bytes]) -> bytes:
    """MTH(D[lo:hi]) from complete-subtree hashes ``get(level, index)``."""
    return fold_right([get(level, index) for level, index in perfect_subtrees(lo, hi)])


def frontier(n: int) -> list[tuple[int, int]]:
    """The complete subtrees ``(level, index)`` that make up a tree of size ``n``, largest first."""
    return perfect_subtrees(0, n)


# ----- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) -----


def verify_inclusion(
    leaf_index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> None:
    """Check that ``leaf`` (a leaf *hash*) is at ``leaf_index`` of the tree with ``root``.

    Raises :class:`ProofError` if not.
    """
    if not 0 <= leaf_index < tree_size:
        raise ProofError(f"leaf index {leaf_index} is not in a tree of size {tree_size}")
    fn, sn = leaf_index, tree_size - 1
    r = leaf
    for p in path:
        if sn == 0:
            raise ProofError("inclusion proof is too long")
        if fn % 2 == 1 or fn == sn:
            r = node_hash(p, r)
            if fn % 2 == 0:
                while fn % 2 == 0 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("inclusion proof is too short")
    if r != root:
        raise ProofError("inclusion proof does not lead to the root")


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of size ``second`` extends the tree of size ``first``.

    Raises :class:`ProofError` if not.
    """
    if not 0 <= first <= second:
        raise ProofError(f"tree size {first} is larger than {second}")
    if first == second:
        if proof:
            raise ProofError("consistency proof between equal sizes must be empty")
        if first_root != second_root:
            raise ProofError("roots of equal sizes differ")
        return
    if first == 0:
        if proof:
            raise ProofError("consistency proof from the empty tree must be empty")
        return
    path = list(proof)
    if not path:
        raise ProofError("consistency proof is empty")
    # 1. If first is an exact power of 2, prepend first_root to the path.
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    # 3. Right-shift both while LSB(fn) is set.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            raise ProofError("consistency proof is too long")
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("consistency proof is too short")
    if fr != first_root:
        raise ProofError("consistency proof does not lead to the first root")
    if sr != second_root:
        raise ProofError("consistency proof does not lead to the second root")
