"""The passkey settings page (issue #19): the resident's passkeys in words, and removing one.

The passkeys themselves are identity's (``/api/auth/passkeys``): this page reads the list and
removes through that API, in process, as every page does. Registering happens in the browser,
where the authenticator is: ``static/passkeys.js`` asks ``/api/auth/passkeys/registration-options``
(same origin, the session cookie), calls ``navigator.credentials.create`` and posts the answer
to ``POST /api/auth/passkeys``; the page then reloads with ``?added=1``. A passkey is added only
soon after a card login (identity's rule, :data:`~tenohira.identity.ENROL_WITHIN`): the
page says so instead of offering a button that would be refused.

Removing asks first, in words (``?remove=…`` shows the confirmation; no script needed), and the
removal is logged by identity (``passkey:removed``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tenohira.identity import ENROL_WITHIN
from tenohira.web.citizen import current, form_of, problem_page, to_login
from tenohira.web.i18n import translate
from tenohira.web.pages import language, render
from tenohira.web.platform_api import ApiError, PlatformApi

router = APIRouter(include_in_schema=False)

# Where a passkey is kept, by its authenticator's AAGUID (english name, japanese name), for the
# few providers most residents use; from the community list
# github.com/passkeydeveloper/passkey-authenticator-aaguids, which is meant for naming passkeys
# on settings pages. Any other model (or none told: attestation "none" often zeroes it) is named
# by number only.
PROVIDERS: dict[str, tuple[str, str]] = {
    "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4": ("Google Password Manager", "Google パスワード マネージャー"),
    "fbfc3007-154e-4ecc-8c0b-6e020557d7bd": ("iCloud Keychain", "iCloud キーチェーン"),
    "dd4ec289-e01d-41c9-bb89-70fa845d4bf2": ("iCloud Keychain", "iCloud キーチェーン"),
    "adce0002-35bc-c60a-648b-0b25f1f05503": ("Chrome on Mac", "Mac の Chrome"),
    "08987058-cadc-4b81-b6e1-30de50dcbe96": ("Windows Hello", "Windows Hello"),
    "9ddd1817-af5a-4672-a2b9-3e3dd95000a9": ("Windows Hello", "Windows Hello"),
    "6028b017-b1d4-4c02-b4b3-afcdafc96bb2": ("Windows Hello", "Windows Hello"),
    "53414d53-554e-4700-0000-000000000000": ("Samsung Pass", "Samsung Pass"),
    "bada5566-a7aa-401f-bd96-45619a55120d": ("1Password", "1Password"),
    "d548826e-79b4-db40-a3d8-11116f7e8349": ("Bitwarden", "Bitwarden"),
    "531126d6-e717-415c-9320-3d9aa6981239": ("Dashlane", "Dashlane"),
}


def _when(value: Any) -> datetime | None:
    if not value:
        return None
    at = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _view(raw: dict[str, Any], number: int, lang: str) -> dict[str, Any]:
    """One passkey for the page: its number in enrolment order, dates, and what kind it is."""
    reason = str(raw.get("revocation_reason") or "")
    provider = PROVIDERS.get(str(raw.get("aaguid") or "").lower())
    return {
        "provider": (provider[0] if lang == "en" else provider[1]) if provider else None,
        "id": str(raw["id"]),
        "number": number,
        "created_at": _when(raw.get("created_at")),
        "last_used_at": _when(raw.get("last_used_at")),
        "synced": bool(raw.get("backed_up")),
        "ended_at": _when(raw.get("revoked_at")),
        "ended_why": "removed"
        if reason == "removed"
        else ("card" if reason.startswith("card-") else "other"),
    }


def can_enrol(principal: Any, now: datetime | None = None) -> bool:
    """Whether identity would give registration options to this session (card, fresh)."""
    now = now or datetime.now(UTC)
    created = (
        principal.created_at if principal.created_at.tzinfo else principal.created_at.replace(tzinfo=UTC)
    )
    return bool(principal.method == "card" and principal.holder_ref and now - created <= ENROL_WITHIN)


@router.get("/settings/passkeys", response_class=HTMLResponse)
async def passkeys_page(request: Request) -> Response:
    principal = await current(request)
    if principal is None:
        return to_login(request)
    async with PlatformApi(request) as api:
        try:
            listed = await api.get("/api/auth/passkeys")
        except ApiError as exc:
            return problem_page(request, exc, principal, "settings")
    rows = list(reversed(listed.get("passkeys") or []))  # oldest first: numbers stay put
    lang = language(request)
    views = [_view(r, i, lang) for i, r in enumerate(rows, start=1)]
    active = [v for v in views if v["ended_at"] is None]
    ended = [v for v in views if v["ended_at"] is not None]
    flash = None
    if request.query_params.get("added"):
        flash = translate("passkey_added", lang)
    elif request.query_params.get("removed"):
        flash = translate("passkey_removed", lang)
    wanted = str(request.query_params.get("remove") or "")
    confirm = next((v for v in active if v["id"] == wanted), None)
    context = {
        "active": "settings",
        "passkeys": active,
        "ended": ended,
        "confirm": confirm,
        "can_enrol": can_enrol(principal),
        "enrol_minutes": int(ENROL_WITHIN.total_seconds() // 60),
        "flash": flash,
        "page_title": translate("passkeys_title", lang),
    }
    return render(request, "passkeys.html", context, principal=principal)


@router.post("/settings/passkeys/remove")
async def remove_passkey(request: Request) -> Response:
    """Remove one of the resident's passkeys (identity refuses another resident's: not found)."""
    principal = await current(request)
    if principal is None:
        return to_login(request)
    form = await form_of(request)
    passkey = str(form.get("passkey") or "")
    async with PlatformApi(request) as api:
        try:
            await api.call("DELETE", f"/api/auth/passkeys/{passkey}")
        except ApiError as exc:
            return problem_page(request, exc, principal, "settings")
    return RedirectResponse("/settings/passkeys?removed=1", status_code=303)
