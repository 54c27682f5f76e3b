"""Verifiable credentials: SD-JWT (RFC 9901) issuance, presentation and verification.

Neutral ground: the hospital issues with it, the municipality verifies with it, the palm
presents with it; it imports no agency and no palm code.
"""

from tenohira.credentials.sdjwt import (
    ALG,
    KB_JWT_TYP,
    SD_JWT_TYP,
    CredentialRejected,
    Disclosure,
    IssuedSdJwt,
    VerifiedCredential,
    b64url,
    b64url_decode,
    generate_key,
    issue,
    jwk_thumbprint,
    key_from_jwk,
    parse_jwt,
    present,
    public_jwk,
    sd_hash_of,
    sign_jwt,
    split,
    verify,
)
from tenohira.credentials.trust import (
    IssuerMetadata,
    TrustList,
    load_trust_list,
    publish_issuer,
    trust_dir,
)

BIRTH_CERTIFICATE_VCT = "urn:tenohira:vct:birth-certificate:1"
"""Type of the digital birth certificate (出生証明書) credential."""

__all__ = [
    "ALG",
    "BIRTH_CERTIFICATE_VCT",
    "KB_JWT_TYP",
    "SD_JWT_TYP",
    "CredentialRejected",
    "Disclosure",
    "IssuedSdJwt",
    "IssuerMetadata",
    "TrustList",
    "VerifiedCredential",
    "b64url",
    "b64url_decode",
    "generate_key",
    "issue",
    "jwk_thumbprint",
    "key_from_jwk",
    "load_trust_list",
    "parse_jwt",
    "present",
    "public_jwk",
    "publish_issuer",
    "sd_hash_of",
    "sign_jwt",
    "split",
    "trust_dir",
    "verify",
]
