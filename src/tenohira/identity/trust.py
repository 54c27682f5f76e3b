"""Verification that needs only public material: the CA certificates and the current CRL.

An agency deployed apart from the platform builds a :class:`TrustStore` (from files, or with
:meth:`TrustStore.fetch` from ``/pki/``) and calls :func:`verify_document_signature`.

CMS (RFC 5652) SignedData is read with a small DER reader, because the ``cryptography``
library can build CMS signatures but not verify them.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa

from tenohira.identity.certificates import (
    BasicFacts,
    CardKind,
    FactsMissing,
    certificate_kind,
    facts_from_certificate,
    serial_hex,
)
from tenohira.identity.der import TLV, DERError, decode_oid, expect, parse_one
from tenohira.identity.errors import Refused

OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
OID_DATA = "1.2.840.113549.1.7.1"
OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
OID_SIGNING_TIME = "1.2.840.113549.1.9.5"
_DIGESTS: dict[str, hashes.HashAlgorithm] = {
    "2.16.840.1.101.3.4.2.1": hashes.SHA256(),
    "2.16.840.1.101.3.4.2.2": hashes.SHA384(),
    "2.16.840.1.101.3.4.2.3": hashes.SHA512(),
}
_RSA_SIG = {
    "1.2.840.113549.1.1.1",  # rsaEncryption (the digest comes from digestAlgorithm)
    "1.2.840.113549.1.1.11",
    "1.2.840.113549.1.1.12",
    "1.2.840.113549.1.1.13",
}
_ECDSA_SIG = {"1.2.840.10045.4.3.2", "1.2.840.10045.4.3.3", "1.2.840.10045.4.3.4"}


# -- the trust store ---------------------------------------------------------------------------


def load_certificate(data: bytes | str) -> x509.Certificate:
    """Parse a PEM or DER certificate; :class:`Refused` ("certificate-malformed") if it cannot be read."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            cert = x509.load_pem_x509_certificate(raw)
        else:
            cert = x509.load_der_x509_certificate(raw)
        # cryptography parses fields lazily; parse everything now, so that a damaged field is
        # refused here and not found later as an unexpected error.
        _ = (cert.subject, cert.issuer, cert.extensions, cert.public_key(), cert.not_valid_after_utc)
        _ = [e.value for e in cert.extensions]
        _check_signature_algorithms(cert.public_bytes(serialization.Encoding.DER))
    except Exception as exc:  # cryptography raises ValueError and several x509-specific types
        raise Refused("certificate-malformed") from exc
    return cert


def _check_signature_algorithms(der: bytes) -> None:
    # The outer signatureAlgorithm is not covered by the issuer's signature; RFC 5280 §4.1.1.2
    # requires it to equal the signed one, else the same certificate exists in several spellings.
    certificate = expect(parse_one(der)[0], 0x30, "Certificate").children()
    tbs = expect(certificate[0], 0x30, "tbsCertificate").children()
    inner = tbs[2] if tbs[0].tag == 0xA0 else tbs[1]
    if certificate[1].raw != inner.raw:
        raise DERError("signatureAlgorithm differs from tbsCertificate.signature")


def _load_pem_certificates(pem: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem)


@dataclass
class TrustStore:
    """The CA certificates a verifier trusts, and the CRLs it currently holds."""

    roots: list[x509.Certificate]
    intermediates: list[x509.Certificate] = field(default_factory=list)
    crls: list[x509.CertificateRevocationList] = field(default_factory=list)
    # Verified links between CA certificates of this store (id of child -> issuer). They never
    # change, so their signatures are checked once; card certificates are checked every time.
    _ca_links: dict[int, x509.Certificate] = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def from_pem(cls, chain_pem: bytes, crls: Iterable[bytes] = ()) -> TrustStore:
        """From a PEM bundle of CA certificates (self-signed ones are roots) and DER/PEM CRLs."""
        roots: list[x509.Certificate] = []
        intermediates: list[x509.Certificate] = []
        for cert in _load_pem_certificates(chain_pem):
            (roots if cert.subject == cert.issuer else intermediates).append(cert)
        if not roots:
            raise ValueError("no root certificate in the bundle")
        store = cls(roots, intermediates)
        for crl in crls:
            store.add_crl(crl)
        return store

    @classmethod
    async def fetch(cls, base_url: str, *, http_timeout: float = 10.0, transport: Any = None) -> TrustStore:
        """Download ``/pki/ca-chain.pem`` and every CRL listed at ``/pki/`` from the platform.

        ``transport``: an ``httpx`` transport (e.g. ``httpx.ASGITransport`` in-process).
        """
        import httpx

        base = base_url.rstrip("/")
        async with httpx.AsyncClient(timeout=http_timeout, transport=transport) as client:
            chain = await client.get(f"{base}/pki/ca-chain.pem")
            chain.raise_for_status()
            index = await client.get(f"{base}/pki/")
            index.raise_for_status()
            crls = []
            for url in index.json().get("crls", []):
                # The index names public URLs; fetch them from the same place as the index.
                path = url.split("/pki/", 1)[1] if "/pki/" in url else url
                resp = await client.get(f"{base}/pki/{path}")
                resp.raise_for_status()
                crls.append(resp.content)
        return cls.from_pem(chain.content, crls)

    def add_crl(self, data: bytes) -> x509.CertificateRevocationList:
        """Add (or replace with a newer) CRL after checking that a trusted CA signed it."""
        crl = (
            x509.load_pem_x509_crl(data)
            if data.lstrip().startswith(b"-----BEGIN")
            else x509.load_der_x509_crl(data)
        )
        issuer = next(
            (
                c
                for c in self.roots + self.intermediates
                if c.subject == crl.issuer and crl.is_signature_valid(c.public_key())  # type: ignore[arg-type]
            ),
            None,
        )
        if issuer is None:
            raise ValueError("CRL not signed by a trusted CA")
        self.crls = [c for c in self.crls if c.issuer != crl.issuer] + [crl]
        return crl

    def _issuer_of(self, cert: x509.Certificate) -> x509.Certificate | None:
        for candidate in self.intermediates + self.roots:
            if candidate.subject != cert.issuer:
                continue
            try:
                cert.verify_directly_issued_by(candidate)
            except (ValueError, TypeError, InvalidSignature):
                continue
            try:
                bc = candidate.extensions.get_extension_for_class(x509.BasicConstraints).value
            except x509.ExtensionNotFound:
                continue
            if bc.ca:
                return candidate
        return None

    def verify_chain(
        self,
        cert: x509.Certificate,
        *,
        now: datetime | None = None,
        kind: CardKind | None = None,
        check_revocation: bool = True,
    ) -> list[x509.Certificate]:
        """Check issuer signatures up to a trusted root, validity at ``now``, kind and revocation.

        Returns the path (leaf first). Raises :class:`Refused` with the first reason found.
        """
        now = now or datetime.now(UTC)
        try:
            is_ca = cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
        except x509.ExtensionNotFound:
            is_ca = False
        if is_ca:
            # A CA certificate presented as a card certificate.
            raise Refused("certificate-untrusted", serial=serial_hex(cert))
        path = [cert]
        current = cert
        # Issuers come from this store's own lists, so identity tells a root from an intermediate.
        while not any(current is r for r in self.roots):
            issuer = self._ca_links.get(id(current))
            if issuer is None:
                issuer = self._issuer_of(current)
                if issuer is None or len(path) > 4:
                    raise Refused("certificate-untrusted", serial=serial_hex(cert))
                if any(current is i for i in self.intermediates):
                    self._ca_links[id(current)] = issuer
            path.append(issuer)
            current = issuer
        for c in path:
            if now < c.not_valid_before_utc:
                raise Refused("certificate-not-yet-valid", serial=serial_hex(cert))
            if now > c.not_valid_after_utc:
                raise Refused("certificate-expired", serial=serial_hex(cert))
        if kind is not None and certificate_kind(cert) != kind:
            raise Refused("certificate-wrong-kind", serial=serial_hex(cert))
        if check_revocation:
            self.check_revocation(cert, path[1], now=now)
        return path

    def check_revocation(self, cert: x509.Certificate, issuer: x509.Certificate, *, now: datetime) -> None:
        """Refuse a revoked certificate; fail closed when no current CRL of its issuer is held."""
        crl = next((c for c in self.crls if c.issuer == issuer.subject), None)
        if crl is None or (crl.next_update_utc is not None and crl.next_update_utc < now):
            raise Refused("revocation-unknown", serial=serial_hex(cert))
        if crl.get_revoked_certificate_by_serial_number(cert.serial_number) is not None:
            raise Refused("certificate-revoked", serial=serial_hex(cert))


class TrustCache:
    """A :class:`TrustStore` fetched from the platform's ``/pki/`` and kept for ``max_age`` seconds.

    For a relying party that verifies many signatures: one fetch per ``max_age`` (and sooner when
    a CRL comes within a minute of its nextUpdate), shared by concurrent callers.
    """

    def __init__(self, base_url: str, *, max_age: float = 60.0, transport: Any = None) -> None:
        self.base_url = base_url
        self.max_age = max_age
        self.transport = transport
        self._store: TrustStore | None = None
        self._fetched = 0.0
        self._lock = asyncio.Lock()

    def _fresh(self) -> bool:
        if self._store is None or time.monotonic() - self._fetched >= self.max_age:
            return False
        soon = datetime.now(UTC) + timedelta(minutes=1)
        return all(c.next_update_utc is None or c.next_update_utc > soon for c in self._store.crls)

    async def get(self) -> TrustStore:
        """The current trust store, fetched again when stale."""
        if self._fresh():
            assert self._store is not None
            return self._store
        async with self._lock:
            if not self._fresh():
                self._store = await TrustStore.fetch(self.base_url, transport=self.transport)
                self._fetched = time.monotonic()
            assert self._store is not None
            return self._store

    def invalidate(self) -> None:
        """Forget the store (the next :meth:`get` fetches)."""
        self._store = None


# -- signatures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignerInfo:
    """Who signed: the signing certificate's serial, the four basic facts and the certificate."""

    serial: str
    facts: BasicFacts
    certificate_pem: bytes
    signing_time: datetime | None = None


def verify_raw_signature(cert: x509.Certificate, signature: bytes, data: bytes) -> None:
    """Verify a PKCS#1 v1.5 / ECDSA signature with SHA-256 by the certificate's key."""
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            raise Refused("signature-invalid", detail="Unsupported key type.")
    except InvalidSignature as exc:
        raise Refused("signature-invalid", serial=serial_hex(cert)) from exc


def _pem_or_der(signature: bytes) -> bytes:
    text = signature.lstrip()
    if text.startswith(b"-----BEGIN"):
        lines = [ln for ln in text.splitlines() if ln and not ln.startswith(b"-----")]
        return base64.b64decode(b"".join(lines), validate=True)
    return signature


@dataclass(frozen=True)
class _ParsedCMS:
    certificates: list[x509.Certificate]
    sid_issuer_serial: tuple[bytes, int] | None
    sid_ski: bytes | None
    digest: hashes.HashAlgorithm
    signed_attrs: TLV | None
    signature_alg: str
    signature: bytes


def _parse_cms(blob: bytes) -> _ParsedCMS:
    content_info = expect(parse_one(blob)[0], 0x30, "ContentInfo").children()
    if decode_oid(expect(content_info[0], 0x06, "contentType").content) != OID_SIGNED_DATA:
        raise DERError("not SignedData")
    signed_data = expect(expect(content_info[1], 0xA0, "content").children()[0], 0x30, "SignedData")
    items = signed_data.children()
    version = expect(items[0], 0x02, "version")
    if version.content not in (b"\x01", b"\x03"):
        raise DERError("unsupported SignedData version")
    expect(items[1], 0x31, "digestAlgorithms")
    encap = expect(items[2], 0x30, "encapContentInfo").children()
    if decode_oid(encap[0].content) != OID_DATA or len(encap) > 1:
        raise DERError("expected a detached signature over id-data")
    certificates: list[x509.Certificate] = []
    signer_infos: TLV | None = None
    for item in items[3:]:
        if item.tag == 0xA0:
            certificates = [load_certificate(c.raw) for c in item.children()]
        elif item.tag == 0x31:
            signer_infos = item
    if signer_infos is None or len(signer_infos.children()) != 1:
        raise DERError("expected exactly one SignerInfo")
    si = expect(signer_infos.children()[0], 0x30, "SignerInfo").children()
    expect(si[0], 0x02, "SignerInfo version")
    sid = si[1]
    sid_issuer_serial = None
    sid_ski = None
    if sid.tag == 0x30:
        issuer, serial = sid.children()
        sid_issuer_serial = (issuer.raw, int.from_bytes(serial.content, "big", signed=True))
    elif sid.tag == 0x80:
        sid_ski = sid.content
    else:
        raise DERError("unknown signer identifier")
    digest_oid = decode_oid(si[2].children()[0].content)
    if digest_oid not in _DIGESTS:
        raise DERError(f"unsupported digest {digest_oid}")
    rest = si[3:]
    signed_attrs = rest[0] if rest and rest[0].tag == 0xA0 else None
    if signed_attrs is not None:
        rest = rest[1:]
    sig_alg = decode_oid(expect(rest[0], 0x30, "signatureAlgorithm").children()[0].content)
    signature = expect(rest[1], 0x04, "signature").content
    return _ParsedCMS(
        certificates, sid_issuer_serial, sid_ski, _DIGESTS[digest_oid], signed_attrs, sig_alg, signature
    )


def _signer_certificate(cms: _ParsedCMS, extra: Iterable[x509.Certificate]) -> x509.Certificate:
    for cert in [*cms.certificates, *extra]:
        if cms.sid_issuer_serial is not None:
            issuer_der, serial = cms.sid_issuer_serial
            if cert.serial_number == serial and cert.issuer.public_bytes() == issuer_der:
                return cert
        elif cms.sid_ski is not None:
            try:
                ski = cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
            except x509.ExtensionNotFound:
                continue
            if ski == cms.sid_ski:
                return cert
    raise Refused("signature-invalid", detail="The signer's certificate is not in the signature.")


def _verify_cms_signature(cms: _ParsedCMS, cert: x509.Certificate, data: bytes) -> datetime | None:
    digest = hashlib.new(cms.digest.name, data).digest()
    signing_time: datetime | None = None
    if cms.signed_attrs is not None:
        attrs: dict[str, TLV] = {}
        for attr in cms.signed_attrs.children():
            oid_item, values = attr.children()
            attrs[decode_oid(oid_item.content)] = values
        md = attrs.get(OID_MESSAGE_DIGEST)
        ct = attrs.get(OID_CONTENT_TYPE)
        if md is None or ct is None or decode_oid(ct.children()[0].content) != OID_DATA:
            raise Refused(
                "signature-malformed", detail="Signed attributes lack contentType or messageDigest."
            )
        if not hmac.compare_digest(md.children()[0].content, digest):
            raise Refused("signature-invalid", serial=serial_hex(cert))
        st = attrs.get(OID_SIGNING_TIME)
        if st is not None:
            signing_time = _parse_time(st.children()[0])
        # The signature covers the DER of the attributes as a SET (tag 0x31), not as [0].
        to_verify = b"\x31" + cms.signed_attrs.raw[1:]
    else:
        to_verify = data
    key = cert.public_key()
    try:
        if isinstance(key, rsa.RSAPublicKey) and cms.signature_alg in _RSA_SIG:
            key.verify(cms.signature, to_verify, padding.PKCS1v15(), cms.digest)
        elif isinstance(key, ec.EllipticCurvePublicKey) and cms.signature_alg in _ECDSA_SIG:
            key.verify(cms.signature, to_verify, ec.ECDSA(cms.digest))
        else:
            raise Refused(
                "signature-malformed", detail=f"Unsupported signature algorithm {cms.signature_alg}."
            )
    except InvalidSignature as exc:
        raise Refused("signature-invalid", serial=serial_hex(cert)) from exc
    return signing_time


def _parse_time(item: TLV) -> datetime | None:
    text = item.content.decode("ascii", "replace")
    try:
        if item.tag == 0x17:  # UTCTime YYMMDDHHMMSSZ
            return datetime.strptime(text, "%y%m%d%H%M%SZ").replace(tzinfo=UTC)
        if item.tag == 0x18:
            return datetime.strptime(text, "%Y%m%d%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None
    return None


def verify_document_signature(
    data: bytes,
    signature: bytes,
    *,
    trust: TrustStore,
    now: datetime | None = None,
    certificate: bytes | None = None,
) -> SignerInfo:
    """Verify a detached CMS signature (DER or PEM) over ``data`` made with a card's signing key.

    Checks the signature, the chain to a trusted root, validity at ``now``, that the certificate
    is a signing certificate, and revocation against the trust store's CRL. ``certificate``
    (PEM/DER) is needed only when the signature does not embed it. Raises :class:`Refused`.
    """
    try:
        cms = _parse_cms(_pem_or_der(signature))
    except (DERError, ValueError, IndexError, TypeError) as exc:
        raise Refused("signature-malformed") from exc
    extra = [load_certificate(certificate)] if certificate else []
    try:
        # cryptography parses certificate fields lazily: a damaged embedded certificate raises
        # ValueError on first use, anywhere below. A Refused passes through untouched.
        cert = _signer_certificate(cms, extra)
        signing_time = _verify_cms_signature(cms, cert, data)
        trust.verify_chain(cert, now=now, kind="sign")
        try:
            facts = facts_from_certificate(cert)
        except FactsMissing as exc:
            raise Refused(
                "certificate-wrong-kind", detail=f"No basic facts in the certificate: {exc}."
            ) from exc
    except (DERError, IndexError, ValueError, TypeError) as exc:
        raise Refused("signature-malformed") from exc
    return SignerInfo(
        serial=serial_hex(cert),
        facts=facts,
        certificate_pem=cert.public_bytes(serialization.Encoding.PEM),
        signing_time=signing_time,
    )
