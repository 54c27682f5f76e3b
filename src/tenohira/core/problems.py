"""Errors as problem+json (RFC 9457), in English and Japanese.

Domain errors are exceptions that carry their HTTP status; the app renders them.
Every problem has a stable ``type`` URI (``urn:tenohira:problem:<slug>``), an English
``title``/``detail`` and Japanese ``title_ja``/``detail_ja`` extension members, and
field-level ``errors`` for invalid input.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

# FastAPI is loaded when a response is made, not by every importer of Problem (CLI start-up).
if TYPE_CHECKING:
    from fastapi import FastAPI, Request
    from fastapi.exceptions import RequestValidationError
    from fastapi.responses import JSONResponse, Response

PROBLEM_MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:tenohira:problem:"


@dataclass(frozen=True)
class FieldError:
    """One invalid field: where, and what is wrong, in both languages."""

    field: str
    message: str
    message_ja: str
    message_easy_ja: str | None = None  # やさしい日本語, where the check gives one

    def as_dict(self) -> dict[str, str]:
        out = {"field": self.field, "message": self.message, "message_ja": self.message_ja}
        if self.message_easy_ja:
            out["message_easy_ja"] = self.message_easy_ja
        return out


@dataclass
class Problem(Exception):
    """A domain error rendered as problem+json."""

    status: int
    slug: str
    title: str
    title_ja: str
    detail: str | None = None
    detail_ja: str | None = None
    errors: list[FieldError] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(self.detail or self.title)

    @property
    def type(self) -> str:
        return TYPE_PREFIX + self.slug

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "title_ja": self.title_ja,
        }
        if self.detail:
            body["detail"] = self.detail
        if self.detail_ja:
            body["detail_ja"] = self.detail_ja
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = [e.as_dict() for e in self.errors]
        body.update(self.extra)
        return body


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    """The HTTP response for ``problem``."""
    from fastapi.responses import JSONResponse

    return JSONResponse(
        problem.body(instance),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=problem.headers or None,
    )


_STATUS_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("bad-request", "Bad request", "リクエストが正しくありません"),
    401: ("unauthenticated", "Authentication required", "ログインが必要です"),
    403: ("forbidden", "Forbidden", "この操作は許可されていません"),
    404: ("not-found", "Not found", "見つかりません"),
    405: ("method-not-allowed", "Method not allowed", "この方法では利用できません"),
    409: ("conflict", "Conflict", "現在の状態ではこの操作はできません"),
    413: ("too-large", "Request too large", "リクエストが大きすぎます"),
    415: ("unsupported-media-type", "Unsupported media type", "この形式には対応していません"),
    422: ("invalid-input", "Invalid input", "入力内容に誤りがあります"),
    429: ("too-many-requests", "Too many requests", "リクエストが多すぎます"),
    500: ("internal-error", "Internal error", "内部エラーが発生しました"),
    503: ("unavailable", "Service unavailable", "現在ご利用いただけません"),
}


def from_status(status: int, detail: str | None = None) -> Problem:
    slug, title, title_ja = _STATUS_TEXT.get(status, ("error", "Error", "エラー"))
    return Problem(status=status, slug=slug, title=title, title_ja=title_ja, detail=detail)


_PYDANTIC_JA = {
    "missing": "必須項目です",
    "string_type": "文字列で入力してください",
    "int_parsing": "整数で入力してください",
    "int_type": "整数で入力してください",
    "float_parsing": "数値で入力してください",
    "date_from_datetime_parsing": "日付（YYYY-MM-DD）で入力してください",
    "date_parsing": "日付（YYYY-MM-DD）で入力してください",
    "string_too_long": "長すぎます",
    "string_too_short": "短すぎます",
    "string_pattern_mismatch": "形式が正しくありません",
    "literal_error": "選択肢から選んでください",
    "enum": "選択肢から選んでください",
    "json_invalid": "JSON の形式が正しくありません",
    "value_error": "値が正しくありません",
    "extra_forbidden": "この項目は受け付けません",
}


def validation_problem(exc: RequestValidationError) -> Problem:
    errors: list[FieldError] = []
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ()) if p not in ("body", "query", "path")]
        field_name = ".".join(loc) or "body"
        msg = str(err.get("msg", "invalid"))
        ctx_ja = None
        ctx = err.get("ctx") or {}
        if isinstance(ctx, dict) and isinstance(ctx.get("error"), Exception):
            ctx_ja = getattr(ctx["error"], "message_ja", None)
        errors.append(
            FieldError(
                field=field_name,
                message=msg,
                message_ja=ctx_ja or _PYDANTIC_JA.get(str(err.get("type")), "入力内容に誤りがあります"),
            )
        )
    return Problem(
        status=422,
        slug="invalid-input",
        title="Invalid input",
        title_ja="入力内容に誤りがあります",
        detail="; ".join(f"{e.field}: {e.message}" for e in errors),
        detail_ja="; ".join(f"{e.field}: {e.message_ja}" for e in errors),
        errors=errors,
    )


HtmlErrorPage = Callable[["Request", Problem], "Response"]
"""Renders a problem as an HTML page for a browser (the web layer gives it; core knows no pages)."""

_MACHINE_PREFIXES = ("/api/", "/hub/", "/agencies/", "/opendata/api/", "/ngsi-ld/", "/.well-known/")


def wants_html(request: Request) -> bool:
    """A browser asking for a page: a GET whose Accept puts HTML before JSON, outside the APIs.

    Decided by ``Accept`` (what a browser sends for navigation), so API clients keep problem+json.
    """
    if request.method not in ("GET", "HEAD") or request.url.path.startswith(_MACHINE_PREFIXES):
        return False
    accept = request.headers.get("accept", "")
    html = accept.find("text/html")
    if html < 0:
        return False
    json_at = accept.find("json")
    return json_at < 0 or html < json_at


def install_problem_handlers(app: FastAPI, html_page: HtmlErrorPage | None = None) -> None:
    """Make every error of ``app`` a problem+json response (an HTML page for browsers, if given)."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    def respond(request: Request, problem: Problem) -> Response:
        if html_page is not None and wants_html(request):
            return html_page(request, problem)
        return problem_response(problem, request.url.path)

    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Problem)
        return respond(request, exc)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        problem = from_status(exc.status_code, str(exc.detail) if exc.detail else None)
        if exc.headers:
            problem.headers = dict(exc.headers)
        return respond(request, problem)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(validation_problem(exc), request.url.path)

    async def on_unexpected(request: Request, exc: Exception) -> Response:
        import structlog

        structlog.get_logger("tenohira").exception("unhandled error", path=request.url.path)
        return respond(request, from_status(500))

    async def on_overflow(request: Request, exc: Exception) -> JSONResponse:
        # an integer from the request too large for the database's (a 36-digit offset); the
        # endpoints bound their numbers, this is the net under one that does not
        import structlog

        structlog.get_logger("tenohira").warning("number out of range", path=request.url.path, error=str(exc))
        return problem_response(
            Problem(
                400,
                "number-out-of-range",
                "A number in the request is out of range",
                "リクエストの数値が大きすぎます",
            ),
            request.url.path,
        )

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(OverflowError, on_overflow)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(Exception, on_unexpected)
