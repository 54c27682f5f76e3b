"""Which catalogue procedure a request names.

The words come from the catalogue itself (every entry's Japanese, English and easy
Japanese name, so a new data file is understood without code) plus the everyday words
residents use (児童手当 for 児童手当 認定請求, 育休 for 育児休業給付金…). Matching is on the
normalised text and on its hiragana reading, so all-kana requests match too.
"""

from __future__ import annotations

import re
from functools import lru_cache

from tenohira.assistant.nlu.text import hiragana, reading
from tenohira.procedures import load_catalogue

# Everyday words → procedure id. Longer words win over shorter ones at the same place.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "birth_notification": (
        "出生届",
        "しゅっしょうとどけ",
        "しゅっせいとどけ",
        "出生の届",
        "birth registration",
        "register the birth",
        "register my baby",
        "register the baby",
        "birth notification",
        "うまれた とどけ",
    ),
    "child_allowance_claim": (
        "児童手当",
        "じどうてあて",
        "こどもてあて",
        "子ども手当",
        "child allowance",
        "child benefit",
        "こどもの てあて",
        "子どもの 手当",
        "子どもの手当",
    ),
    "child_medical_subsidy": (
        "医療費助成",
        "子ども医療",
        "こども医療",
        "乳幼児医療",
        "医療証",
        "マル乳",
        "マル子",
        "いりょうひじょせい",
        "medical subsidy",
        "medical expense",
        "medical-expense",
        "びょういんの おかね",
        "病院の お金",
        "子どもの医療費",
    ),
    "nhi_enrolment": (
        "国民健康保険",
        "国保",
        "こくほ",
        "こくみんけんこうほけん",
        "national health insurance",
        "nhi",
    ),
    "employee_insurance_dependant": (
        "扶養に入れ",
        "扶養に追加",
        "扶養家族",
        "被扶養者",
        "扶養の届",
        "ふよう",
        "会社の保険",
        "会社の健康保険",
        "社会保険に",
        "社保",
        "dependant",
        "dependent",
        "company health insurance",
        "employer's health insurance",
        "かいしゃの けんこうほけん",
    ),
    "childbirth_lump_sum": (
        "出産育児一時金",
        "一時金",
        "いちじきん",
        "出産一時金",
        "直接支払",
        "lump sum",
        "lump-sum",
        "childbirth grant",
    ),
    "childbirth_lump_sum_remainder": (
        "差額",
        "さがく",
        "残りのお金",
        "remainder",
        "difference",
        "一時金の差額",
        "一時金差額",
        "差額申請",
        "差額の申請",
        "差額を請求",
        "差額支給",
        "remainder of the lump sum",
        "rest of the lump sum",
    ),
    "pregnancy_support_second": (
        "妊婦のための支援給付",
        "妊婦支援給付",
        "支援給付",
        "出産応援",
        "子育て応援",
        "にんぷ",
        "pregnancy support",
        "5万円の給付",
    ),
    "maternity_allowance": (
        "出産手当金",
        "しゅっさんてあてきん",
        "産休手当",
        "産休中のお金",
        "maternity allowance",
        "maternity benefit",
        "maternity pay",
    ),
    "childcare_leave_benefit": (
        "育児休業給付",
        "育休給付",
        "育休手当",
        "育休のお金",
        "育休",
        "いくきゅう",
        "出生後休業支援給付",
        "産後パパ育休",
        "parental leave",
        "childcare leave",
        "paternity leave",
    ),
    "single_parent_allowance": (
        "児童扶養手当",
        "じどうふようてあて",
        "ひとり親",
        "ひとりおや",
        "母子家庭",
        "父子家庭",
        "single parent",
        "single-parent",
        "single mother",
        "single father",
        "シングルマザー",
        "シングルファーザー",
    ),
    "premature_infant_care": (
        "未熟児",
        "みじゅくじ",
        "養育医療",
        "低出生体重",
        "小さく生まれ",
        "ちいさく うまれ",
        "premature",
        "preterm",
        "nicu",
    ),
    "newborn_visit": (
        "新生児訪問",
        "赤ちゃん訪問",
        "こんにちは赤ちゃん",
        "全戸訪問",
        "newborn visit",
        "home visit",
    ),
    "checkup_3_4_months": (
        "4か月健診",
        "3か月健診",
        "4ヶ月健診",
        "3~4か月",
        "乳児健診",
        "4 month check",
        "3 month check",
        "four-month check",
    ),
    "checkup_1y6m": ("1歳半健診", "1歳6か月", "1歳6ヶ月", "いっさいはん", "18 month check", "18-month check"),
    "checkup_3y": ("3歳児健診", "3歳健診", "さんさいじけんしん", "3 year check", "three-year check"),
    "vaccination_notice": (
        "予防接種",
        "よぼうせっしゅ",
        "ワクチン",
        "わくちん",
        "vaccination",
        "vaccine",
        "immunisation",
        "immunization",
        "shots",
    ),
    "move_in": ("転入届", "てんにゅう", "転入", "move-in", "moving in", "move in notification"),
    "move_out": ("転出届", "てんしゅつ", "転出", "move-out", "moving out", "move out notification"),
    "move_within": ("転居届", "てんきょ", "転居"),
    "death_notification": (
        "死亡届",
        "しぼうとどけ",
        "death notification",
        "death registration",
        "register the death",
        "register a death",
    ),
    "pension_death": (
        "年金を止め",
        "年金の停止",
        "未支給年金",
        "年金受給者死亡届",
        "年金の手続き",
        "pension",
    ),
    "inheritance_renunciation": (
        "相続放棄",
        "そうぞくほうき",
        "renounce the inheritance",
        "renounce inheritance",
    ),
    "inheritance_registration": ("相続登記", "そうぞくとうき", "inheritance registration"),
    "inheritance_tax_return": ("相続税", "そうぞくぜい", "inheritance tax"),
    "final_income_tax_return": ("準確定申告", "じゅんかくていしんこく", "final tax return"),
    "incorporation_registration": (
        "設立登記",
        "せつりつとうき",
        "会社の登記",
        "法人登記",
        "incorporation",
        "register a company",
        "register the company",
        "company registration",
    ),
    "blue_return_approval": ("青色申告", "あおいろしんこく", "blue return", "blue-return"),
}


def _key(word: str) -> str:
    # Latin words keep single spaces (matched on word boundaries); Japanese drops them (分かち書き)
    word = " ".join(word.lower().split())
    return word if word.isascii() else hiragana(word.replace(" ", ""))


@lru_cache(maxsize=1)
def _entries() -> tuple[tuple[str, str], ...]:
    catalogue = load_catalogue()
    pairs: list[tuple[str, str]] = []
    for procedure in catalogue.all():
        for text in (procedure.names.ja, procedure.names.en, procedure.names.easy_ja):
            # the part before a bracket or dash is what people say: 出産育児一時金（直接支払制度）
            head = re.split(r"[（(—–:]| - ", text)[0].strip()
            if len(head) >= 2:
                pairs.append((_key(head), procedure.id))
    # a head shared by two entries (出産育児一時金 and its remainder claim) names neither
    owners: dict[str, set[str]] = {}
    for word, procedure_id in pairs:
        owners.setdefault(word, set()).add(procedure_id)
    pairs = [(word, pid) for word, pid in pairs if len(owners[word]) == 1]
    for procedure_id, words in SYNONYMS.items():
        if procedure_id in catalogue:
            pairs.extend((_key(w), procedure_id) for w in words)
    # longest first so that 児童扶養手当 wins over 児童手当's shorter neighbours
    return tuple(sorted(set(pairs), key=lambda p: -len(p[0])))


def find_procedure(text: str) -> str | None:
    """The procedure id ``text`` names, or None. The longest matching word wins."""
    spaced = " ".join(text.lower().split())
    lowered = hiragana(spaced.replace(" ", ""))
    spoken = hiragana(reading(text).lower().replace(" ", ""))
    best: tuple[int, str] | None = None
    for word, procedure_id in _entries():
        if len(word) < 2:
            continue
        if (
            word.isascii() and re.search(r"(?<![a-z])" + re.escape(word) + r"(?:s|es)?(?![a-z])", spaced)
        ) or (not word.isascii() and (word in lowered or word in spoken)):
            if best is None or len(word) > best[0]:
                best = (len(word), procedure_id)
    return best[1] if best else None
