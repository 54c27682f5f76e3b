# ruff: noqa: E501  (texts read better whole)
"""Texts of the supporter and staff consoles and the resident's delegation page (ja, en, easy_ja).

Kept beside the web's own messages so the consoles can change without touching the citizen
pages. Easy Japanese (やさしい日本語) uses furigana markup ``{漢字|かんじ}`` like the rest of the app.
"""

from __future__ import annotations

from markupsafe import Markup

from tenohira.web.i18n import Language, ruby

TEXTS: dict[str, dict[str, str]] = {
    "delegations_title": {
        "ja": "支援員への委任",
        "en": "Your supporters",
        "easy_ja": "{手伝|てつだ}ってくれる{人|ひと}",
    },
    "delegations_intro": {
        "ja": "登録された支援員に、手続を見てもらう・代わりに準備してもらうことができます。署名はいつもあなたのカードで行います。いつでも取り消せます。",
        "en": "Let a registered supporter see or prepare procedures for you. You always sign with your own card. You can revoke at any time.",
        "easy_ja": "{手続|てつづき}を{手伝|てつだ}ってもらえます。サインは いつも あなたの カードで します。いつでも やめられます。",
    },
    "grant": {"ja": "委任する", "en": "Grant", "easy_ja": "おねがいする"},
    "revoke": {"ja": "取り消す", "en": "Revoke", "easy_ja": "やめる"},
    "supporter": {"ja": "支援員", "en": "Supporter", "easy_ja": "{手伝|てつだ}う{人|ひと}"},
    "procedures": {"ja": "手続", "en": "Procedures", "easy_ja": "{手続|てつづき}"},
    "mode": {"ja": "できること", "en": "What they may do", "easy_ja": "できること"},
    "mode_read": {"ja": "見るだけ", "en": "See only", "easy_ja": "{見|み}るだけ"},
    "mode_file": {
        "ja": "代わりに準備（署名はあなた）",
        "en": "Prepare for me (I sign)",
        "easy_ja": "{準備|じゅんび}もする（サインは あなた）",
    },
    "expires": {"ja": "期限", "en": "Until", "easy_ja": "いつまで"},
    "state": {"ja": "状態", "en": "State", "easy_ja": "いま"},
    "state_active": {"ja": "有効", "en": "Active", "easy_ja": "つかえる"},
    "state_revoked": {"ja": "取消済み", "en": "Revoked", "easy_ja": "やめた"},
    "state_ended": {"ja": "終了", "en": "Ended", "easy_ja": "おわった"},
    "none": {"ja": "まだありません。", "en": "None yet.", "easy_ja": "まだ ありません。"},
    "actions_title": {
        "ja": "支援員・職員が行ったこと",
        "en": "What supporters and staff did",
        "easy_ja": "{手伝|てつだ}った{人|ひと}が したこと",
    },
    "when": {"ja": "日時", "en": "When", "easy_ja": "いつ"},
    "who": {"ja": "誰が", "en": "Who", "easy_ja": "だれが"},
    "what": {"ja": "何を", "en": "What", "easy_ja": "なにを"},
    "console_supporter": {
        "ja": "支援員コンソール",
        "en": "Supporter console",
        "easy_ja": "{支援員|しえんいん}の{画面|がめん}",
    },
    "console_staff": {
        "ja": "職員コンソール",
        "en": "Staff console",
        "easy_ja": "{職員|しょくいん}の{画面|がめん}",
    },
    "help_queue": {"ja": "相談の待ち行列", "en": "Help requests waiting", "easy_ja": "{相談|そうだん}"},
    "help_mine": {"ja": "対応中の相談", "en": "Help requests I took", "easy_ja": "{対応中|たいおうちゅう}"},
    "take": {"ja": "担当する", "en": "Take", "easy_ja": "{担当|たんとう}する"},
    "close": {"ja": "完了", "en": "Close", "easy_ja": "おわり"},
    "my_delegations": {
        "ja": "委任を受けている方",
        "en": "People who delegated to me",
        "easy_ja": "おねがい されている{人|ひと}",
    },
    "open": {"ja": "開く", "en": "Open", "easy_ja": "{開|ひら}く"},
    "applications": {"ja": "申請", "en": "Applications", "easy_ja": "{申請|しんせい}"},
    "prepare": {
        "ja": "申請を準備する（本人が署名）",
        "en": "Prepare applications (the resident signs)",
        "easy_ja": "{準備|じゅんび}する",
    },
    "prepared": {
        "ja": "準備しました。本人がカードで署名すると提出されます。",
        "en": "Prepared. It is filed once the resident signs with their card.",
        "easy_ja": "{準備|じゅんび}しました。",
    },
    "review_queue": {
        "ja": "審査待ちの申請（期限の近い順）",
        "en": "Applications to review (earliest deadline first)",
        "easy_ja": "{審査|しんさ}",
    },
    "deadline": {"ja": "期限", "en": "Deadline", "easy_ja": "しめきり"},
    "received": {"ja": "受付", "en": "Received", "easy_ja": "うけつけ"},
    "findings": {"ja": "規則による所見", "en": "What the rules found", "easy_ja": "きまりで わかったこと"},
    "decide": {"ja": "決定する", "en": "Decide", "easy_ja": "きめる"},
    "approve": {"ja": "承認", "en": "Approve", "easy_ja": "みとめる"},
    "reject": {"ja": "却下", "en": "Reject", "easy_ja": "みとめない"},
    "reason_ja": {"ja": "理由（日本語）", "en": "Reason (Japanese)", "easy_ja": "りゆう"},
    "reason_en": {
        "ja": "理由（英語・任意）",
        "en": "Reason (English, optional)",
        "easy_ja": "りゆう（えいご）",
    },
    "decided": {
        "ja": "決定しました。本人に通知しました。",
        "en": "Decided; the resident has been notified.",
        "easy_ja": "きめました。",
    },
    "register_supporter": {
        "ja": "支援員の登録",
        "en": "Register a supporter",
        "easy_ja": "{支援員|しえんいん}の{登録|とうろく}",
    },
    "card_serial": {
        "ja": "カードのシリアル番号（利用者証明用）",
        "en": "Card serial (authentication certificate)",
        "easy_ja": "カードの ばんごう",
    },
    "display_name": {"ja": "氏名", "en": "Name", "easy_ja": "なまえ"},
    "organisation": {"ja": "所属", "en": "Organisation", "easy_ja": "しょぞく"},
    "register": {"ja": "登録する", "en": "Register", "easy_ja": "{登録|とうろく}する"},
    "registered": {"ja": "登録しました。", "en": "Registered.", "easy_ja": "{登録|とうろく}しました。"},
    "counter_help": {
        "ja": "窓口で相談を受け付ける",
        "en": "Open a help request at the counter",
        "easy_ja": "{窓口|まどぐち}の{相談|そうだん}",
    },
    "note": {"ja": "メモ", "en": "Note", "easy_ja": "メモ"},
    "opened": {"ja": "相談を受け付けました。", "en": "Help request opened.", "easy_ja": "うけつけました。"},
    "granted": {"ja": "委任しました。", "en": "Delegation granted.", "easy_ja": "おねがい しました。"},
    "revoked_ok": {"ja": "取り消しました。", "en": "Revoked.", "easy_ja": "やめました。"},
    "not_found": {"ja": "見つかりません。", "en": "Not found.", "easy_ja": "みつかりません。"},
    "transcript": {"ja": "これまでの会話", "en": "The conversation so far", "easy_ja": "{会話|かいわ}"},
    "nav_delegations": {"ja": "支援員への委任", "en": "Supporters", "easy_ja": "{手伝|てつだ}う{人|ひと}"},
    "reference": {"ja": "相談番号", "en": "Reference", "easy_ja": "{相談|そうだん}の {番号|ばんごう}"},
    "contact": {
        "ja": "お名前と連絡先",
        "en": "Name and contact",
        "easy_ja": "{名前|なまえ}と {連絡先|れんらくさき}",
    },
    "reply": {
        "ja": "返信する（ご本人のお知らせ箱に届きます）",
        "en": "Reply (it reaches the resident's inbox)",
        "easy_ja": "{返事|へんじ}を する",
    },
    "reply_label": {"ja": "返信の内容", "en": "Your reply", "easy_ja": "{返事|へんじ}"},
    "reply_empty": {
        "ja": "返信の内容を入力してください。",
        "en": "Type your reply.",
        "easy_ja": "{返事|へんじ}を {書|か}いて ください。",
    },
    "replied": {
        "ja": "返信しました。ご本人のお知らせ箱に届きました。",
        "en": "Replied: it is in the resident's inbox.",
        "easy_ja": "{返事|へんじ}を しました。",
    },
    "choose_decision": {
        "ja": "承認か却下を選んでください。",
        "en": "Choose approve or reject.",
        "easy_ja": "どちらかを {選|えら}んで ください。",
    },
    "need_reason": {
        "ja": "理由（日本語）を入力してください。住民に通知されます。",
        "en": "Give the reason in Japanese: it is sent to the resident.",
        "easy_ja": "{理由|りゆう}を {書|か}いて ください。",
    },
    "unlocked": {
        "ja": "カードのロックを解除しました（透明性ログと本人のアクセス記録に残ります）。",
        "en": "The card is unlocked (logged in the transparency log and the resident's access history).",
        "easy_ja": "カードを また {使|つか}えるように しました。",
    },
    "unlock_title": {
        "ja": "カードのロック解除（窓口）",
        "en": "Unlock a card (counter)",
        "easy_ja": "カードの ロックを はずす",
    },
    "unlock_intro": {
        "ja": "ご本人を本人確認書類で確かめてから、カードリーダーのカードを解除します。",
        "en": "Check the holder in person with an identity document, then unlock the card on the reader.",
        "easy_ja": "{本人|ほんにん}か たしかめてから はずします。",
    },
    "unlock_card_serial": {
        "ja": "カードのシリアル番号（利用者証明用）",
        "en": "Card serial (authentication certificate)",
        "easy_ja": "カードの {番号|ばんごう}",
    },
    "secret_pin": {
        "ja": "利用者証明用の暗証番号（4桁）",
        "en": "Authentication PIN (4 digits)",
        "easy_ja": "4けたの {番号|ばんごう}",
    },
    "secret_password": {
        "ja": "署名用パスワード",
        "en": "Signing password",
        "easy_ja": "{署名|しょめい}の パスワード",
    },
    "role": {"ja": "役割", "en": "Role", "easy_ja": "{役割|やくわり}"},
    "unlock": {"ja": "ロックを解除する", "en": "Unlock", "easy_ja": "はずす"},
    "back_to_home": {"ja": "住民としてのホームへ", "en": "Your own home page", "easy_ja": "ホームへ"},
}


def text(key: str, lang: Language) -> Markup:
    """The console text ``key`` in ``lang`` (Japanese when missing), furigana rendered for easy Japanese."""
    entry = TEXTS.get(key, {})
    value = entry.get(lang) or entry.get("ja") or key
    return ruby(value)
