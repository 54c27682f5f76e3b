"""Who may use a route: every route of the platform declares its audience.

Audiences: ``public`` (anyone), ``resident`` (any person logged in with their card),
``supporter``, ``staff``, ``administrator`` (a role kept by :mod:`tenohira.supporters` for the
person's palm code), and ``member`` (a hub member: the request is signed and checked by the
hub gate of a mounted app; no person logs in there).

- Routes of this module declare and enforce with :func:`audience` (a FastAPI dependency):
  not logged in → 401 (API) or None for pages to redirect to the login page; logged in without
  the role → the same 404 as a page that does not exist.
- Routes of other modules are declared in :data:`DECLARED` (they enforce with identity's
  ``current_principal`` or are public by nature). ``tests/supporters/test_audience.py`` walks
  every route of the app and fails on any route declared nowhere, so a new route cannot
  appear without someone saying who it is for.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Request

from tenohira.core.config import get_settings
from tenohira.core.db import get_database
from tenohira.core.problems import Problem
from tenohira.identity import Principal, optional_principal
from tenohira.supporters.delegations import not_found, roles_of
from tenohira.supporters.models import Role

AUDIENCES = ("public", "resident", "supporter", "staff", "administrator", "member")
ROLE_AUDIENCES = ("supporter", "staff", "administrator")


@dataclass
class Actor:
    """The person calling a console route: their session, palm code and roles."""

    principal: Principal
    palm_code: str
    roles: list[Role] = field(default_factory=list)
    allowed: bool = True  # False only for pages: logged in, without the role (the page answers 404)

    def role(self, *names: str) -> Role | None:
        """Their role among ``names`` (first found), or None."""
        return next((r for r in self.roles if r.role in names), None)


def _unauthenticated() -> Problem:
    return Problem(
        status=401,
        slug="unauthenticated",
        title="Login required",
        title_ja="ログインが必要です",
        headers={"WWW-Authenticate": 'Bearer realm="tenohira"'},
    )


async def actor_of(request: Request) -> Actor | None:
    """The logged-in person with their palm code and roles (None when not logged in)."""
    # lazy for start-up cost: the supporters' face (and so `tenohira supporters`) imports this module
    from tenohira.palm import code_for_card

    async with get_database().session() as session:
        principal = await optional_principal(request, session)
    if principal is None:
        return None
    async with get_database().session() as session:
        code = await code_for_card(session, principal.card_serial)
    from tenohira.supporters.demo import ensure_demo_roles

    await ensure_demo_roles(get_settings(), principal.card_serial)
    async with get_database().session() as session:
        roles = await roles_of(session, code, principal.card_serial)
        session.expunge_all()
    return Actor(principal, code, roles)


def audience(*who: str, page: bool = False) -> Callable[[Request], Awaitable[Actor | None]]:
    """A dependency that declares and enforces who may use a route; it yields the :class:`Actor`.

    ``page=True``: a browser page; not logged in yields None (the page redirects to login), and
    an actor without the role comes with ``allowed=False`` (the page answers its 404 page).
    """
    unknown = set(who) - set(AUDIENCES)
    if unknown or not who:
        raise ValueError(f"unknown audience {unknown or who}")

    async def dependency(request: Request) -> Actor | None:
        if "public" in who:
            return None
        actor = await actor_of(request)
        if actor is None:
            if page:
                return None
            raise _unauthenticated()
        if "resident" in who:
            return actor
        if not actor.role(*who):
            if page:  # the page shows the same 404 page as for anything that does not exist
                actor.allowed = False
                return actor
            raise not_found()  # no hint that the route exists
        return actor

    dependency.__audience__ = frozenset(who)  # type: ignore[attr-defined]
    return dependency


def declared_audience(dependant: Any) -> frozenset[str] | None:
    """The audience a route's dependencies declare (walks sub-dependencies), or None."""
    for sub in getattr(dependant, "dependencies", []):
        marker = getattr(sub.call, "__audience__", None)
        if marker is not None:
            return frozenset(marker)
        found = declared_audience(sub)
        if found is not None:
            return found
    return None


# Routes of other modules: (method, path) -> audience. Keep in step when adding routes; the
# all-routes test tells you. Mounted apps (hub, agencies) are "member": the hub gate checks the
# signed request of a member; their public parts (keys, directory) are listed by the mount.
DECLARED: dict[tuple[str, str], str] = {
    **{
        (m, p): "public"
        for m, p in [
            ("GET", "/openapi.json"),
            ("GET", "/docs"),
            ("GET", "/docs/assets/{name}"),
            ("GET", "/docs/oauth2-redirect"),
            ("GET", "/redoc"),
            ("GET", "/healthz"),
            ("GET", "/readyz"),
            ("POST", "/api/auth/challenge"),
            ("POST", "/api/auth/login"),
            ("POST", "/api/auth/lockout"),
            ("POST", "/api/auth/passkeys/login-options"),
            ("POST", "/api/auth/passkeys/login"),
            ("GET", "/pki/"),
            ("GET", "/pki/{name}.pem"),
            ("GET", "/pki/crl/{name}.crl"),
            ("GET", "/api/audit/sth"),
            ("GET", "/api/audit/checkpoint"),
            # the OpenID Provider's protocol endpoints: relying parties authenticate themselves
            # (private_key_jwt, DPoP, bearer tokens) inside each endpoint, as RFC 6749 / OIDC define
            ("GET", "/.well-known/openid-configuration"),
            ("GET", "/.well-known/oauth-authorization-server"),
            ("GET", "/oidc/jwks"),
            ("POST", "/oidc/par"),
            ("GET", "/oidc/authorize"),
            ("POST", "/oidc/token"),
            ("GET", "/oidc/userinfo"),
            ("POST", "/oidc/userinfo"),
            ("POST", "/oidc/revoke"),
            ("POST", "/oidc/introspect"),
            ("GET", "/oidc/logout"),
            ("GET", "/oidc/error"),
            ("GET", "/api/audit/key"),
            ("GET", "/api/audit/proof/inclusion"),
            ("GET", "/api/audit/proof/consistency"),
            ("GET", "/api/audit/entries"),
            ("GET", "/api/audit/entries/{leaf_index}"),
            ("GET", "/api/vault/status"),
            ("GET", "/api/procedures"),
            ("GET", "/api/procedures/{procedure_id}"),
            ("POST", "/api/rules/explain"),
            ("GET", "/api/rules/parameters"),
            ("POST", "/api/assistant/understand"),
            ("GET", "/static/{name}"),
            ("GET", "/sw.js"),
            ("GET", "/manifest.webmanifest"),
            ("GET", "/offline"),
            ("GET", "/settings"),
            ("POST", "/settings"),
            ("GET", "/login"),
            ("POST", "/login"),
        ]
    },
    **{
        (m, p): "resident"
        for m, p in [
            ("POST", "/api/auth/logout"),
            ("POST", "/api/auth/passkeys/registration-options"),
            ("POST", "/api/auth/passkeys"),
            ("GET", "/api/auth/passkeys"),
            ("DELETE", "/api/auth/passkeys/{passkey_id}"),
            ("GET", "/api/oidc/releases"),
            ("GET", "/api/oidc/consents"),
            ("POST", "/api/oidc/consents/{client_id}/withdraw"),
            ("GET", "/oidc/consent/{request_id}"),
            ("POST", "/oidc/consent/{request_id}"),
            ("GET", "/oidc/consents"),
            ("POST", "/oidc/consents/{client_id}/withdraw"),
            ("GET", "/api/auth/me"),
            ("POST", "/api/applications/credentials/birth-certificate"),
            ("GET", "/api/applications/credentials/presentation-nonce"),
            ("POST", "/api/applications/bundles"),
            ("GET", "/api/applications/bundles/{bundle_id}"),
            ("PATCH", "/api/applications/bundles/{bundle_id}"),
            ("POST", "/api/applications/bundles/{bundle_id}/signature"),
            ("POST", "/api/applications"),
            ("GET", "/api/applications"),
            ("GET", "/api/applications/{application_id}"),
            ("PATCH", "/api/applications/{application_id}"),
            ("POST", "/api/applications/{application_id}/confirm"),
            ("GET", "/api/applications/{application_id}/manifest"),
            ("POST", "/api/applications/{application_id}/signature"),
            ("POST", "/api/applications/{application_id}/submit"),
            ("POST", "/api/applications/{application_id}/withdraw"),
            ("GET", "/api/applications/{application_id}/history"),
            ("GET", "/api/palm/contact"),
            ("PUT", "/api/palm/contact"),
            ("GET", "/api/palm/access-history"),
            ("GET", "/api/notices"),
            ("GET", "/api/notices/{notice_id}"),
            ("POST", "/api/notices/{notice_id}/dismiss"),
            ("GET", "/api/notify/inbox"),
            ("POST", "/api/notify/inbox/{message_id}/read"),
            ("POST", "/api/assistant/conversations"),
            ("POST", "/api/assistant/conversations/{conversation_id}/messages"),
            ("GET", "/api/assistant/conversations/{conversation_id}"),
            ("POST", "/logout"),
            ("GET", "/"),
            ("GET", "/bundles/new"),
            ("POST", "/bundles"),
            ("GET", "/bundles/{bundle_id}"),
            ("POST", "/bundles/{bundle_id}/answers"),
            ("POST", "/bundles/{bundle_id}/sign"),
            ("GET", "/birth"),
            ("POST", "/birth"),
            ("GET", "/applications/{application_id}/sign"),
            ("POST", "/applications/{application_id}/sign"),
            ("GET", "/applications"),
            ("GET", "/applications/{application_id}"),
            ("POST", "/applications/{application_id}/answers"),
            ("GET", "/access-history"),
            ("GET", "/assistant"),
            ("POST", "/assistant"),
            ("POST", "/help"),
            ("POST", "/notices/{notice_id}/dismiss"),
            ("GET", "/inbox"),
            ("POST", "/applications/{application_id}/delete"),
            ("GET", "/settings/email"),
            ("POST", "/settings/email"),
            ("POST", "/settings/email/verify"),
            ("GET", "/settings/passkeys"),
            ("POST", "/settings/passkeys/remove"),
            ("POST", "/inbox/{message_id}/read"),
        ]
    },
    # the hub delivers events signed as a member
    ("POST", "/api/palm/events"): "member",
    # the embedded demo's local mailbox; it answers 404 in production or with SMTP (notify/api.py)
    ("GET", "/api/notify/mailbox"): "public",
}
# Whole prefixes owned by one audience: open data and the city data broker are public by law
# (オープンデータ基本指針; NGSI-LD write access is the broker's own concern).
DECLARED_PREFIXES: dict[str, str] = {
    "/api/3/action/": "public",
    "/api/action/": "public",
    "/opendata": "public",
    "/ngsi-ld/v1/": "public",
}
MOUNTS: dict[str, str] = {
    "/hub": "member",
    "/agencies/municipality": "member",
    "/agencies/hospital": "member",
    "/agencies/insurer": "member",
    # the other cities of the demo world, each a member of its own (core.cities)
    "/agencies/cities": "member",
    # the witness: anyone may read its checkpoints; it cosigns only what the log's key signed
    "/witness": "public",
}


def audience_of_route(method: str, path: str, dependant: Any = None) -> str | frozenset[str] | None:
    """The audience of one route: its own declaration, else :data:`DECLARED`, else None."""
    own = declared_audience(dependant) if dependant is not None else None
    if own is not None:
        return own
    if (method, path) in DECLARED:
        return DECLARED[(method, path)]
    return next((a for prefix, a in DECLARED_PREFIXES.items() if path.startswith(prefix)), None)
