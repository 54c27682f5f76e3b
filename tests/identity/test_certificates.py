"""Certificates: where the facts go, validity until the fifth birthday, and openssl's view of them."""

from __future__ import annotations

import subprocess
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tenohira.identity import BasicFacts, facts_from_certificate, validity_end
from tenohira.identity.certificates import certificate_kind, fifth_birthday_after

from .conftest import FACTS, IssueFn


@pytest.fixture
def database_url(sqlite_only_database_url: str) -> str:
    """Certificates and signatures do not depend on the database: SQLite only (see test_auth/test_api)."""
    return sqlite_only_database_url


@pytest.mark.parametrize(
    ("birth", "issued", "expected"),
    [
        (date(1990, 4, 12), date(2026, 11, 26), date(2031, 4, 12)),  # next birthday is in 2027
        (date(1990, 12, 1), date(2026, 11, 26), date(2030, 12, 1)),  # next birthday still in 2026
        (date(1990, 11, 26), date(2026, 11, 26), date(2031, 11, 26)),  # issued on the birthday: not counted
        (date(1990, 11, 27), date(2026, 11, 26), date(2030, 11, 27)),  # the day after: counted
        (date(2000, 2, 29), date(2026, 1, 10), date(2030, 3, 1)),  # 2030 is a common year
        (date(2000, 2, 29), date(2027, 3, 5), date(2032, 2, 29)),  # 2032 is a leap year
    ],
)
def test_fifth_birthday_after_issue(birth: date, issued: date, expected: date) -> None:
    assert fifth_birthday_after(birth, issued) == expected


def test_validity_ends_at_the_end_of_the_birthday_in_japan() -> None:
    end = validity_end(date(1990, 4, 12), datetime(2026, 11, 26, 1, 0, tzinfo=UTC))
    assert end == datetime(2031, 4, 12, 14, 59, 59, tzinfo=UTC)  # 23:59:59 JST


def test_issue_date_is_taken_in_japan_time() -> None:
    # 2026-11-25 20:00 UTC is already 2026-11-26 in Japan: the birthday on the 26th is not "after".
    end = validity_end(date(1990, 11, 26), datetime(2026, 11, 25, 20, 0, tzinfo=UTC))
    assert end.astimezone(UTC).date() == date(2031, 11, 26)


async def test_certificates_carry_facts_only_in_the_signing_certificate(issue: IssueFn) -> None:
    card, sim = await issue()
    auth = x509.load_pem_x509_certificate(sim.auth_certificate_pem())
    sign = x509.load_pem_x509_certificate(sim.sign_certificate_pem())
    assert facts_from_certificate(sign) == FACTS
    assert certificate_kind(auth) == "auth" and certificate_kind(sign) == "sign"
    # The authentication certificate has no facts at all, and no subject holds any.
    with pytest.raises(x509.ExtensionNotFound):
        auth.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    for cert in (auth, sign):
        subject = cert.subject.rfc4514_string()
        assert FACTS.name not in subject and "1990" not in subject
    assert format(auth.serial_number, "X") == card.auth_serial
    assert auth.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value == card.auth_serial
    # validity until the fifth birthday after issue
    assert auth.not_valid_after_utc == sign.not_valid_after_utc == card.not_after


async def test_certificates_name_the_crl_url(issue: IssueFn) -> None:
    _, sim = await issue()
    cert = x509.load_pem_x509_certificate(sim.auth_certificate_pem())
    dps = cert.extensions.get_extension_for_class(x509.CRLDistributionPoints).value
    urls = [n.value for dp in dps for n in (dp.full_name or [])]
    assert urls == ["http://127.0.0.1:8000/pki/crl/issuing-ca.crl"]


async def test_male_facts_round_trip(issue: IssueFn) -> None:
    facts = BasicFacts(
        name="佐藤 太郎",
        name_kana="サトウ タロウ",
        address="手のひら市北町5-6",
        birth_date=date(2000, 2, 29),
        sex="male",
    )
    _, sim = await issue(facts=facts)
    assert facts_from_certificate(x509.load_pem_x509_certificate(sim.sign_certificate_pem())) == facts


async def test_openssl_verifies_both_certificates_against_the_chain(issue: IssueFn) -> None:
    card, _ = await issue()
    d: Path = card.out_dir
    for name in ("auth.pem", "sign.pem"):
        result = subprocess.run(
            ["openssl", "verify", "-CAfile", str(d / "ca-chain.pem"), str(d / name)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().endswith("OK")


async def test_openssl_rejects_a_certificate_of_another_ca(issue: IssueFn, tmp_path: Path) -> None:
    from tenohira.core import get_settings
    from tenohira.identity.ca import init_ca

    card, _ = await issue()
    other = get_settings().model_copy(update={"data_dir": tmp_path / "other"})
    other_ca, _ = init_ca(other)
    (tmp_path / "other-chain.pem").write_bytes(other_ca.chain_pem())
    result = subprocess.run(
        ["openssl", "verify", "-CAfile", str(tmp_path / "other-chain.pem"), str(card.out_dir / "auth.pem")],
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0


async def test_card_directory_keys_are_private_and_encrypted(issue: IssueFn) -> None:
    card, _ = await issue()
    for name in ("auth.key.pem", "sign.key.pem"):
        path = card.out_dir / name
        assert path.stat().st_mode & 0o077 == 0
        assert b"ENCRYPTED PRIVATE KEY" in path.read_bytes()


async def test_ca_keys_are_encrypted_with_a_private_passphrase(ca: object) -> None:
    from tenohira.core import get_settings
    from tenohira.identity.ca import ca_dir

    d = ca_dir(get_settings())
    assert (d / "passphrase").stat().st_mode & 0o077 == 0
    for name in ("root-ca.key.pem", "issuing-ca.key.pem"):
        assert b"ENCRYPTED PRIVATE KEY" in (d / name).read_bytes()
        assert (d / name).stat().st_mode & 0o077 == 0


def test_ca_init_is_idempotent_and_uses_the_configured_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    from cryptography.hazmat.primitives import serialization

    from tenohira.core import get_settings, reset_settings
    from tenohira.identity.ca import ca_dir, init_ca, load_ca

    monkeypatch.setenv("TENOHIRA_CA_PASSPHRASE", "correct horse battery staple")
    reset_settings()
    settings = get_settings()
    ca1, created1 = init_ca(settings)
    ca2, created2 = init_ca(settings)
    assert created1 and not created2
    assert ca1.root_cert == ca2.root_cert
    assert not (ca_dir(settings) / "passphrase").exists()
    key = (ca_dir(settings) / "issuing-ca.key.pem").read_bytes()
    serialization.load_pem_private_key(key, b"correct horse battery staple")
    with pytest.raises(ValueError):
        serialization.load_pem_private_key(key, b"wrong")
    # The chain: issuing CA signed by the root, both CAs.
    ca1.issuing_cert.verify_directly_issued_by(ca1.root_cert)
    assert load_ca(settings).issuing_cert == ca1.issuing_cert


def test_any_damage_to_an_authentication_certificate_is_refused(offline_card: object, ca: object) -> None:
    """What login does with the certificate, on damaged bytes: only ever a precise refusal."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from tenohira.identity import CardSimulator, Refused
    from tenohira.identity.ca import CertificateAuthority
    from tenohira.identity.service import platform_trust
    from tenohira.identity.trust import load_certificate, verify_raw_signature

    assert isinstance(offline_card, CardSimulator) and isinstance(ca, CertificateAuthority)
    der = x509.load_pem_x509_certificate(offline_card.auth_certificate_pem()).public_bytes(
        serialization.Encoding.DER
    )
    challenge = b"tenohira-auth-v1|x|y|z"
    sig = offline_card.authenticate("1234", challenge)
    trust = platform_trust(ca)

    @settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.integers(0, len(der) - 1), st.integers(1, 255))
    def damaged(pos: int, xor: int) -> None:
        flipped = bytearray(der)
        flipped[pos] ^= xor
        try:
            cert = load_certificate(bytes(flipped))
            trust.verify_chain(cert, kind="auth", check_revocation=False)
            verify_raw_signature(cert, sig, challenge)
        except Refused:
            return
        raise AssertionError(f"a damaged certificate was accepted (pos {pos})")

    damaged()
