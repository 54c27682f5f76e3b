"""OAuth 2.0 errors: the standard ``error`` codes (RFC 6749 §5.2, RFC 9126, RFC 9449, OIDC Core).

They are not problem+json: relying-party libraries read ``error`` / ``error_description``.
A Japanese description rides along as ``error_description_ja``.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class OAuthError(Exception):
    """An OAuth error answer (JSON at back-channel endpoints, a redirect at the front channel)."""

    error: str
    description: str
    description_ja: str = ""
    status: int = 400
    headers: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        super().__init__(f"{self.error}: {self.description}")

    def body(self) -> dict[str, str]:
        """The JSON body of the error."""
        out = {"error": self.error, "error_description": self.description}
        if self.description_ja:
            out["error_description_ja"] = self.description_ja
        return out


def invalid_request(description: str, ja: str = "リクエストが正しくありません。") -> OAuthError:
    """``invalid_request`` (400)."""
    return OAuthError("invalid_request", description, ja)


def invalid_client(description: str) -> OAuthError:
    """``invalid_client`` (401): the client could not be authenticated."""
    return OAuthError(
        "invalid_client",
        description,
        "クライアント認証に失敗しました。",
        status=401,
        headers={"WWW-Authenticate": 'Bearer realm="tenohira"'},
    )


def invalid_grant(description: str) -> OAuthError:
    """``invalid_grant`` (400): code or refresh token invalid, expired, used or not this client's."""
    return OAuthError("invalid_grant", description, "認可コードまたはリフレッシュトークンが無効です。")


def invalid_dpop_proof(description: str) -> OAuthError:
    """``invalid_dpop_proof`` (RFC 9449 §5, 400)."""
    return OAuthError("invalid_dpop_proof", description, "DPoP 証明が無効です。")
