"""From one utterance to {intent, language, slots}.

Order: a few high-precision rules (yes/no answers, corrections, asking for a person),
then the classifier; a coarse "procedure" or "status" is made precise with the lexicon of
catalogue procedures. Slots are extracted by rules whatever the intent. When an LLM
backend is configured and the local understanding is unsure, its proposal (validated
against a JSON Schema and the same slot checks) may replace the intent and fill slots the
rules missed; it never decides anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tenohira.assistant.nlu.classifier import IntentClassifier, default_classifier
from tenohira.assistant.nlu.dates import find_dates
from tenohira.assistant.nlu.lexicon import find_procedure
from tenohira.assistant.nlu.llm import LanguageModel, Proposal, check_slots
from tenohira.assistant.nlu.names import find_name
from tenohira.assistant.nlu.text import Language, detect_language, normalize, with_digits
from tenohira.core.clock import today_jst

LIFE_EVENT_INTENTS = ("birth", "move", "death", "company_founding")
GENERAL_INTENTS = ("status", "human_help", "affirm", "deny", "other")
MAX_LENGTH = 1000
CONFIDENT = 0.55  # below this the classifier's answer is "unsure" (LLM consulted, if any)
UNSURE = 0.3  # below this the classifier is guessing: say "other" (the dialogue asks again)


@dataclass
class Understanding:
    """What the assistant understood from one utterance."""

    intent: str
    language: Language
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    source: str = "rules"  # rules | classifier | llm

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape of ``tenohira assistant understand --json``."""
        return {"intent": self.intent, "language": self.language, "slots": self.slots}


_PUNCT = re.compile(r"[\s、。,.!！?？~ー…・]+")
_AFFIRM = {
    "はい",
    "はいはい",
    "うん",
    "ええ",
    "そう",
    "そうです",
    "そうだよ",
    "そのとおり",
    "そのとおりです",
    "その通り",
    "その通りです",
    "おねがいします",
    "お願いします",
    "お願い",
    "はいお願いします",
    "はいそうです",
    "いいです",
    "いいよ",
    "それでいいです",
    "それでお願いします",
    "大丈夫です",
    "だいじょうぶです",
    "ok",
    "okay",
    "オッケー",
    "おっけー",
    "yes",
    "yeah",
    "yep",
    "sure",
    "correct",
    "right",
    "thatsright",
    "yesplease",
    "了解",
    "了解です",
    "合ってます",
    "合っています",
    "あってます",
    "あっています",
    "問題ない",
    "問題ありません",
    "はい、お願いします",
    "間違いない",
    "間違いないです",
    "間違いありません",
    "まちがいない",
    "まちがいないです",
}
_DENY = {
    "いいえ",
    "いや",
    "いえ",
    "ちがう",
    "ちがいます",
    "違う",
    "違います",
    "ちがうよ",
    "違うよ",
    "だめ",
    "ダメ",
    "やめる",
    "やめます",
    "やめて",
    "やめてください",
    "結構です",
    "けっこうです",
    "いらない",
    "いらないです",
    "no",
    "nope",
    "nothanks",
    "cancel",
    "wrong",
    "thatswrong",
    "いいえちがいます",
    "いいえ違います",
    "間違い",
    "まちがい",
    "間違っています",
    "まちがっています",
    "しません",
    "やらない",
}
_DENY_START = re.compile(
    r"^(いいえ|いや|いえ|ちがう|ちがいます|違う|違います|間違い(?!ない|無い)|まちがい(?!ない)|no\b|nope\b|wrong\b)",
    re.I,
)
_CORRECTION_WORDS = re.compile(
    r"ではなく|じゃなくて|じゃなく|に直して|に訂正|を訂正|訂正して|に変更|間違えました|not\s", re.I
)
_HUMAN = re.compile(
    r"人と話|ひとと はな|ひととはな|担当者|担当の方|職員|窓口の人|オペレーター|オペレータ|支援員|サポーター|"
    r"人間と|人に(?:聞|相談|代わ)|ひとに (?:きき|そうだん)|"
    r"\b(?:talk|speak)\s+(?:to|with)\s+(?:a\s+)?(?:person|human|someone|staff|somebody)|real person|"
    r"human please|\bsupporter\b|\boperator\b",
    re.I,
)
_REQUEST = re.compile(
    r"申請|請求|出したい|出す|届け出|届出|手続き?を?し|もらいたい|もらえ|受けたい|受けられ|入れたい|加入|予約|"
    r"ありますか|助成|apply|claim|register|file\b|enrol|enroll|submit|is there",
    re.I,
)
# words that ask how far an application has got, not how to file it
_STATUS_CUE = re.compile(
    r"どうなっ|どう なっ|どうなり|進捗|進み具合|状況|結果|受理|受け付け|受付され|"
    r"振り込まれ|振込|支払われ|届いて|終わりました|おわりました|まだ|その後|"
    r"status|update|approved|processed|been paid|be paid|news|accepted",
    re.I,
)
_WEIGHT = re.compile(r"(\d{3,4})\s*(?:g|グラム|ぐらむ)(?![a-z])", re.I)
_COUNT = re.compile(r"(\d{1,2})\s*(?:人|名|子目|人目|つ子|babies|children|kids)", re.I)
_YEN = re.compile(r"(\d+(?:\.\d+)?)\s*(万)?\s*円|¥\s*(\d+)|(\d+)\s*yen", re.I)
_NUMBER = re.compile(r"\d+")


def _answer_of(text: str) -> str | None:
    key = _PUNCT.sub("", text.lower())
    if key in _AFFIRM:
        return "yes"
    if key in _DENY:
        return "no"
    return None


def extract_slots(text: str, *, today: date) -> dict[str, Any]:
    """Dates, name and reading, numbers (kanji and full-width too) found in ``text``."""
    norm = normalize(text)
    slots: dict[str, Any] = {}
    dates = find_dates(norm, today=today)
    if dates:
        slots["date"] = dates[0].value.isoformat()
        if len(dates) > 1:
            slots["dates"] = [d.value.isoformat() for d in dates]
    slots.update(find_name(norm).as_slots())
    digits = with_digits(norm)
    date_spans = "".join(d.text for d in dates)
    if m := _WEIGHT.search(digits):
        slots["weight_g"] = int(m.group(1))
    if m := _COUNT.search(digits):
        slots["count"] = int(m.group(1))
    if m := _YEN.search(digits):
        if m.group(1):
            value = float(m.group(1)) * (10_000 if m.group(2) else 1)
        else:
            value = float(m.group(3) or m.group(4))
        slots["amount_yen"] = int(value)
    numbers = [int(n) for n in _NUMBER.findall(digits) if n not in date_spans]
    if numbers and not dates:
        slots["numbers"] = numbers
    return slots


def _correction(text: str, slots: dict[str, Any]) -> dict[str, str] | None:
    for field_name in ("name_kana", "name", "date", "weight_g"):
        if field_name in slots:
            return {"field": field_name, "value": str(slots[field_name])}
    return None


def understand(
    text: str,
    *,
    today: date | None = None,
    classifier: IntentClassifier | None = None,
    llm: LanguageModel | None = None,
) -> Understanding:
    """Understand one utterance. ``today`` anchors relative dates (default: today)."""
    today = today or today_jst()
    raw = text[:MAX_LENGTH]
    norm = normalize(raw)
    language = detect_language(norm)
    if not _PUNCT.sub("", norm):
        return Understanding("other", language, {}, 1.0, "rules")
    slots = extract_slots(norm, today=today)

    answer = _answer_of(norm)
    if answer is not None:
        slots["answer"] = answer
        return Understanding("affirm" if answer == "yes" else "deny", language, slots, 1.0, "rules")
    denied = _DENY_START.match(norm.lower()) is not None
    if denied or _CORRECTION_WORDS.search(norm):
        correction = _correction(norm, slots)
        if correction is not None:
            slots["answer"] = "no"
            slots["correction"] = correction
            return Understanding("deny", language, slots, 1.0, "rules")
    if _HUMAN.search(norm):
        return Understanding("human_help", language, slots, 1.0, "rules")

    model = classifier or default_classifier()
    ranked = model.ranked(norm)
    label, confidence = ranked[0]
    procedure = find_procedure(norm)
    status_cue = _STATUS_CUE.search(norm) is not None
    if procedure and (
        (label in LIFE_EVENT_INTENTS and _REQUEST.search(norm))
        or label in ("other", "human_help")
        or (label == "status" and not status_cue)
    ):
        # naming a procedure and asking for it is more specific than the life event around it
        label = "procedure"
    elif label == "procedure" and status_cue:
        label = "status"
    if confidence < UNSURE and label != "procedure":
        label = "procedure" if procedure else "other"
    intent = label
    if label == "procedure":
        if procedure:
            intent = procedure
        else:  # asks for a procedure the catalogue does not have (保育園, 産後ケア…)
            intent = "other"
    elif label == "status" and procedure:
        slots["procedure"] = procedure
    elif label in ("affirm", "deny"):
        slots["answer"] = "yes" if label == "affirm" else "no"
    understanding = Understanding(intent, language, slots, confidence, "classifier")

    if llm is not None and (confidence < CONFIDENT or intent == "other"):
        proposal = llm.propose(raw, today=today)
        if proposal is not None:
            understanding = _merge(understanding, proposal, today=today)
    return understanding


def _merge(local: Understanding, proposal: Proposal, *, today: date) -> Understanding:
    """Take the LLM's intent (already checked to be a known one) and the slots the rules missed."""
    slots = dict(local.slots)
    for key, value in check_slots(proposal.slots).items():
        slots.setdefault(key, value)
    return Understanding(proposal.intent, local.language, slots, proposal.confidence, "llm")
