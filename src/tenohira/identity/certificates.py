"""Card certificates: the four basic facts, where they go in X.509, and how long a card is valid.

The signing certificate (署名用電子証明書) carries the four basic facts (基本4情報: name, address,
date of birth, sex) plus the reading of the name:

- in its subjectAltName, one directoryName with the name, its reading and the address:

  - name 氏名: commonName (2.5.4.3), UTF8String, as registered (kanji);
  - reading 氏名（カナ）: tenohira nameKana (2.25.15177922963732977205599112893615490764.1.1), UTF8String;
  - address 住所: streetAddress (2.5.4.9), UTF8String, the full registered address;

- in its subjectDirectoryAttributes extension (2.5.29.9, RFC 3739 §3.2.2), non-critical:

  - date of birth 生年月日: dateOfBirth (1.3.6.1.5.5.7.9.1), GeneralizedTime ``YYYYMMDD120000Z``
    (noon GMT, as RFC 3739 asks, so the date is the same in every time zone);
  - sex 性別: gender (1.3.6.1.5.5.7.9.3), PrintableString ``M`` or ``F``.

Real JPKI certificates use their own otherName types, which we could not confirm; this mapping
uses standard attribute types where one exists and a UUID-based arc (2.25, X.667) for the
reading. The subject of both certificates holds no personal fact, only the serial, so that
subject names can appear in logs. The authentication certificate (利用者証明用電子証明書) has
neither extension.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Literal

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier
from pydantic import BaseModel, ConfigDict, Field

from tenohira.identity import der
from tenohira.identity.ca import CertificateAuthority

JST = timezone(timedelta(hours=9), "JST")

TENOHIRA_ARC = "2.25.15177922963732977205599112893615490764"
OID_NAME_KANA = ObjectIdentifier(TENOHIRA_ARC + ".1.1")
OID_DATE_OF_BIRTH = ObjectIdentifier("1.3.6.1.5.5.7.9.1")
OID_GENDER = ObjectIdentifier("1.3.6.1.5.5.7.9.3")
OID_SUBJECT_DIRECTORY_ATTRIBUTES = ObjectIdentifier("2.5.29.9")
# Marks which of the two certificates this is, so that one cannot be used in place of the other.
OID_POLICY_AUTH = ObjectIdentifier(TENOHIRA_ARC + ".2.1")
OID_POLICY_SIGN = ObjectIdentifier(TENOHIRA_ARC + ".2.2")

CardKind = Literal["auth", "sign"]


class BasicFacts(BaseModel):
    """The four basic facts (基本4情報) plus the reading of the name, carried by the signing certificate."""

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1, max_length=128)
    name_kana: str = Field(min_length=1, max_length=256)
    address: str = Field(min_length=1, max_length=512)
    birth_date: date
    sex: Literal["male", "female"]


def serial_hex(cert: x509.Certificate) -> str:
    """The certificate serial as upper-case hex (as ``openssl x509 -serial`` prints it)."""
    return format(cert.serial_number, "X")


def fingerprint(cert: x509.Certificate) -> str:
    """SHA-256 of the DER certificate, lower-case hex."""
    return hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).hexdigest()


def _birthday_in(year: int, birth_date: date) -> date:
    if birth_date.month == 2 and birth_date.day == 29:
        try:
            return date(year, 2, 29)
        except ValueError:
            # In common years a 29 February birthday is taken as 1 March, so that, as the age law
            # (年齢計算ニ関スル法律) has it, the person is one year older at the end of 28 February (an
            # age is reached at the end of the day before the birthday: the domain notes, "Counting days
            # and ages"; 民法 第143条, as rules/parameters/child_allowance.yaml cites it).
            # Not confirmed: that J-LIS itself ends a 29 February holder's certificate on 1 March (the
            # domain notes say only "valid until the fifth birthday after issue").
            return date(year, 3, 1)
    return birth_date.replace(year=year)


def fifth_birthday_after(birth_date: date, issued_on: date) -> date:
    """The fifth birthday strictly after ``issued_on`` (the day a card certificate ends)."""
    year = issued_on.year
    if _birthday_in(year, birth_date) <= issued_on:
        year += 1
    return _birthday_in(year + 4, birth_date)


def validity_end(birth_date: date, issued_at: datetime) -> datetime:
    """End of the fifth birthday after issue, 23:59:59 Japan time, in UTC."""
    issued_on = issued_at.astimezone(JST).date()
    last_day = fifth_birthday_after(birth_date, issued_on)
    return datetime.combine(last_day, time(23, 59, 59), JST).astimezone(UTC)


def facts_name(facts: BasicFacts) -> x509.Name:
    """The directoryName that carries the facts (see the module docstring)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, facts.name, _type=_ASN1Type.UTF8String),
            x509.NameAttribute(OID_NAME_KANA, facts.name_kana, _type=_ASN1Type.UTF8String),
            x509.NameAttribute(NameOID.STREET_ADDRESS, facts.address, _type=_ASN1Type.UTF8String),
        ]
    )


def directory_attributes(facts: BasicFacts) -> x509.UnrecognizedExtension:
    """The subjectDirectoryAttributes extension with dateOfBirth and gender (RFC 3739)."""
    dob = der.encode(0x18, (facts.birth_date.strftime("%Y%m%d") + "120000Z").encode())
    gender = der.encode(0x13, b"M" if facts.sex == "male" else b"F")
    value = der.sequence(
        der.sequence(der.encode_oid(OID_DATE_OF_BIRTH.dotted_string), der.set_of(dob)),
        der.sequence(der.encode_oid(OID_GENDER.dotted_string), der.set_of(gender)),
    )
    return x509.UnrecognizedExtension(OID_SUBJECT_DIRECTORY_ATTRIBUTES, value)


def _directory_attributes(cert: x509.Certificate) -> dict[str, der.TLV]:
    try:
        ext = cert.extensions.get_extension_for_oid(OID_SUBJECT_DIRECTORY_ATTRIBUTES).value
    except x509.ExtensionNotFound as exc:
        raise FactsMissing("no subjectDirectoryAttributes") from exc
    raw = ext.value if isinstance(ext, x509.UnrecognizedExtension) else b""
    try:
        out: dict[str, der.TLV] = {}
        for attr in der.parse_one(raw)[0].children():
            oid, values = attr.children()
            out[der.decode_oid(oid.content)] = values.children()[0]
        return out
    except (der.DERError, ValueError, IndexError) as exc:
        raise FactsMissing("malformed subjectDirectoryAttributes") from exc


class FactsMissing(ValueError):
    """The certificate carries no (or incomplete) basic facts."""


def facts_from_certificate(cert: x509.Certificate) -> BasicFacts:
    """Read the basic facts back from a signing certificate; :class:`FactsMissing` if absent."""
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound as exc:
        raise FactsMissing("no subjectAltName") from exc
    names = san.get_values_for_type(x509.DirectoryName)
    if len(names) != 1:
        raise FactsMissing("expected exactly one directoryName")
    name = names[0]

    def one(oid: ObjectIdentifier) -> str:
        attrs = name.get_attributes_for_oid(oid)
        if len(attrs) != 1:
            raise FactsMissing(f"expected one {oid.dotted_string}")
        value = attrs[0].value
        return value if isinstance(value, str) else value.decode()

    attrs = _directory_attributes(cert)
    dob_item = attrs.get(OID_DATE_OF_BIRTH.dotted_string)
    gender_item = attrs.get(OID_GENDER.dotted_string)
    if dob_item is None or gender_item is None or dob_item.tag != 0x18:
        raise FactsMissing("no date of birth or gender")
    dob = dob_item.content.decode("ascii", "replace")
    gender = gender_item.content.decode("ascii", "replace").upper()
    if gender not in ("M", "F") or len(dob) < 8 or not dob[:8].isdigit():
        raise FactsMissing("malformed date of birth or gender")
    return BasicFacts(
        name=one(NameOID.COMMON_NAME),
        name_kana=one(OID_NAME_KANA),
        address=one(NameOID.STREET_ADDRESS),
        birth_date=date(int(dob[:4]), int(dob[4:6]), int(dob[6:8])),
        sex="male" if gender == "M" else "female",
    )


def certificate_kind(cert: x509.Certificate) -> CardKind | None:
    """Which card certificate this is, from its certificate policy; None if neither."""
    try:
        policies = cert.extensions.get_extension_for_class(x509.CertificatePolicies).value
    except x509.ExtensionNotFound:
        return None
    ids = {p.policy_identifier for p in policies}
    if OID_POLICY_AUTH in ids:
        return "auth"
    if OID_POLICY_SIGN in ids:
        return "sign"
    return None


def _key_usage(*, signing: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=signing,  # nonRepudiation: a signature is a declaration of intent
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )


def issue_certificate(
    ca: CertificateAuthority,
    *,
    kind: CardKind,
    public_key: rsa.RSAPublicKey,
    facts: BasicFacts | None,
    not_before: datetime,
    not_after: datetime,
    crl_url: str,
    serial: int | None = None,
) -> x509.Certificate:
    """Sign one card certificate with the issuing CA."""
    serial = serial or x509.random_serial_number()
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
            x509.NameAttribute(
                NameOID.ORGANIZATIONAL_UNIT_NAME,
                "User Authentication" if kind == "auth" else "Digital Signature",
            ),
            x509.NameAttribute(NameOID.COMMON_NAME, format(serial, "X")),
        ]
    )
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca.issuing_cert.subject)
        .public_key(public_key)
        .serial_number(serial)
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(signing=kind == "sign"), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.issuing_key.public_key()), critical=False
        )
        .add_extension(
            x509.CRLDistributionPoints(
                [x509.DistributionPoint([x509.UniformResourceIdentifier(crl_url)], None, None, None)]
            ),
            critical=False,
        )
        .add_extension(
            x509.CertificatePolicies(
                [x509.PolicyInformation(OID_POLICY_AUTH if kind == "auth" else OID_POLICY_SIGN, None)]
            ),
            critical=False,
        )
    )
    if kind == "auth":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    else:
        if facts is None:
            raise ValueError("a signing certificate needs the basic facts")
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.DirectoryName(facts_name(facts))]), critical=False
        ).add_extension(directory_attributes(facts), critical=False)
    return builder.sign(ca.issuing_key, hashes.SHA256())
