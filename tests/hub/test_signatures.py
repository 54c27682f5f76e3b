"""RFC 9421 signature bases and RFC 9530 digests against the RFCs' own examples."""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key

from tenohira.hub import signatures as hs

# RFC 9421 Appendix B.1.3, test-key-ecc-p256 (a published test key, for tests only).
ECC_P256_PUBLIC = b"""-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----
"""
ECC_P256_PRIVATE = b"""-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFKbhfNZfpDsW43+0+JjUr9K+bTeuxopu653+hBaXGA7oAoGCCqGSM49
AwEHoUQDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM
4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END EC PRIVATE KEY-----
"""

# RFC 9421 Appendix B.2: the test-request and test-response messages.
REQUEST_DIGEST = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
)
RESPONSE_DIGEST = (
    "sha-512=:mEWXIS7MaLRuGgxOBdODa3xqM1XdEvxoYhvlCFJ41QJgJc4GTsPp29l5oGX69wWdXymyU0rjJuahq4l5aGgfLQ==:"
)


def rfc_request() -> hs.Message:
    return hs.Message.request_from_url(
        "POST",
        "https://example.com/foo?param=Value&Pet=dog",
        {
            "Host": "example.com",
            "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
            "Content-Type": "application/json",
            "Content-Digest": REQUEST_DIGEST,
            "Content-Length": "18",
        },
    )


def rfc_response() -> hs.Message:
    return hs.Message(
        status=200,
        headers=hs.lower_headers(
            [
                ("Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
                ("Content-Type", "application/json"),
                ("Content-Digest", RESPONSE_DIGEST),
                ("Content-Length", "23"),
            ]
        ),
    )


def test_b22_selective_components_base() -> None:
    params = hs.SignatureParams(
        covered=hs.components("@authority", "content-digest"), created=1618884473, keyid="test-key-rsa-pss"
    )
    expected = (
        '"@authority": example.com\n'
        f'"content-digest": {REQUEST_DIGEST}\n'
        '"@signature-params": ("@authority" "content-digest");created=1618884473;keyid="test-key-rsa-pss"'
    )
    assert hs.signature_base(rfc_request(), params).decode() == expected


def test_b23_full_coverage_base() -> None:
    covered = hs.components(
        "date", "@method", "@path", "@query", "@authority", "content-type", "content-digest", "content-length"
    )
    params = hs.SignatureParams(covered=covered, created=1618884473, keyid="test-key-rsa-pss")
    expected = "\n".join(
        [
            '"date": Tue, 20 Apr 2021 02:07:55 GMT',
            '"@method": POST',
            '"@path": /foo',
            '"@query": ?param=Value&Pet=dog',
            '"@authority": example.com',
            '"content-type": application/json',
            f'"content-digest": {REQUEST_DIGEST}',
            '"content-length": 18',
            '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type" '
            '"content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
        ]
    )
    assert hs.signature_base(rfc_request(), params).decode() == expected


def test_b24_ecdsa_response_signature_verifies() -> None:
    """The RFC's own ecdsa-p256-sha256 signature verifies with our base and raw r||s decoding."""
    headers = dict(rfc_response().headers)
    headers["signature-input"] = (
        'sig-b24=("@status" "content-type" "content-digest" "content-length");'
        'created=1618884473;keyid="test-key-ecc-p256"'
    )
    headers["signature"] = (
        "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:"
    )
    message = hs.Message(status=200, headers=headers)
    received = hs.parse_signature(headers, "sig-b24")
    public = load_pem_public_key(ECC_P256_PUBLIC)
    assert isinstance(public, ec.EllipticCurvePublicKey)
    hs.verify(message, received, public)
    # one changed covered value breaks it
    tampered = hs.Message(status=201, headers=headers)
    with pytest.raises(hs.SignatureError) as info:
        hs.verify(tampered, received, public)
    assert info.value.reason == "bad-signature"


def test_sign_and_verify_round_trip_with_request_binding() -> None:
    private = load_pem_private_key(ECC_P256_PRIVATE, None)
    assert isinstance(private, ec.EllipticCurvePrivateKey)
    request = rfc_request()
    req_headers = dict(request.headers)
    sig_input, sig = hs.sign(
        request,
        hs.SignatureParams(
            covered=hs.components("@method", "@target-uri", "content-digest"),
            created=1618884473,
            keyid="test-key-ecc-p256",
            nonce="n-1",
            alg=hs.ALG,
        ),
        private,
        label="sig",
    )
    hs.add_signature(req_headers, sig_input, sig)
    request = hs.Message(**{**request.__dict__, "headers": req_headers})
    received = hs.parse_signature(req_headers, "sig")
    hs.verify(request, received, private.public_key())
    assert received.params.nonce == "n-1"

    # a response bound to the request's signature with "signature";req;key="sig"
    response = rfc_response()
    response.request = request
    covered = (*hs.components("@status", "content-digest"), hs.Component("signature", req=True, key="sig"))
    r_input, r_sig = hs.sign(
        response, hs.SignatureParams(covered=covered, created=1, keyid="k", alg=hs.ALG), private, label="hub"
    )
    headers = dict(response.headers)
    hs.add_signature(headers, r_input, r_sig)
    received = hs.parse_signature(headers, "hub")
    bound = hs.Message(status=200, headers=headers, request=request)
    hs.verify(bound, received, private.public_key())
    base = hs.signature_base(bound, received.params, received.serialized_params).decode()
    assert f'"signature";key="sig";req: {sig.split("=", 1)[1]}' in base
    # the same response presented for another request does not verify
    other = dict(req_headers)
    other["signature"] = "sig=:" + base64.b64encode(b"\x00" * 64).decode() + ":"
    with pytest.raises(hs.SignatureError):
        hs.verify(
            hs.Message(status=200, headers=headers, request=hs.Message(headers=other)),
            received,
            private.public_key(),
        )


def test_content_digest_rfc9530_example() -> None:
    # RFC 9530 §2: {"hello": "world"} has this sha-256 digest.
    body = b'{"hello": "world"}'
    assert hs.content_digest(body) == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    hs.check_content_digest(hs.content_digest(body), body)
    with pytest.raises(hs.SignatureError) as info:
        hs.check_content_digest(hs.content_digest(body), body + b" ")
    assert info.value.reason == "digest-mismatch"
    with pytest.raises(hs.SignatureError) as info:
        hs.check_content_digest(None, body)
    assert info.value.reason == "digest-missing"
    # the RFC 9421 test-request's sha-512 digest is checked when present, alongside sha-256
    hs.check_content_digest(hs.content_digest(body) + ", " + REQUEST_DIGEST, body)


def test_unsigned_and_malformed() -> None:
    with pytest.raises(hs.SignatureError) as info:
        hs.parse_signature({}, "sig")
    assert info.value.reason == "unsigned"
    with pytest.raises(hs.SignatureError) as info:
        hs.parse_signature({"signature-input": "sig=(", "signature": "sig=:AA==:"}, "sig")
    assert info.value.reason == "bad-signature"


@pytest.mark.parametrize(
    "value",
    [
        'sig1=("@method" "@authority" "@path" "content-digest");created=1618884475;keyid="test-key-ecc-p256"',
        'sig=("@status" "signature";key="sig";req);created=1;keyid="hub";alg="ecdsa-p256-sha256", '
        'provider=("@status");created=2;keyid="x";nonce="a\\"b\\\\c"',
        "sig-b24=:wNmSUAhwb5LxtOtOpNa6W5xj067m5hFrj0XQ4fvpaCLx0NKocgPquLgyahnzDnDAUy5eCdlYUEkLIj+32oiasw==:",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:AA==:;x=?1",
        "a=tok;b=-12, c, d=(1 2 tok/x);e",
        "a=();b=?0",
    ],
)
def test_fast_parser_agrees_with_http_sfv(value: str) -> None:
    from http_sfv.dictionary import Dictionary

    from tenohira.hub.sfv import parse_dictionary, serialize_member

    oracle = Dictionary()
    oracle.parse(value.encode())
    ours = parse_dictionary(value)
    assert list(ours) == list(oracle)
    for key in ours:
        assert serialize_member(ours[key]) == str(oracle[key])


@pytest.mark.parametrize("value", ['sig=("@method"', "sig=:not base64!:", "a=1,", 'a="é"', "A=1", "a=1.5"])
def test_fast_parser_rejects_what_it_does_not_know(value: str) -> None:
    from tenohira.hub.sfv import parse_dictionary

    with pytest.raises(ValueError):
        parse_dictionary(value)
