"""A keyword-only intent classifier: the baseline the benchmark compares against.

First keyword found wins; no reading, no statistics. It is what a hand-written FAQ bot does.
"""

from __future__ import annotations

from tenohira.assistant.nlu.lexicon import find_procedure
from tenohira.assistant.nlu.text import normalize

KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("human_help", ("人と話", "担当者", "窓口の人", "オペレーター", "talk to a person", "human", "staff")),
    ("status", ("どうなった", "どうなって", "状況", "進捗", "status", "update on")),
    ("deny", ("いいえ", "違います", "ちがう", "no", "nope")),
    ("affirm", ("はい", "お願いします", "そうです", "yes", "ok", "sure")),
    ("death", ("亡くな", "死亡", "他界", "died", "passed away")),
    ("move", ("引っ越", "引越", "転居", "転勤", "moving", "moved", "move")),
    ("company_founding", ("会社", "起業", "法人", "company", "business")),
    ("birth", ("生まれ", "産まれ", "出産", "誕生", "baby", "born", "birth")),
)


def keyword_intent(text: str) -> str:
    """The baseline's intent for ``text``: a named procedure, else the first keyword's intent."""
    norm = normalize(text).lower()
    for intent, words in KEYWORDS[:4]:
        if any(w.lower() in norm for w in words):
            return intent
    procedure = find_procedure(norm)
    if procedure:
        return procedure
    for intent, words in KEYWORDS[4:]:
        if any(w.lower() in norm for w in words):
            return intent
    return "other"
