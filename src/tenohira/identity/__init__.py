"""Card identity in the style of JPKI (公的個人認証).

Certificate authority, card issuance, the card simulator, challenge authentication,
document signatures and revocation. Public face:

- :class:`BasicFacts` — the four basic facts (基本4情報) plus the reading of the name.
- :func:`issue_card` → :class:`IssuedCard`; :func:`revoke_card`; :func:`card_status`.
- :class:`Card` (protocol) and :class:`CardSimulator` — the card in the resident's hand.
- :class:`TrustStore` (and :class:`TrustCache`, fetched from /pki/ and refreshed),
  :func:`verify_document_signature` → :class:`SignerInfo` — verification
  with only the CA certificates and the CRL (usable by an agency deployed apart).
- :func:`current_principal`, :func:`optional_principal` — FastAPI dependencies → :class:`Principal`.
- :func:`record_lockout`, :func:`record_unlock` — lock-out events for the transparency log.
- :func:`ensure_ca` — create the CA if missing (idempotent).
- :func:`principal_for_token`, :func:`logout`, :func:`current_trust` — for in-process relying
  parts (the OpenID Provider): a session's principal, ending it, the trust store with the CRL.
- Errors: :class:`Refused` (reason slugs), :class:`WrongSecret`, :class:`CardLocked`.
"""

from tenohira.identity.ca import ensure_ca
from tenohira.identity.card import (
    Card,
    CardLocked,
    CardSimulator,
    InvalidSecretFormat,
    WrongSecret,
    check_password_format,
    check_pin_format,
)
from tenohira.identity.certificates import BasicFacts, facts_from_certificate, validity_end
from tenohira.identity.dependencies import SESSION_COOKIE, current_principal, optional_principal
from tenohira.identity.errors import Refused
from tenohira.identity.service import (
    CertificateStatus,
    IssuedCard,
    Principal,
    card_status,
    current_trust,
    issue_card,
    logout,
    principal_for_token,
    record_lockout,
    record_unlock,
    revoke_card,
)
from tenohira.identity.trust import SignerInfo, TrustCache, TrustStore, verify_document_signature

__all__ = [
    "SESSION_COOKIE",
    "BasicFacts",
    "Card",
    "CardLocked",
    "CardSimulator",
    "CertificateStatus",
    "InvalidSecretFormat",
    "IssuedCard",
    "Principal",
    "Refused",
    "SignerInfo",
    "TrustCache",
    "TrustStore",
    "WrongSecret",
    "card_status",
    "check_password_format",
    "check_pin_format",
    "current_principal",
    "current_trust",
    "ensure_ca",
    "facts_from_certificate",
    "issue_card",
    "logout",
    "optional_principal",
    "principal_for_token",
    "record_lockout",
    "record_unlock",
    "revoke_card",
    "validity_end",
    "verify_document_signature",
]
