"""The OpenID Provider: the card as the trust anchor for other services.

OpenID Connect with デジタル認証アプリ's profile (code flow only; PKCE S256, state and nonce
mandatory; private_key_jwt) and FAPI 2.0's additions (PAR, DPoP, exact redirect URIs, pairwise
subjects, ``iss`` in the authorization response). See docs/identity-provider.md. Public face:

- :data:`router` — the HTTP endpoints (mounted by the platform).
- Relying parties: :func:`add_client`, :func:`list_clients`, :func:`remove_client`, :class:`ClientInfo`.
- The consent screen (tenohira.web.oidc_pages): :func:`pending` → :class:`PendingRequest`,
  :func:`consent_statement`, :func:`approve`, :func:`deny`.
- The resident's view: :func:`releases_of`, :func:`consents_of`, :func:`withdraw`.
- :func:`discovery`, :func:`rotate_keys`; :class:`OAuthError`.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.oidc.api import router
    from tenohira.oidc.clients import FACT_SCOPES, ClientInfo, add_client, list_clients, remove_client
    from tenohira.oidc.errors import OAuthError
    from tenohira.oidc.keys import rotate as rotate_keys
    from tenohira.oidc.service import (
        ConsentEntry,
        PendingRequest,
        ReleaseEntry,
        approve,
        consent_statement,
        consents_of,
        deny,
        discovery,
        pending,
        releases_of,
        withdraw,
    )

_SERVICE = "tenohira.oidc.service"
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "router": "tenohira.oidc.api",
        "FACT_SCOPES": "tenohira.oidc.clients",
        "ClientInfo": "tenohira.oidc.clients",
        "add_client": "tenohira.oidc.clients",
        "list_clients": "tenohira.oidc.clients",
        "remove_client": "tenohira.oidc.clients",
        "OAuthError": "tenohira.oidc.errors",
        "rotate_keys": "tenohira.oidc.keys:rotate",
        **{
            name: _SERVICE
            for name in (
                "ConsentEntry",
                "PendingRequest",
                "ReleaseEntry",
                "approve",
                "consent_statement",
                "consents_of",
                "deny",
                "discovery",
                "pending",
                "releases_of",
                "withdraw",
            )
        },
    },
)

__all__ = [
    "FACT_SCOPES",
    "ClientInfo",
    "ConsentEntry",
    "OAuthError",
    "PendingRequest",
    "ReleaseEntry",
    "add_client",
    "approve",
    "consent_statement",
    "consents_of",
    "deny",
    "discovery",
    "list_clients",
    "pending",
    "releases_of",
    "remove_client",
    "rotate_keys",
    "router",
    "withdraw",
]
