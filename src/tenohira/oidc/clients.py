"""Relying parties, registered by an operator after review (``tenohira oidc client add``)."""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.audit import append_event
from tenohira.core.problems import FieldError, Problem
from tenohira.oidc.models import OidcClient

FACT_SCOPES = ("name", "address", "birthdate", "gender")
SUPPORTED_SCOPES = ("openid", *FACT_SCOPES, "sign")


def _invalid(field: str, message: str, message_ja: str) -> Problem:
    return Problem(
        status=422,
        slug="invalid-client-registration",
        title="Invalid relying-party registration",
        title_ja="連携先の登録内容が正しくありません",
        detail=message,
        detail_ja=message_ja,
        errors=[FieldError(field, message, message_ja)],
    )


@dataclass(frozen=True)
class ClientInfo:
    """A registered relying party as the operator sees it."""

    client_id: str
    name_ja: str
    name_en: str
    redirect_uris: list[str]
    post_logout_redirect_uris: list[str]
    scopes: list[str]
    require_par: bool
    require_dpop: bool
    key_ids: list[str]
    created_at: datetime


def _info(row: OidcClient) -> ClientInfo:
    keys = json.loads(row.jwks).get("keys", [])
    return ClientInfo(
        row.client_id,
        row.name_ja,
        row.name_en,
        json.loads(row.redirect_uris),
        json.loads(row.post_logout_redirect_uris),
        row.scopes.split(),
        row.require_par,
        row.require_dpop,
        [str(k.get("kid", "")) for k in keys],
        row.created_at,
    )


def _check_uri(field: str, uri: str) -> None:
    parts = urlsplit(uri)
    local = parts.hostname in ("localhost", "127.0.0.1", "::1")
    if parts.scheme not in ("https", "http") or (parts.scheme == "http" and not local):
        raise _invalid(field, f"{uri}: https only (http only for localhost)", f"{uri}: https のみ使えます")
    if parts.fragment or not parts.netloc:
        raise _invalid(
            field, f"{uri}: an absolute URI without fragment", f"{uri}: 絶対 URI（# なし）にしてください"
        )


def _new_client_id() -> str:
    # never twelve digits in a row: the transparency log would take them for a 個人番号
    while True:
        value = "rp-" + secrets.token_hex(8)
        if not re.search(r"[0-9]{12}", value):
            return value


async def add_client(
    session: AsyncSession,
    *,
    name_ja: str,
    name_en: str,
    redirect_uris: list[str],
    jwks: dict[str, object],
    scopes: list[str],
    post_logout_redirect_uris: list[str] | None = None,
    require_par: bool = True,
    require_dpop: bool = False,
    client_id: str | None = None,
    backchannel_logout_uri: str | None = None,
    actor: str = "operator",
) -> ClientInfo:
    """Register a relying party; its redirect URIs are matched exactly, its scopes are a ceiling."""
    if not redirect_uris:
        raise _invalid(
            "redirect_uri", "at least one redirect URI", "リダイレクト URI を一つ以上指定してください"
        )
    for uri in [
        *redirect_uris,
        *(post_logout_redirect_uris or []),
        *([backchannel_logout_uri] if backchannel_logout_uri else []),
    ]:
        _check_uri("redirect_uri", uri)
    unknown = [s for s in scopes if s not in SUPPORTED_SCOPES]
    if unknown or "openid" not in scopes:
        raise _invalid(
            "scope",
            f"scopes must include openid and be among {' '.join(SUPPORTED_SCOPES)}",
            "スコープには openid を含め、name address birthdate gender sign から選んでください",
        )
    try:
        keyset = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise _invalid("jwks", f"not a readable JWKS ({exc})", "JWKS が読めません") from exc
    listed = jwks.get("keys")
    originals = [k for k in listed if isinstance(k, dict)] if isinstance(listed, list) else []
    public = [k.as_dict(private=False) for k in keyset.keys]
    if not public or any("d" in k for k in originals):
        raise _invalid("jwks", "give the client's public keys only", "公開鍵だけを登録してください")
    for key, original in zip(public, originals, strict=False):
        if original.get("kid"):
            key["kid"] = original["kid"]
    client_id = client_id or _new_client_id()
    if await session.get(OidcClient, client_id) is not None:
        raise _invalid(
            "client_id", f"{client_id} is already registered", f"{client_id} はすでに登録されています"
        )
    host = urlsplit(redirect_uris[0]).hostname or client_id
    row = OidcClient(
        client_id=client_id,
        name_ja=name_ja,
        name_en=name_en,
        redirect_uris=json.dumps(redirect_uris),
        post_logout_redirect_uris=json.dumps(post_logout_redirect_uris or []),
        scopes=" ".join(dict.fromkeys(scopes)),
        jwks=json.dumps({"keys": public}),
        # one sector per registered client: two clients of the same company still get different
        # subjects (no linkage), as デジタル認証アプリ gives none across services
        sector=f"{host}#{client_id}",
        require_par=require_par,
        require_dpop=require_dpop,
        backchannel_logout_uri=backchannel_logout_uri,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    await append_event(
        session,
        type="oidc:client:added",
        actor=actor,
        subject=client_id,
        attributes={"scopes": row.scopes, "redirect_uris": row.redirect_uris},
    )
    return _info(row)


async def list_clients(session: AsyncSession) -> list[ClientInfo]:
    """The registered (not removed) relying parties."""
    rows = await session.scalars(
        select(OidcClient).where(OidcClient.removed_at.is_(None)).order_by(OidcClient.created_at)
    )
    return [_info(r) for r in rows]


async def get_client(session: AsyncSession, client_id: str) -> OidcClient | None:
    """A registered, not removed, relying party."""
    row = await session.get(OidcClient, client_id)
    return row if row is not None and row.removed_at is None else None


async def remove_client(session: AsyncSession, client_id: str, *, actor: str = "operator") -> bool:
    """Remove a relying party: it can no longer authenticate, and its tokens stop working."""
    row = await get_client(session, client_id)
    if row is None:
        return False
    row.removed_at = datetime.now(UTC)
    await append_event(session, type="oidc:client:removed", actor=actor, subject=client_id)
    return True
