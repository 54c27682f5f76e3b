"""SD-JWT (RFC 9901): issuance, presentation, and every reason a verifier refuses one."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tenohira.credentials import (
    CredentialRejected,
    IssuerMetadata,
    b64url,
    b64url_decode,
    generate_key,
    issue,
    load_trust_list,
    present,
    public_jwk,
    publish_issuer,
    sd_hash_of,
    sign_jwt,
    split,
    verify,
)
from tenohira.credentials.sdjwt import _sha256_b64

ISSUER = "urn:tenohira:hospital:test-hospital"
AUD = "urn:tenohira:member:municipality"
NONCE = "n-0S6_WzA2Mj"
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
CLAIMS = {
    "sex": "female",
    "birth_datetime": "2026-11-23T04:12:00+09:00",
    "birth_place": {"type": "hospital", "name": "手のひら市立中央病院"},
    "birth_weight_g": 3012,
    "certifier": {"role": "doctor", "name": "山田　花子"},
}


def test_rfc9901_disclosure_digest_example() -> None:
    # RFC 9901 §4.2.3: the digest of this disclosure.
    d = "WyJfMjZiYzRMVC1hYzZxMktJNmNCVzVlcyIsICJmYW1pbHlfbmFtZSIsICJNw7ZiaXVzIl0"
    assert _sha256_b64(d) == "X9yH0Ajrdm1Oij4tWso9UzzKJvPoDxwmuEcO3XAdRC0"


@pytest.fixture
def keys() -> dict[str, Any]:
    return {"issuer": generate_key(), "holder": generate_key(), "other": generate_key()}


def _issue(keys: dict[str, Any], **kw: Any) -> str:
    args: dict[str, Any] = {
        "issuer": ISSUER,
        "key": keys["issuer"],
        "vct": "urn:test:birth",
        "claims": CLAIMS,
        "selectively_disclosable": list(CLAIMS),
        "holder_jwk": public_jwk(keys["holder"]),
        "lifetime": timedelta(days=30),
        "now": NOW,
    }
    args.update(kw)
    return issue(**args).serialize()


def _verify(keys: dict[str, Any], presentation: str, **kw: Any) -> Any:
    args: dict[str, Any] = {
        "issuers": {ISSUER: [keys["issuer"].public_key()]},
        "audience": AUD,
        "nonce": NONCE,
        "now": NOW + timedelta(minutes=1),
    }
    args.update(kw)
    return verify(presentation, **args)


def _present(keys: dict[str, Any], sdjwt: str, **kw: Any) -> str:
    args: dict[str, Any] = {"holder_key": keys["holder"], "audience": AUD, "nonce": NONCE, "now": NOW}
    args.update(kw)
    return present(sdjwt, **args)


def _reason(excinfo: pytest.ExceptionInfo[CredentialRejected]) -> str:
    return excinfo.value.reason


def test_issue_present_verify_round_trip(keys: dict[str, Any]) -> None:
    sdjwt = _issue(keys)
    jwt, disclosures, kb = split(sdjwt)
    assert kb is None and len(disclosures) == len(CLAIMS)
    payload = json.loads(b64url_decode(jwt.split(".")[1]))
    # nothing selectively disclosable is in the clear, and decoys hide the count
    assert not set(CLAIMS) & set(payload)
    assert len(payload["_sd"]) == len(CLAIMS) + 2
    assert payload["cnf"]["jwk"] == public_jwk(keys["holder"])

    result = _verify(keys, _present(keys, sdjwt))
    assert result.issuer == ISSUER
    assert result.claims["birth_weight_g"] == 3012
    assert result.claims["birth_place"]["name"] == "手のひら市立中央病院"
    assert result.key_bound
    assert "_sd" not in result.claims and "cnf" not in result.claims


def test_selective_disclosure_hides_what_was_not_chosen(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys), disclose=["sex", "birth_datetime"])
    result = _verify(keys, pres)
    assert set(result.claims) >= {"sex", "birth_datetime"}
    assert "birth_weight_g" not in result.claims and "certifier" not in result.claims


def test_unknown_issuer_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys, issuer="urn:tenohira:hospital:fake"))
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "unknown-issuer"


def test_signature_by_another_key_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys, key=keys["other"]))
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "bad-signature"


def test_tampered_payload_is_refused(keys: dict[str, Any]) -> None:
    jwt, disclosures, _ = split(_issue(keys))
    h, p, s = jwt.split(".")
    payload = json.loads(b64url_decode(p))
    payload["vct"] = "urn:test:other"
    forged = ".".join([h, b64url(json.dumps(payload).encode()), s])
    pres = _present(keys, "~".join([forged, *disclosures]) + "~")
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "bad-signature"


def test_alg_none_is_refused(keys: dict[str, Any]) -> None:
    jwt, disclosures, _ = split(_issue(keys))
    _, p, _ = jwt.split(".")
    header = b64url(json.dumps({"alg": "none", "typ": "dc+sd-jwt"}).encode())
    pres = _present(keys, "~".join([f"{header}.{p}.", *disclosures]) + "~")
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) in ("unsupported-algorithm", "malformed")


def test_expired_credential_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys, lifetime=timedelta(days=1)), now=NOW + timedelta(days=2))
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres, now=NOW + timedelta(days=2))
    assert _reason(e) == "expired"


def test_credential_from_the_future_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys, now=NOW + timedelta(hours=2)))
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "not-yet-valid"


def test_missing_key_binding_is_refused_for_a_bound_credential(keys: dict[str, Any]) -> None:
    sdjwt = _issue(keys)
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, sdjwt, require_key_binding=False)
    assert _reason(e) == "key-binding-missing"


def test_unbound_credential_is_refused_when_binding_is_required(keys: dict[str, Any]) -> None:
    sdjwt = _issue(keys, holder_jwk=None)
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, sdjwt)
    assert _reason(e) == "key-binding-missing"
    assert _verify(keys, sdjwt, require_key_binding=False).claims["sex"] == "female"


def test_key_binding_by_another_key_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys), holder_key=keys["other"])
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "key-binding-invalid"


def test_wrong_audience_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys), audience="urn:tenohira:member:insurer")
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "audience-mismatch"


def test_wrong_nonce_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys), nonce="another")
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "nonce-mismatch"


def test_stale_key_binding_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys), now=NOW - timedelta(hours=1))
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres)
    assert _reason(e) == "key-binding-stale"


def test_disclosure_removed_after_key_binding_breaks_sd_hash(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys))
    jwt, disclosures, kb = split(pres)
    assert kb is not None
    cut = "~".join([jwt, *disclosures[1:]]) + "~" + kb
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, cut)
    assert _reason(e) == "sd-hash-mismatch"


def test_key_binding_with_wrong_typ_is_refused(keys: dict[str, Any]) -> None:
    jwt, disclosures, _ = split(_issue(keys))
    kb = sign_jwt(
        {"typ": "JWT"},
        {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash_of(jwt, disclosures)},
        keys["holder"],
    )
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, "~".join([jwt, *disclosures]) + "~" + kb)
    assert _reason(e) == "key-binding-invalid"


def _with_extra_disclosure(keys: dict[str, Any], extra: str, sdjwt: str | None = None) -> str:
    jwt, disclosures, _ = split(sdjwt or _issue(keys))
    disclosures = [*disclosures, extra]
    kb = sign_jwt(
        {"typ": "kb+jwt"},
        {"iat": int(NOW.timestamp()), "aud": AUD, "nonce": NONCE, "sd_hash": sd_hash_of(jwt, disclosures)},
        keys["holder"],
    )
    return "~".join([jwt, *disclosures]) + "~" + kb


def test_disclosure_that_no_digest_references_is_refused(keys: dict[str, Any]) -> None:
    # A holder (or attacker) adds a claim the issuer never signed: it must not be accepted.
    smuggled = b64url(json.dumps(["salt-salt-salt", "birth_weight_g", 4999]).encode())
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, _with_extra_disclosure(keys, smuggled))
    assert _reason(e) == "unreferenced-disclosure"


def test_duplicate_disclosure_is_refused(keys: dict[str, Any]) -> None:
    sdjwt = _issue(keys)
    _, disclosures, _ = split(sdjwt)
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, _with_extra_disclosure(keys, disclosures[0], sdjwt))
    assert _reason(e) == "duplicate-disclosure"


def test_wrong_credential_type_is_refused(keys: dict[str, Any]) -> None:
    pres = _present(keys, _issue(keys))
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, pres, expected_vct="urn:test:driving-licence")
    assert _reason(e) == "wrong-type"


@pytest.mark.parametrize("garbage", ["", "abc", "a.b.c~", "~~", "eyJ.eyJ.sig~WyJ~"])
def test_malformed_input_is_refused(keys: dict[str, Any], garbage: str) -> None:
    with pytest.raises(CredentialRejected) as e:
        _verify(keys, garbage)
    assert _reason(e) == "malformed"


def test_trust_list_round_trip(tmp_path: Path, keys: dict[str, Any]) -> None:
    meta = IssuerMetadata(ISSUER, "hospital", "テスト病院", "Test Hospital", (public_jwk(keys["issuer"]),))
    publish_issuer(tmp_path, meta)
    publish_issuer(tmp_path, meta)  # idempotent
    (tmp_path / "trust" / "hospital" / "broken.json").write_text("{not json")
    trust = load_trust_list(tmp_path, "hospital")
    assert list(trust.issuers) == [ISSUER]
    assert _verify(keys, _present(keys, _issue(keys)), issuers=trust.keys()).issuer == ISSUER
    assert load_trust_list(tmp_path, "insurer").issuers == {}
