"""Routes of the citizen web app that need no other module: settings, PWA files, static assets."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response

from tenohira.core.config import get_settings
from tenohira.identity import Principal, optional_principal
from tenohira.web.i18n import LANGUAGE_COOKIE, LANGUAGES, SIZE_COOKIE, SIZES, translate
from tenohira.web.pages import language, render
from tenohira.web.security import check_csrf

STATIC = Path(__file__).parent / "static"
STATIC_TYPES = {".css": "text/css", ".js": "text/javascript", ".svg": "image/svg+xml", ".png": "image/png"}

router = APIRouter(include_in_schema=False)


def _include_pages() -> None:
    from tenohira.web.citizen import router as citizen
    from tenohira.web.email_setting import router as email_setting
    from tenohira.web.inbox import router as inbox
    from tenohira.web.oidc_pages import router as oidc_pages
    from tenohira.web.passkey_setting import router as passkey_setting
    from tenohira.web.staff_pages import router as staff_pages
    from tenohira.web.supporters_pages import router as supporter_pages

    router.include_router(citizen)
    router.include_router(inbox)
    router.include_router(email_setting)
    router.include_router(passkey_setting)
    router.include_router(supporter_pages)
    router.include_router(staff_pages)
    router.include_router(oidc_pages)


@router.get("/static/{name}")
async def static(name: str) -> Response:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file() or path.suffix not in STATIC_TYPES:
        return Response(status_code=404)
    return FileResponse(
        path, media_type=STATIC_TYPES[path.suffix], headers={"Cache-Control": "public, max-age=3600"}
    )


DOCS_ASSETS = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon.png": "image/png",
}
DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tenohira API — OpenAPI</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css"><link rel="icon" href="/docs/assets/favicon.png">
</head><body><div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script><script src="/static/docs.js"></script>
</body></html>"""


@router.get("/docs", response_class=HTMLResponse)
async def api_docs() -> HTMLResponse:
    """The API reference (Swagger UI from the installed ``fastapi-offline`` package: no CDN, and no
    inline script, so the Content-Security-Policy stays ``script-src 'self'``)."""
    return HTMLResponse(DOCS_PAGE)


@router.get("/docs/assets/{name}")
async def api_docs_asset(name: str) -> Response:
    if name not in DOCS_ASSETS:
        return Response(status_code=404)
    import fastapi_offline

    path = Path(fastapi_offline.__file__).parent / "static" / name
    return FileResponse(
        path, media_type=DOCS_ASSETS[name], headers={"Cache-Control": "public, max-age=86400"}
    )


@router.get("/sw.js")
async def service_worker() -> Response:
    # Served from the root so that its scope is the whole app.
    return FileResponse(STATIC / "sw.js", media_type="text/javascript", headers={"Cache-Control": "no-cache"})


@router.get("/manifest.webmanifest")
async def manifest() -> JSONResponse:
    s = get_settings()
    return JSONResponse(
        {
            "name": f"{s.municipality_name_ja} くらしの窓口",
            "short_name": "手のひら",
            "lang": "ja",
            "start_url": "/",
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#0b57a4",
            "icons": [{"src": "/static/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "any"}],
        },
        media_type="application/manifest+json",
    )


@router.get("/offline", response_class=HTMLResponse)
async def offline(request: Request) -> HTMLResponse:
    return render(request, "offline.html")


@router.get("/settings", response_class=HTMLResponse)
async def settings_page(request: Request) -> HTMLResponse:
    principal: Principal | None = await _principal(request)
    context = {"active": "settings", "flash": saved_message(request)}
    return render(request, "settings.html", context, principal=principal)


@router.post("/settings")
async def save_settings(
    request: Request,
    csrf_token: str = Form(default=""),
    lang: str = Form(default="ja"),
    size: str = Form(default="normal"),
) -> Response:
    check_csrf(get_settings(), request, csrf_token)
    response = RedirectResponse("/settings?saved=1", status_code=303)
    year = 365 * 24 * 3600
    if lang in LANGUAGES:
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=year, samesite="lax")
    if size in SIZES:
        response.set_cookie(SIZE_COOKIE, size, max_age=year, samesite="lax")
    return response


async def page_principal(request: Request) -> Principal | None:
    """The logged-in principal of this browser, or None (its own short unit of work)."""
    from tenohira.core.db import get_database

    async with get_database().session() as session:
        return await optional_principal(request, session)


_principal = page_principal


def saved_message(request: Request) -> str | None:
    return translate("saved", language(request)) if request.query_params.get("saved") else None


_include_pages()
