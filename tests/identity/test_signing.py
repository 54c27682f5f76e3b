"""Document signatures: openssl verifies them; verify_document_signature checks them with only
the CA certificates and the CRL, as an agency deployed apart would."""

from __future__ import annotations

import base64
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.serialization import pkcs7

from tenohira.core import get_database, get_settings
from tenohira.identity import CardSimulator, Refused, TrustStore, revoke_card, verify_document_signature
from tenohira.identity import service as svc
from tenohira.identity.ca import ISSUING_CRL_NAME, init_ca, load_ca

from .conftest import FACTS, PASSWORD, IssueFn

DOC = "出生届\n子の氏名: 山田 太郎\n".encode()


@pytest.fixture
def database_url(sqlite_only_database_url: str) -> str:
    """Certificates and signatures do not depend on the database: SQLite only (see test_auth/test_api)."""
    return sqlite_only_database_url


async def _trust() -> TrustStore:
    ca = load_ca(get_settings())
    async with get_database().session() as s:
        crl = await svc.current_crl(s, ISSUING_CRL_NAME)
    return TrustStore.from_pem(ca.chain_pem(), [crl.der])


def _openssl_cms_verify(
    tmp: Path, sig: bytes, data: bytes, chain: Path, inform: str
) -> subprocess.CompletedProcess[str]:
    (tmp / "sig").write_bytes(sig)
    (tmp / "data").write_bytes(data)
    return subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-binary",
            "-inform",
            inform,
            "-in",
            str(tmp / "sig"),
            "-content",
            str(tmp / "data"),
            "-CAfile",
            str(chain),
            "-out",
            "/dev/null",
        ],
        capture_output=True,
        text=True,
    )


async def test_openssl_verifies_the_detached_signature(issue: IssueFn, tmp_path: Path) -> None:
    card, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    ok = _openssl_cms_verify(tmp_path, sig, DOC, card.out_dir / "ca-chain.pem", "DER")
    assert ok.returncode == 0, ok.stderr
    assert "Verification successful" in ok.stderr
    # PEM form too
    pem = b"-----BEGIN PKCS7-----\n" + base64.encodebytes(sig) + b"-----END PKCS7-----\n"
    assert _openssl_cms_verify(tmp_path, pem, DOC, card.out_dir / "ca-chain.pem", "PEM").returncode == 0
    # and openssl notices a changed document
    bad = _openssl_cms_verify(tmp_path, sig, DOC + b"x", card.out_dir / "ca-chain.pem", "DER")
    assert bad.returncode != 0


async def test_verify_document_signature_returns_the_signer_and_facts(issue: IssueFn) -> None:
    card, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    signer = verify_document_signature(DOC, sig, trust=await _trust())
    assert signer.serial == card.sign_serial
    assert signer.facts == FACTS
    assert signer.certificate_pem == sim.sign_certificate_pem()
    assert signer.signing_time is not None
    pem = b"-----BEGIN PKCS7-----\n" + base64.encodebytes(sig) + b"-----END PKCS7-----\n"
    assert verify_document_signature(DOC, pem, trust=await _trust()).serial == card.sign_serial


async def test_changed_document_is_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC.replace("太郎".encode(), "次郎".encode()), sig, trust=await _trust())
    assert exc.value.reason == "signature-invalid"


async def test_tampered_signature_value_is_refused(issue: IssueFn) -> None:
    _, sim = await issue()
    sig = bytearray(sim.sign(PASSWORD, DOC))
    sig[-5] ^= 0x01  # inside the RSA signature value at the end of SignerInfo
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, bytes(sig), trust=await _trust())
    assert exc.value.reason == "signature-invalid"


@pytest.mark.parametrize("cut", [0, 10, 200, -40])
async def test_malformed_or_truncated_signature_is_refused(issue: IssueFn, cut: int) -> None:
    _, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig[:cut], trust=await _trust())
    assert exc.value.reason == "signature-malformed"


async def test_signature_by_a_revoked_card_is_refused_via_the_crl(issue: IssueFn) -> None:
    card, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    stale_trust = await _trust()
    async with get_database().session() as s:
        await revoke_card(s, serial=card.sign_serial, reason="facts-changed")
    # A verifier with the old CRL does not know yet; with the new CRL it does.
    assert verify_document_signature(DOC, sig, trust=stale_trust)
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig, trust=await _trust())
    assert exc.value.reason == "certificate-revoked"


async def test_no_current_crl_means_no_trust(issue: IssueFn) -> None:
    _, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    ca = load_ca(get_settings())
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig, trust=TrustStore.from_pem(ca.chain_pem()))
    assert exc.value.reason == "revocation-unknown"
    trust = await _trust()
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig, trust=trust, now=datetime.now(UTC) + timedelta(days=2))
    assert exc.value.reason == "revocation-unknown"  # the CRL has passed its nextUpdate


async def test_expired_signing_certificate_is_refused(issue: IssueFn) -> None:
    card, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig, trust=await _trust(), now=card.not_after + timedelta(seconds=1))
    assert exc.value.reason == "certificate-expired"


async def test_signature_from_another_ca_is_refused(issue: IssueFn, tmp_path: Path) -> None:
    _, sim = await issue()
    sig = sim.sign(PASSWORD, DOC)
    other = init_ca(get_settings().model_copy(update={"data_dir": tmp_path / "other"}))[0]
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig, trust=TrustStore.from_pem(other.chain_pem()))
    assert exc.value.reason == "certificate-untrusted"


async def test_authentication_key_cannot_sign_documents(issue: IssueFn) -> None:
    card, _ = await issue()
    from cryptography import x509

    from .conftest import PIN

    auth_key = serialization.load_pem_private_key((card.out_dir / "auth.key.pem").read_bytes(), PIN.encode())
    auth_cert = x509.load_pem_x509_certificate((card.out_dir / "auth.pem").read_bytes())
    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOC)
        .add_signer(auth_cert, auth_key, hashes.SHA256())  # type: ignore[arg-type]
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary])
    )
    with pytest.raises(Refused) as exc:
        verify_document_signature(DOC, sig, trust=await _trust())
    assert exc.value.reason == "certificate-wrong-kind"


async def test_signature_without_embedded_certificate_needs_it_passed(issue: IssueFn) -> None:
    card, sim = await issue()
    from cryptography import x509

    key = serialization.load_pem_private_key((card.out_dir / "sign.key.pem").read_bytes(), PASSWORD.encode())
    cert = x509.load_pem_x509_certificate(sim.sign_certificate_pem())
    sig = (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(DOC)
        .add_signer(cert, key, hashes.SHA256())  # type: ignore[arg-type]
        .sign(
            serialization.Encoding.DER,
            [pkcs7.PKCS7Options.DetachedSignature, pkcs7.PKCS7Options.Binary, pkcs7.PKCS7Options.NoCerts],
        )
    )
    with pytest.raises(Refused):
        verify_document_signature(DOC, sig, trust=await _trust())
    signer = verify_document_signature(DOC, sig, trust=await _trust(), certificate=sim.sign_certificate_pem())
    assert signer.serial == card.sign_serial


async def test_crl_is_signed_by_the_issuing_ca_and_lists_revoked_serials(
    issue: IssueFn, tmp_path: Path
) -> None:
    from cryptography import x509

    card, _ = await issue()
    async with get_database().session() as s:
        before = await svc.current_crl(s, ISSUING_CRL_NAME)
        await revoke_card(s, serial=card.auth_serial, reason="lost")
    async with get_database().session() as s:
        after = await svc.current_crl(s, ISSUING_CRL_NAME)
    assert after.number > before.number
    crl = x509.load_der_x509_crl(after.der)
    ca = load_ca(get_settings())
    assert crl.is_signature_valid(ca.issuing_cert.public_key())  # type: ignore[arg-type]
    entry = crl.get_revoked_certificate_by_serial_number(int(card.auth_serial, 16))
    assert entry is not None
    reason = entry.extensions.get_extension_for_class(x509.CRLReason).value.reason
    assert reason == x509.ReasonFlags.key_compromise
    # openssl, checking the CRL, refuses the revoked certificate and accepts a fresh one
    (tmp_path / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    root_crl = x509.load_der_x509_crl((await _root_crl()).der)
    (tmp_path / "root.crl.pem").write_bytes(root_crl.public_bytes(serialization.Encoding.PEM))
    args = [
        "openssl",
        "verify",
        "-crl_check_all",
        "-CAfile",
        str(card.out_dir / "ca-chain.pem"),
        "-CRLfile",
        str(tmp_path / "crl.pem"),
        "-CRLfile",
        str(tmp_path / "root.crl.pem"),
    ]
    revoked = subprocess.run([*args, str(card.out_dir / "auth.pem")], capture_output=True, text=True)
    assert revoked.returncode != 0 and "revoked" in (revoked.stdout + revoked.stderr)
    fresh, _ = await issue()
    ok = subprocess.run([*args, str(fresh.out_dir / "auth.pem")], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stdout + ok.stderr


async def _root_crl() -> object:
    from tenohira.identity.ca import ROOT_CRL_NAME

    async with get_database().session() as s:
        return await svc.current_crl(s, ROOT_CRL_NAME)


def test_any_damage_to_a_signature_is_refused_never_crashes(offline_card: CardSimulator, ca: object) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tenohira.identity.ca import CertificateAuthority, build_crl

    assert isinstance(ca, CertificateAuthority)
    crl = build_crl(ca, [], number=1, now=datetime.now(UTC), lifetime=timedelta(days=1))
    trust = TrustStore.from_pem(ca.chain_pem(), [crl.public_bytes(serialization.Encoding.DER)])
    sig = offline_card.sign(PASSWORD, DOC)
    original = verify_document_signature(DOC, sig, trust=trust)
    assert original.facts == FACTS

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, len(sig) - 1), st.integers(1, 255), st.binary(max_size=64))
    def damaged(pos: int, xor: int, junk: bytes) -> None:
        flipped = bytearray(sig)
        flipped[pos] ^= xor
        for candidate in (bytes(flipped), junk, sig[:pos] + junk):
            try:
                signer = verify_document_signature(DOC, candidate, trust=trust)
            except Refused:
                continue
            # CMS leaves a few bytes unsigned (e.g. the NULL parameters of an algorithm): a flip
            # there may still verify, but never as anyone else or with other facts.
            assert (signer.serial, signer.facts, signer.certificate_pem) == (
                original.serial,
                original.facts,
                original.certificate_pem,
            ), f"damaged signature verified as someone else (pos {pos})"

    damaged()
