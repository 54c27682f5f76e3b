"""NGSI-LD errors (ETSI GS CIM 009 V1.9.1 clause 5.5.2, ProblemDetails).

NGSI-LD clients and conformance suites look at the ``type`` URI
(``https://uri.etsi.org/ngsi-ld/errors/<ErrorType>``) and the HTTP status, so these
errors carry the ETSI type instead of the platform's ``urn:tenohira:problem:`` one.
The Japanese title rides along as an extension member, as everywhere in the platform.
"""

from __future__ import annotations

from typing import Any

ERROR_PREFIX = "https://uri.etsi.org/ngsi-ld/errors/"

# error type -> (HTTP status, English title, Japanese title)
_ERRORS: dict[str, tuple[int, str, str]] = {
    "InvalidRequest": (
        400,
        "The request associated to the operation is syntactically invalid",
        "リクエストの構文が正しくありません",
    ),
    "BadRequestData": (
        400,
        "The request includes input data which does not meet the requirements of the operation",
        "リクエストのデータが操作の要件を満たしていません",
    ),
    "AlreadyExists": (409, "The referred element already exists", "指定された要素は既に存在します"),
    "OperationNotSupported": (422, "The operation is not supported", "この操作には対応していません"),
    "ResourceNotFound": (
        404,
        "The referred resource has not been found",
        "指定されたリソースが見つかりません",
    ),
    "NonexistentTenant": (
        404,
        "The addressed tenant does not exist",
        "指定されたテナントは存在しません",
    ),
    "InternalError": (
        500,
        "There has been an error during the operation execution",
        "処理中にエラーが発生しました",
    ),
    "TooComplexQuery": (403, "The query is too complex", "問い合わせが複雑すぎます"),
    "TooManyResults": (403, "The query results in too many results", "結果が多すぎます"),
    "LdContextNotAvailable": (
        503,
        "A remote JSON-LD @context has not been able to be retrieved",
        "JSON-LD の @context を取得できませんでした",
    ),
    "NotAcceptable": (406, "The requested media type is not acceptable", "要求された形式では応答できません"),
    "UnsupportedMediaType": (
        415,
        "The media type of the request is not supported",
        "リクエストの形式には対応していません",
    ),
}


class NgsiError(Exception):
    """An NGSI-LD error; the router renders it as ProblemDetails with its HTTP status."""

    def __init__(self, error: str, detail: str, *, status: int | None = None) -> None:
        code, title, title_ja = _ERRORS[error]
        super().__init__(detail)
        self.error = error
        self.status = status or code
        self.title = title
        self.title_ja = title_ja
        self.detail = detail

    @property
    def type(self) -> str:
        return ERROR_PREFIX + self.error

    def body(self) -> dict[str, Any]:
        """The ProblemDetails JSON object."""
        return {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "title_ja": self.title_ja,
        }


def bad_request(detail: str) -> NgsiError:
    """400 BadRequestData: well-formed request whose data does not fit the operation."""
    return NgsiError("BadRequestData", detail)


def invalid_request(detail: str) -> NgsiError:
    """400 InvalidRequest: the request itself is malformed (e.g. not JSON)."""
    return NgsiError("InvalidRequest", detail)


def not_found(detail: str) -> NgsiError:
    """404 ResourceNotFound."""
    return NgsiError("ResourceNotFound", detail)


def already_exists(detail: str) -> NgsiError:
    """409 AlreadyExists."""
    return NgsiError("AlreadyExists", detail)
