"""Why a certificate, signature or login is refused: one precise, bilingual reason each."""

from __future__ import annotations

from typing import Any

from tenohira.core.problems import Problem

# reason -> (HTTP status, title, title_ja, detail, detail_ja)
REASONS: dict[str, tuple[int, str, str, str, str]] = {
    "passkey-needs-card": (
        403,
        "A card login is needed first",
        "先にマイナンバーカードでログインしてください",
        "A passkey can be added only right after logging in with the My Number card.",
        "パスキーは、マイナンバーカードでログインした直後にだけ登録できます。",
    ),
    "passkey-challenge-unknown": (
        401,
        "Unknown passkey request",
        "パスキーの要求が見つかりません",
        "The passkey request was not issued by this server, or not for this session. Start again.",
        "このサーバーがこの利用のために発行した要求ではありません。最初からやり直してください。",
    ),
    "passkey-challenge-expired": (
        401,
        "Passkey request expired",
        "パスキーの要求の有効期限が切れています",
        "The passkey request has expired. Start again.",
        "パスキーの要求の有効期限が切れました。最初からやり直してください。",
    ),
    "passkey-challenge-replayed": (
        401,
        "Passkey request already used",
        "パスキーの要求はすでに使われています",
        "This passkey request has already been used. Each request can be used only once.",
        "このパスキーの要求はすでに使われています。要求は1回しか使えません。",
    ),
    "passkey-invalid": (
        401,
        "The passkey's answer was refused",
        "パスキーの応答を確認できませんでした",
        "The answer of the passkey could not be verified.",
        "パスキーの応答を確認できませんでした。もう一度お試しください。",
    ),
    "passkey-unknown": (
        401,
        "Unknown passkey",
        "登録されていないパスキーです",
        "This passkey is not registered here. Log in with the My Number card.",
        "このパスキーは登録されていません。マイナンバーカードでログインしてください。",
    ),
    "passkey-revoked": (
        401,
        "Passkey no longer valid",
        "このパスキーは使えなくなりました",
        "This passkey was removed, or the card it was bound to was revoked. Log in with the card.",
        "このパスキーは削除されたか、結び付いたカードが失効しました。カードでログインしてください。",
    ),
    "passkey-counter-regressed": (
        401,
        "Passkey counter went back",
        "パスキーの利用回数が戻っています",
        "The passkey's signature counter went back: it may have been copied. Log in with the card.",
        "パスキーの利用回数が前回より戻っています。複製された恐れがあるため、カードでログインしてください。",
    ),
    "challenge-unknown": (
        401,
        "Unknown challenge",
        "認証要求が見つかりません",
        "The challenge was not issued by this server. Ask for a new challenge and try again.",
        "このサーバーが発行した認証要求ではありません。もう一度ログインをやり直してください。",
    ),
    "challenge-foreign": (
        401,
        "Challenge for another service",
        "他のサービス向けの認証要求です",
        "The challenge was issued for another service, so it cannot be used to log in here.",
        "他のサービス向けに発行された認証要求のため、ここでは使えません。",
    ),
    "challenge-expired": (
        401,
        "Challenge expired",
        "認証要求の有効期限が切れています",
        "The challenge has expired. Ask for a new challenge and try again.",
        "認証要求の有効期限が切れました。もう一度ログインをやり直してください。",
    ),
    "challenge-replayed": (
        401,
        "Challenge already used",
        "認証要求はすでに使われています",
        "This challenge has already been used. Each challenge can be used only once.",
        "この認証要求はすでに使用されています。認証要求は1回しか使えません。",
    ),
    "certificate-malformed": (
        422,
        "Malformed certificate",
        "電子証明書の形式が正しくありません",
        "The certificate could not be read (malformed or truncated).",
        "電子証明書を読み取れませんでした（形式の誤りまたは途中で切れています）。",
    ),
    "certificate-untrusted": (
        401,
        "Certificate from an unknown authority",
        "信頼できない認証局の電子証明書です",
        "The certificate was not issued by the card certificate authority of this platform.",
        "この電子証明書は、本サービスが信頼する認証局から発行されたものではありません。",
    ),
    "certificate-expired": (
        401,
        "Certificate expired",
        "電子証明書の有効期限が切れています",
        "The certificate has expired. Renew it at the municipality counter.",
        "電子証明書の有効期限が切れています。市区町村の窓口で更新してください。",
    ),
    "certificate-not-yet-valid": (
        401,
        "Certificate not yet valid",
        "電子証明書はまだ有効ではありません",
        "The certificate is not valid yet.",
        "電子証明書の有効期間がまだ始まっていません。",
    ),
    "certificate-revoked": (
        401,
        "Certificate revoked",
        "電子証明書は失効しています",
        "The certificate has been revoked (for example, the card was reported lost).",
        "電子証明書は失効しています（カードの紛失届などによるものです）。",
    ),
    "certificate-wrong-kind": (
        401,
        "Wrong certificate",
        "使用する電子証明書が違います",
        "This certificate cannot be used for this purpose (authentication and signing use different ones).",
        "この用途には使えない電子証明書です（ログインには利用者証明用、署名には署名用を使います）。",
    ),
    "signature-invalid": (
        401,
        "Signature does not verify",
        "署名を検証できません",
        "The signature does not match the certificate and the signed data.",
        "署名が電子証明書または署名対象のデータと一致しません。",
    ),
    "signature-malformed": (
        422,
        "Malformed signature",
        "署名の形式が正しくありません",
        "The signature could not be read.",
        "署名データを読み取れませんでした。",
    ),
    "revocation-unknown": (
        503,
        "Revocation status unavailable",
        "失効情報を確認できません",
        "No current revocation list is available for this certificate's issuer, so it cannot be trusted now.",
        "この電子証明書の失効情報（CRL）が最新ではないため、現在は確認できません。",
    ),
}


class Refused(Problem):
    """A certificate, signature or challenge refused for one precise ``reason`` (see :data:`REASONS`)."""

    def __init__(self, reason: str, *, detail: str | None = None, **context: Any) -> None:
        status, title, title_ja, default_detail, detail_ja = REASONS[reason]
        super().__init__(
            status=status,
            slug=reason,
            title=title,
            title_ja=title_ja,
            detail=detail or default_detail,
            detail_ja=detail_ja,
            extra={"reason": reason},
        )
        self.reason = reason
        self.context = context
