"""Selective Disclosure for JWTs (SD-JWT, RFC 9901) with key binding, ES256 only.

Issuance (:func:`issue`), presentation by the holder (:func:`present`) and verification
(:func:`verify`). Written against the RFC rather than a library because the reference
implementations have known gaps that matter for a birth certificate; the verifier here:

- checks the issuer's signature with a key from the trust list, and only ES256
  (no ``none``, no algorithm from the token chosen against another key type);
- rejects expired (``exp``) and not-yet-valid (``nbf``, ``iat`` in the future) credentials;
- rejects a disclosure that no digest in the payload references (RFC 9901 §7.1 step 3.5),
  and a disclosure or digest that appears twice (§7.1 step 3.4/4);
- requires a Key Binding JWT when the credential is holder-bound (``cnf``), and checks its
  signature with the ``cnf`` key, ``typ`` ``kb+jwt``, ``aud``, ``nonce``, ``iat`` freshness
  and ``sd_hash`` over the presented issuer JWT and disclosures (§7.3).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from tenohira.core.problems import Problem

SD_JWT_TYP = "dc+sd-jwt"
KB_JWT_TYP = "kb+jwt"
ALG = "ES256"
SD_ALG = "sha-256"
_ECDSA = ec.ECDSA(hashes.SHA256())
_B64URL = re.compile(r"[A-Za-z0-9_-]+")


class CredentialRejected(Problem):
    """A presented credential failed verification; ``reason`` says which check (HTTP 422)."""

    def __init__(self, reason: str, message: str, message_ja: str) -> None:
        super().__init__(
            status=422,
            slug="credential-rejected",
            title="The credential was rejected",
            title_ja="証明書を受け付けられません",
            detail=message,
            detail_ja=message_ja,
            extra={"reason": reason},
        )
        self.reason = reason


# --- encoding -----------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    """base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url without padding; raise ValueError on anything else."""
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _json_b64(obj: Any) -> str:
    return b64url(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def _sha256_b64(text: str) -> str:
    return b64url(hashlib.sha256(text.encode("ascii")).digest())


# --- keys ---------------------------------------------------------------------------------


def generate_key() -> ec.EllipticCurvePrivateKey:
    """A new P-256 key for ES256."""
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(key: ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey) -> dict[str, str]:
    """The public JWK (RFC 7517) of a P-256 key."""
    pub = key.public_key() if isinstance(key, ec.EllipticCurvePrivateKey) else key
    if not isinstance(pub.curve, ec.SECP256R1):
        raise ValueError("only P-256 keys are supported")
    numbers = pub.public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def jwk_thumbprint(jwk: Mapping[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256) of an EC public JWK: a stable key id."""
    canonical = json.dumps(
        {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"], "y": jwk["y"]}, separators=(",", ":")
    )
    return b64url(hashlib.sha256(canonical.encode()).digest())


def key_from_jwk(jwk: Mapping[str, Any]) -> ec.EllipticCurvePublicKey:
    """A P-256 public key from its JWK; ValueError if it is anything else."""
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or "d" in jwk:
        raise ValueError("expected a public P-256 EC JWK")
    x = b64url_decode(str(jwk["x"]))
    y = b64url_decode(str(jwk["y"]))
    if len(x) != 32 or len(y) != 32:
        raise ValueError("bad coordinate length")
    return ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), ec.SECP256R1()
    ).public_key()


# --- compact JWS (ES256) ------------------------------------------------------------------


def sign_jwt(header: dict[str, Any], payload: dict[str, Any], key: ec.EllipticCurvePrivateKey) -> str:
    """A compact JWS with ES256 (raw r||s signature, RFC 7518 §3.4)."""
    signing_input = _json_b64({**header, "alg": ALG}) + "." + _json_b64(payload)
    r, s = decode_dss_signature(key.sign(signing_input.encode("ascii"), _ECDSA))
    return signing_input + "." + b64url(r.to_bytes(32, "big") + s.to_bytes(32, "big"))


@dataclass(frozen=True)
class Jws:
    """A parsed (not yet verified) compact JWS."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes


def parse_jwt(token: str, what: str = "JWT") -> Jws:
    """Split and decode a compact JWS; CredentialRejected('malformed') if it is not one."""
    parts = token.split(".")
    if len(parts) != 3:
        raise CredentialRejected(
            "malformed", f"The {what} is not a compact JWS", f"{what}の形式が正しくありません"
        )
    try:
        header = json.loads(b64url_decode(parts[0]))
        payload = json.loads(b64url_decode(parts[1]))
        signature = b64url_decode(parts[2])
    except (ValueError, UnicodeDecodeError) as exc:
        raise CredentialRejected(
            "malformed", f"The {what} cannot be decoded", f"{what}を読み取れません"
        ) from exc
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise CredentialRejected(
            "malformed", f"The {what} is not a JSON object", f"{what}の形式が正しくありません"
        )
    return Jws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def verify_jws(jws: Jws, key: ec.EllipticCurvePublicKey) -> bool:
    """Whether the ES256 signature is valid for ``key`` (only ES256 is accepted)."""
    if jws.header.get("alg") != ALG or len(jws.signature) != 64:
        return False
    r = int.from_bytes(jws.signature[:32], "big")
    s = int.from_bytes(jws.signature[32:], "big")
    try:
        key.verify(encode_dss_signature(r, s), jws.signing_input, _ECDSA)
    except InvalidSignature:
        return False
    return True


# --- issuance -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Disclosure:
    """One disclosure: ``[salt, name, value]`` (object property) encoded as base64url JSON."""

    encoded: str
    salt: str
    name: str
    value: Any

    @property
    def digest(self) -> str:
        return _sha256_b64(self.encoded)

    @classmethod
    def create(cls, name: str, value: Any, salt: str | None = None) -> Disclosure:
        salt = salt or b64url(secrets.token_bytes(16))
        return cls(_json_b64([salt, name, value]), salt, name, value)


@dataclass(frozen=True)
class IssuedSdJwt:
    """What an issuer hands the holder: the issuer JWT and every disclosure."""

    jwt: str
    disclosures: tuple[Disclosure, ...]

    def serialize(self) -> str:
        """``<JWT>~<D1>~...~<Dn>~`` (SD-JWT without key binding)."""
        return "~".join([self.jwt, *(d.encoded for d in self.disclosures)]) + "~"


def issue(
    *,
    issuer: str,
    key: ec.EllipticCurvePrivateKey,
    vct: str,
    claims: Mapping[str, Any],
    selectively_disclosable: Iterable[str],
    holder_jwk: Mapping[str, Any] | None,
    lifetime: timedelta,
    now: datetime | None = None,
    decoys: int = 2,
    kid: str | None = None,
) -> IssuedSdJwt:
    """Issue an SD-JWT VC: ``claims`` named in ``selectively_disclosable`` become disclosures.

    ``holder_jwk`` binds the credential to the holder's key (``cnf.jwk``). Decoy digests hide
    how many claims there are (RFC 9901 §4.2.5).
    """
    now = now or datetime.now(UTC)
    sd_names = set(selectively_disclosable)
    for reserved in ("_sd", "...", "_sd_alg", "cnf", "iss", "iat", "exp", "vct"):
        if reserved in claims:
            raise ValueError(f"claim name {reserved!r} is reserved")
    disclosures = tuple(Disclosure.create(n, claims[n]) for n in claims if n in sd_names)
    digests = [d.digest for d in disclosures] + [
        _sha256_b64(b64url(secrets.token_bytes(16))) for _ in range(decoys)
    ]
    payload: dict[str, Any] = {
        "iss": issuer,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
        "vct": vct,
        "_sd_alg": SD_ALG,
        "_sd": sorted(digests),  # sorted, so the order does not betray which claim is which
    }
    payload.update({n: v for n, v in claims.items() if n not in sd_names})
    if holder_jwk is not None:
        key_from_jwk(holder_jwk)  # reject malformed holder keys at issuance
        payload["cnf"] = {"jwk": dict(holder_jwk)}
    header: dict[str, Any] = {"typ": SD_JWT_TYP, "kid": kid or jwk_thumbprint(public_jwk(key))}
    return IssuedSdJwt(sign_jwt(header, payload, key), disclosures)


# --- presentation -------------------------------------------------------------------------


def split(serialized: str) -> tuple[str, list[str], str | None]:
    """``<JWT>~<D>~...~[<KB-JWT>]`` → (issuer JWT, disclosures, key binding JWT or None)."""
    if "~" not in serialized:
        raise CredentialRejected("malformed", "Not an SD-JWT (no '~')", "SD-JWT の形式ではありません")
    parts = serialized.split("~")
    jwt, middle, last = parts[0], parts[1:-1], parts[-1]
    if any(not d for d in middle):
        raise CredentialRejected("malformed", "Empty disclosure in the SD-JWT", "SD-JWT に空の開示があります")
    return jwt, middle, (last or None)


def sd_hash_of(issuer_jwt: str, disclosures: Iterable[str]) -> str:
    """``sd_hash``: the digest of ``<JWT>~<D1>~...~<Dn>~`` as presented (RFC 9901 §4.3.1)."""
    return _sha256_b64("~".join([issuer_jwt, *disclosures]) + "~")


def present(
    serialized: str,
    *,
    holder_key: ec.EllipticCurvePrivateKey | None,
    audience: str,
    nonce: str,
    disclose: Iterable[str] | None = None,
    now: datetime | None = None,
) -> str:
    """The holder's presentation: the chosen disclosures (all if None) and a Key Binding JWT."""
    jwt, encoded, _ = split(serialized)
    wanted = None if disclose is None else set(disclose)
    chosen = []
    for enc in encoded:
        try:
            name = json.loads(b64url_decode(enc))[1]
        except (ValueError, IndexError, TypeError):
            continue
        if wanted is None or name in wanted:
            chosen.append(enc)
    body = "~".join([jwt, *chosen]) + "~"
    if holder_key is None:
        return body
    now = now or datetime.now(UTC)
    kb = sign_jwt(
        {"typ": KB_JWT_TYP},
        {"iat": int(now.timestamp()), "aud": audience, "nonce": nonce, "sd_hash": sd_hash_of(jwt, chosen)},
        holder_key,
    )
    return body + kb


# --- verification -------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifiedCredential:
    """A credential that passed every check: its issuer, type and the disclosed claims."""

    issuer: str
    vct: str
    claims: dict[str, Any]  # issuer-signed plain claims + disclosed ones, without SD machinery
    disclosed: tuple[str, ...]  # names of the disclosed claims
    holder_jwk: dict[str, Any] | None
    issued_at: datetime
    expires_at: datetime | None
    digest: str  # SHA-256 (hex) of the issuer JWT: identifies the credential, not the presentation
    key_bound: bool = False
    header: dict[str, Any] = field(default_factory=dict)


IssuerKeys = Mapping[str, list[ec.EllipticCurvePublicKey]]
"""Trusted issuer identifier → its current public keys."""


def _reject(reason: str, en: str, ja: str) -> CredentialRejected:
    return CredentialRejected(reason, en, ja)


def _time(payload: Mapping[str, Any], name: str) -> datetime | None:
    value = payload.get(name)
    if value is None:
        return None
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _reject("malformed", f"'{name}' is not a NumericDate", f"{name} の形式が正しくありません")
    return datetime.fromtimestamp(value, UTC)


def _resolve(
    obj: Any, by_digest: dict[str, tuple[str, Any, str]], used: set[str], seen_digests: set[str]
) -> Any:
    """Replace ``_sd`` digests by their disclosed claims, recursively (RFC 9901 §7.1 step 3)."""
    if isinstance(obj, list):
        out_list = []
        for item in obj:
            if isinstance(item, dict) and set(item) == {"..."}:
                digest = item["..."]
                if digest in seen_digests:
                    raise _reject(
                        "duplicate-digest", "A digest appears twice", "同じダイジェストが重複しています"
                    )
                seen_digests.add(digest)
                if digest in by_digest:
                    kind, value, _ = by_digest[digest]
                    if kind != "array":
                        raise _reject(
                            "malformed", "Object disclosure used as array element", "開示の種類が不正です"
                        )
                    used.add(digest)
                    out_list.append(_resolve(value, by_digest, used, seen_digests))
                # an undisclosed (or decoy) array element is simply left out
                continue
            out_list.append(_resolve(item, by_digest, used, seen_digests))
        return out_list
    if not isinstance(obj, dict):
        return obj
    out: dict[str, Any] = {}
    for key, value in obj.items():
        if key in ("_sd", "_sd_alg"):
            continue
        out[key] = _resolve(value, by_digest, used, seen_digests)
    sd = obj.get("_sd", [])
    if not isinstance(sd, list) or not all(isinstance(d, str) for d in sd):
        raise _reject("malformed", "'_sd' must be an array of strings", "_sd の形式が正しくありません")
    for digest in sd:
        if digest in seen_digests:
            raise _reject("duplicate-digest", "A digest appears twice", "同じダイジェストが重複しています")
        seen_digests.add(digest)
        if digest not in by_digest:
            continue  # decoy, or a claim the holder chose not to disclose
        kind, value, name = by_digest[digest]
        if kind != "object":
            raise _reject("malformed", "Array disclosure used as a property", "開示の種類が不正です")
        if name in out:
            raise _reject(
                "malformed", f"Disclosed claim '{name}' already exists", f"開示項目 {name} が重複しています"
            )
        used.add(digest)
        out[name] = _resolve(value, by_digest, used, seen_digests)
    return out


def verify(
    presentation: str,
    *,
    issuers: IssuerKeys,
    audience: str,
    nonce: str,
    expected_vct: str | None = None,
    now: datetime | None = None,
    max_kb_age: timedelta = timedelta(minutes=5),
    clock_skew: timedelta = timedelta(seconds=60),
    require_key_binding: bool = True,
) -> VerifiedCredential:
    """Verify a presented SD-JWT; raise :class:`CredentialRejected` with the failed check.

    ``issuers`` is the trust list (only these issuers and keys are accepted). A holder-bound
    credential (``cnf``) always needs a valid Key Binding JWT for ``audience`` and ``nonce``;
    with ``require_key_binding`` an unbound credential is refused too.
    """
    now = now or datetime.now(UTC)
    issuer_jwt, encoded, kb_jwt = split(presentation)
    jws = parse_jwt(issuer_jwt, "issuer JWT")
    header, payload = jws.header, jws.payload
    if header.get("alg") != ALG:
        raise _reject(
            "unsupported-algorithm",
            f"Algorithm {header.get('alg')!r} is not accepted (ES256 only)",
            "署名アルゴリズムが受け付けられません（ES256 のみ）",
        )
    if header.get("typ") not in (SD_JWT_TYP, "vc+sd-jwt"):
        raise _reject(
            "wrong-type", "The issuer JWT is not of type dc+sd-jwt", "証明書の種類が正しくありません"
        )
    issuer = payload.get("iss")
    keys = issuers.get(issuer) if isinstance(issuer, str) else None
    if not keys:
        raise _reject(
            "unknown-issuer",
            "The issuer is not in the trust list (not a registered hospital)",
            "発行者が登録された医療機関ではありません",
        )
    if not any(verify_jws(jws, k) for k in keys):
        raise _reject("bad-signature", "The issuer's signature is invalid", "発行者の署名が正しくありません")
    if payload.get("_sd_alg", SD_ALG) != SD_ALG:
        raise _reject(
            "unsupported-algorithm",
            "Only sha-256 disclosure digests are accepted",
            "ダイジェスト方式が不正です",
        )
    vct = payload.get("vct")
    if expected_vct is not None and vct != expected_vct:
        raise _reject(
            "wrong-type", f"Expected a credential of type {expected_vct}", "証明書の種類が正しくありません"
        )
    issued_at = _time(payload, "iat")
    expires_at = _time(payload, "exp")
    not_before = _time(payload, "nbf")
    if issued_at is None:
        raise _reject("malformed", "The credential has no 'iat'", "発行日時がありません")
    if expires_at is None:
        raise _reject("malformed", "The credential has no 'exp'", "有効期限がありません")
    if expires_at <= now - clock_skew:
        raise _reject("expired", "The credential has expired", "証明書の有効期限が切れています")
    if issued_at > now + clock_skew or (not_before is not None and not_before > now + clock_skew):
        raise _reject("not-yet-valid", "The credential is not valid yet", "証明書はまだ有効ではありません")

    # Disclosures: decode, refuse duplicates, then resolve against the digests.
    by_digest: dict[str, tuple[str, Any, str]] = {}
    for enc in encoded:
        digest = _sha256_b64(enc)
        if digest in by_digest:
            raise _reject(
                "duplicate-disclosure", "A disclosure is presented twice", "同じ開示が重複しています"
            )
        try:
            arr = json.loads(b64url_decode(enc))
        except (ValueError, UnicodeDecodeError) as exc:
            raise _reject("malformed", "A disclosure cannot be decoded", "開示を読み取れません") from exc
        if isinstance(arr, list) and len(arr) == 3 and isinstance(arr[0], str) and isinstance(arr[1], str):
            if arr[1] in ("_sd", "..."):
                raise _reject(
                    "malformed", "A disclosure uses a reserved claim name", "開示の項目名が不正です"
                )
            by_digest[digest] = ("object", arr[2], arr[1])
        elif isinstance(arr, list) and len(arr) == 2 and isinstance(arr[0], str):
            by_digest[digest] = ("array", arr[1], "")
        else:
            raise _reject(
                "malformed", "A disclosure is not [salt, name, value]", "開示の形式が正しくありません"
            )
    used: set[str] = set()
    body = {k: v for k, v in payload.items() if k not in ("cnf",)}
    claims = _resolve(body, by_digest, used, set())
    unreferenced = set(by_digest) - used
    if unreferenced:
        raise _reject(
            "unreferenced-disclosure",
            "A disclosure is not referenced by any digest of the credential",
            "証明書のどのダイジェストにも対応しない開示があります",
        )

    # Key binding.
    cnf = payload.get("cnf")
    holder_jwk: dict[str, Any] | None = None
    if cnf is not None:
        if not isinstance(cnf, dict) or not isinstance(cnf.get("jwk"), dict):
            raise _reject("malformed", "'cnf' must carry a 'jwk'", "cnf の形式が正しくありません")
        holder_jwk = dict(cnf["jwk"])
    if kb_jwt is None:
        if holder_jwk is not None or require_key_binding:
            raise _reject(
                "key-binding-missing",
                "The credential is bound to a holder key but no Key Binding JWT was presented",
                "保有者の鍵による提示の証明（Key Binding JWT）がありません",
            )
    else:
        if holder_jwk is None:
            raise _reject(
                "key-binding-invalid", "A Key Binding JWT for an unbound credential", "鍵の束縛がありません"
            )
        _check_key_binding(
            kb_jwt, holder_jwk, issuer_jwt, encoded, audience, nonce, now, max_kb_age, clock_skew
        )

    for name in ("iss", "iat", "exp", "nbf", "vct"):
        claims.pop(name, None)
    return VerifiedCredential(
        issuer=str(issuer),
        vct=str(vct),
        claims=claims,
        disclosed=tuple(by_digest[d][2] for d in by_digest if by_digest[d][0] == "object"),
        holder_jwk=holder_jwk,
        issued_at=issued_at,
        expires_at=expires_at,
        digest=hashlib.sha256(issuer_jwt.encode("ascii")).hexdigest(),
        key_bound=kb_jwt is not None,
        header=dict(header),
    )


def _check_key_binding(
    kb_jwt: str,
    holder_jwk: Mapping[str, Any],
    issuer_jwt: str,
    encoded: list[str],
    audience: str,
    nonce: str,
    now: datetime,
    max_age: timedelta,
    skew: timedelta,
) -> None:
    kb = parse_jwt(kb_jwt, "Key Binding JWT")
    if kb.header.get("typ") != KB_JWT_TYP:
        raise _reject(
            "key-binding-invalid",
            "The Key Binding JWT's typ is not kb+jwt",
            "Key Binding JWT の種類が不正です",
        )
    try:
        holder_key = key_from_jwk(holder_jwk)
    except (ValueError, KeyError) as exc:
        raise _reject(
            "key-binding-invalid", "The holder key is not a P-256 JWK", "保有者の鍵が不正です"
        ) from exc
    if not verify_jws(kb, holder_key):
        raise _reject(
            "key-binding-invalid",
            "The Key Binding JWT is not signed by the holder's key",
            "Key Binding JWT の署名が保有者の鍵と一致しません",
        )
    if kb.payload.get("aud") != audience:
        raise _reject(
            "audience-mismatch", "The presentation is meant for another verifier", "提示先が異なります"
        )
    if not isinstance(kb.payload.get("nonce"), str) or not hmac.compare_digest(
        str(kb.payload["nonce"]), nonce
    ):
        raise _reject(
            "nonce-mismatch", "The presentation's nonce does not match", "提示のnonceが一致しません"
        )
    iat = _time(kb.payload, "iat")
    if iat is None or iat > now + skew or iat < now - max_age:
        raise _reject(
            "key-binding-stale", "The Key Binding JWT is too old or from the future", "提示の日時が不正です"
        )
    if kb.payload.get("sd_hash") != sd_hash_of(issuer_jwt, encoded):
        raise _reject(
            "sd-hash-mismatch",
            "The Key Binding JWT does not cover the presented disclosures",
            "Key Binding JWT が提示内容と一致しません",
        )
