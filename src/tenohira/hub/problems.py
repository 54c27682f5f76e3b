"""The hub's refusals: problem+json with a precise type, and nothing about the subject."""

from __future__ import annotations

from tenohira.core.problems import Problem

# slug -> (status, English title, Japanese title)
REFUSALS: dict[str, tuple[int, str, str]] = {
    "hub-unsigned": (401, "The request is not signed", "リクエストに署名がありません"),
    "hub-bad-signature": (401, "The signature does not verify", "署名を検証できません"),
    "hub-digest-mismatch": (
        400,
        "The body does not match its Content-Digest",
        "本文がダイジェストと一致しません",
    ),
    "hub-stale-date": (
        401,
        "The signature's creation time is outside the allowed window",
        "署名の作成時刻が許容範囲外です",
    ),
    "hub-replay": (401, "The signature nonce was already used", "同じ署名ノンスが再利用されました"),
    "hub-unknown-member": (401, "Unknown member", "登録されていないメンバーです"),
    "hub-member-suspended": (403, "The member is suspended", "メンバーは利用停止中です"),
    "hub-member-revoked": (403, "The member is revoked", "メンバーは失効しています"),
    "hub-certificate-invalid": (
        403,
        "The member certificate is not valid",
        "メンバー証明書が有効ではありません",
    ),
    "hub-unknown-service": (404, "Unknown service", "登録されていないサービスです"),
    "hub-method-mismatch": (
        405,
        "The service is not called with this method",
        "このメソッドでは呼び出せません",
    ),
    "hub-no-access-right": (
        403,
        "No access right for this service and purpose",
        "このサービスと目的に対するアクセス権がありません",
    ),
    "hub-unknown-subject": (404, "Unknown subject code", "対象者の符号が不明です"),
    "hub-role-required": (403, "The member may not do this", "このメンバーにはこの操作は許可されていません"),
    "hub-provider-unavailable": (502, "The provider did not answer", "提供元システムが応答しません"),
    "hub-provider-invalid": (
        502,
        "The provider's answer failed verification",
        "提供元システムの応答を検証できません",
    ),
    "hub-admin-unauthorized": (401, "Administrator token required", "管理者トークンが必要です"),
}

SIGNATURE_REASONS = {
    "unsigned": "hub-unsigned",
    "bad-signature": "hub-bad-signature",
    "digest-missing": "hub-digest-mismatch",
    "digest-mismatch": "hub-digest-mismatch",
}


class HubRefusal(Problem):
    """A refusal of the hub (or of a provider checking the hub)."""

    @classmethod
    def of(cls, slug: str, detail: str | None = None, detail_ja: str | None = None) -> HubRefusal:
        status, title, title_ja = REFUSALS[slug]
        return cls(
            status=status, slug=slug, title=title, title_ja=title_ja, detail=detail, detail_ja=detail_ja
        )
