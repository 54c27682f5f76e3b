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

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
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
    from tenohira.identity.passkeys import ENROL_WITHIN
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

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "ENROL_WITHIN": "tenohira.identity.passkeys",
        "ensure_ca": "tenohira.identity.ca",
        "Card": "tenohira.identity.card",
        "CardLocked": "tenohira.identity.card",
        "CardSimulator": "tenohira.identity.card",
        "InvalidSecretFormat": "tenohira.identity.card",
        "WrongSecret": "tenohira.identity.card",
        "check_password_format": "tenohira.identity.card",
        "check_pin_format": "tenohira.identity.card",
        "BasicFacts": "tenohira.identity.certificates",
        "facts_from_certificate": "tenohira.identity.certificates",
        "validity_end": "tenohira.identity.certificates",
        "SESSION_COOKIE": "tenohira.identity.dependencies",
        "current_principal": "tenohira.identity.dependencies",
        "optional_principal": "tenohira.identity.dependencies",
        "Refused": "tenohira.identity.errors",
        "CertificateStatus": "tenohira.identity.service",
        "IssuedCard": "tenohira.identity.service",
        "Principal": "tenohira.identity.service",
        "card_status": "tenohira.identity.service",
        "current_trust": "tenohira.identity.service",
        "issue_card": "tenohira.identity.service",
        "logout": "tenohira.identity.service",
        "principal_for_token": "tenohira.identity.service",
        "record_lockout": "tenohira.identity.service",
        "record_unlock": "tenohira.identity.service",
        "revoke_card": "tenohira.identity.service",
        "SignerInfo": "tenohira.identity.trust",
        "TrustCache": "tenohira.identity.trust",
        "TrustStore": "tenohira.identity.trust",
        "verify_document_signature": "tenohira.identity.trust",
    },
)

__all__ = [
    "ENROL_WITHIN",
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
