# ruff: noqa: E501  (sentences read better unbroken)
"""What the rules say to a resident, in 日本語, English and やさしい日本語 (easy Japanese).

Every reason and summary of a decision is one entry here, written as a caseworker would write it;
the deciders only pick the entry and give the facts. Parameters are ``$name``
(``string.Template``). Values are formatted per language by :func:`fmt`: a :class:`date` becomes
和暦 with the Western year (``令和8年（2026年）3月31日``) or ``31 March 2026``, a :class:`Yen` amount
``15,000円`` / ``15,000 yen``, a :data:`Text` the sentence of the same language. No ISO date, member id
or field name goes into a sentence.

Easy-Japanese sentences are short and split into phrases by spaces (分かち書き), with few kanji.
"""

from __future__ import annotations

from datetime import date
from string import Template

from tenohira.core import wording
from tenohira.rules.dates import era_year

Text = tuple[str, str, str]  # (ja, en, easy_ja)
JA, EN, EASY = 0, 1, 2
_LANGS: tuple[wording.Language, wording.Language, wording.Language] = ("ja", "en", "easy_ja")

_MONTHS_EN = "January February March April May June July August September October November December".split()


class Yen(int):
    """An amount of money, formatted as ``15,000円`` / ``15,000 yen``."""


def fmt(value: object, lang: int) -> str:
    """One value in one language: dates and yen through the platform's wording
    (:mod:`tenohira.core.wording`), a :data:`Text` by its language."""
    if isinstance(value, tuple):
        return str(value[lang])
    if isinstance(value, Yen):
        return wording.yen(int(value), _LANGS[lang])
    if isinstance(value, date):
        return wording.date_words(value, _LANGS[lang])
    return str(value)


def month_text(year: int, month: int) -> Text:
    """``令和8年（2026年）10月`` / ``October 2026``."""
    first = date(year, month, 1)
    ja = f"{era_year(first)}（{year}年）{month}月"
    return (ja, f"{_MONTHS_EN[month - 1]} {year}", f"{year}年{month}月")


def say(key: str, **values: object) -> Text:
    """The entry ``key`` with ``values`` filled in, in the three languages."""
    forms = TEXTS[key]
    return (
        Template(forms[JA]).substitute({k: fmt(v, JA) for k, v in values.items()}),
        Template(forms[EN]).substitute({k: fmt(v, EN) for k, v in values.items()}),
        Template(forms[EASY]).substitute({k: fmt(v, EASY) for k, v in values.items()}),
    )


def join(*parts: Text) -> Text:
    """Sentences one after the other (Japanese without a space, English and easy Japanese with one)."""
    kept = [p for p in parts if p[JA] or p[EN]]
    return (
        "".join(p[JA] for p in kept),
        " ".join(p[EN] for p in kept if p[EN]),
        " ".join(p[EASY] for p in kept if p[EASY]),
    )


NOTHING: Text = ("", "", "")

# key: (ja, en, easy_ja)
TEXTS: dict[str, tuple[str, str, str]] = {
    # --- common --------------------------------------------------------------------------------------
    "not_in_force": (
        "$on時点では、この制度はまだありません。",
        "The scheme was not in force on $on.",
        "$on には この せいどは まだ ありません。",
    ),
    "no_mother": (
        "出産した（する）お母さんが世帯にいません。",
        "There is no mother in the household.",
        "おかあさんが いません。",
    ),
    "no_recent_birth_or_pregnancy": (
        "2年以内の出産も、出産予定もありません。",
        "No birth in the last 2 years and no pregnancy.",
        "2年の うちに 生まれた 子も、これから 生まれる 子も いません。",
    ),
    # --- 児童手当 child allowance ----------------------------------------------------------------------
    "ca_no_claimant": (
        "児童を養育している親などが世帯にいないため、受給できる人がいません。",
        "No parent or carer in the household can claim.",
        "子どもを そだてて いる おやが いないので、もらえる 人が いません。",
    ),
    "ca_not_supported": (
        "$age歳。親が監護し生計費を負担している子ではないため、支給の対象にも子の数にも含めません。",
        "Age $age. Not in the parents' care and keep, so neither paid for nor counted among the children.",
        "$age さい。 おやが そだてて いない 子なので、数えません。",
    ),
    "ca_past_count": (
        "$age歳。$n歳に達した後の最初の3月31日（$end）を過ぎたため、子の数に含めません。",
        "Age $age. Past the first 31 March after turning $n ($end), so no longer counted among the children.",
        "$age さい。 $n さいの あとの 3月31日（$end）を すぎたので、数えません。",
    ),
    "ca_order": (
        "第$rank子として数えます（$counted歳に達した後の最初の3月31日までの、養育している子を年齢の高い順に数えて$rank番目）。",
        "Counted as the $rank_en child (children supported up to the first 31 March after turning $counted, oldest first).",
        "$rank ばんめの 子どもです。",
    ),
    "ca_past_paid": (
        "$age歳。$order$n歳に達した後の最初の3月31日（$end）を過ぎたため、この子の分は支給されません。",
        "Age $age. $order Past the first 31 March after turning $n ($end), so nothing is paid for this child.",
        "$age さい。 $order $n さいの あとの 3月31日（$end）を すぎたので、この 子の 手当は ありません。",
    ),
    "ca_band_under3": ("3歳未満", "Under 3", "3さいより 小さい 子ども"),
    "ca_band_birthday_month": (
        "3歳の誕生月（この月までは3歳未満の額）",
        "In the month of the third birthday (the under-3 amount still applies)",
        "3さいの 誕生日の 月（この 月までは 3さいより 小さい 子と 同じ）",
    ),
    "ca_band_to_school_year": (
        "3歳以上で$n歳に達した後の最初の3月31日まで",
        "From 3 to the first 31 March after turning $n",
        "3さいから 高校生までの 子ども",
    ),
    "ca_band_primary": (
        "3歳以上で小学校修了前",
        "From 3 to the end of primary school",
        "3さいから 小学生までの 子ども",
    ),
    "ca_band_junior_high": ("中学生", "In junior high school", "中学生"),
    "ca_third": ("、第3子以降", ", third child or later", "、3人目 からの 子ども"),
    "ca_amount": (
        "$age歳。$order$band$thirdのため月額$amount。",
        "Age $age. $order $band$third: $amount a month.",
        "$age さい。 $order $band$third なので、1か月 $amount です。",
    ),
    "ca_special": (
        "$age歳。$order請求者の所得（$income）が所得制限限度額以上のため、特例給付として月額$amount。",
        "Age $age. $order The claimant's income ($income) is at or above the income limit: special payment of "
        "$amount a month.",
        "$age さい。 $order 所得が 多いので、1か月 $amount です。",
    ),
    "ca_above_upper": (
        "$age歳。$order請求者の所得（$income）が所得上限限度額以上のため、支給されません。",
        "Age $age. $order The claimant's income ($income) is at or above the upper limit: nothing is paid.",
        "$age さい。 $order 所得が とても 多いので、手当は ありません。",
    ),
    "ca_summary": (
        "児童手当は月額合計$total（$monthの額）です。",
        "The child allowance is $total a month in total (for $month).",
        "児童手当は 1か月 ぜんぶで $total です（$month）。",
    ),
    "ca_summary_none": (
        "支給の対象となる子がいないか、所得が上限を超えるため、支給されません。",
        "No child qualifies, or the claimant's income is above the upper limit: nothing is paid.",
        "手当を もらえる 子どもが いません。",
    ),
    # --- 低体重児の届出 low-birth-weight notification --------------------------------------------------
    "lbw_child": (
        "出生体重${weight}g（2,500g未満）。保護者は速やかに市区町村へ低体重児の届出をします。保健師の訪問などの支援につながります。",
        "Birth weight $weight g (under 2,500 g). The parents notify the municipality promptly; a public health "
        "nurse can then visit and help.",
        "生まれた ときの 体重が $weight グラムで、2,500グラムより 軽いです。 はやめに 市役所に とどけて ください。",
    ),
    "lbw_not": (
        "出生体重${weight}g。2,500g以上のため届出は要りません。",
        "Birth weight $weight g: 2,500 g or more, so no notification is needed.",
        "体重が 2,500グラム いじょう なので、とどけは いりません。",
    ),
    "lbw_unknown": (
        "出生体重がわからないため判定できません。2,500g未満なら届出が必要です。",
        "The birth weight is not known; under 2,500 g a notification is needed.",
        "体重が わかりません。 2,500グラムより 軽い ときは とどけて ください。",
    ),
    "lbw_summary": (
        "低体重児の届出が必要な子が$n人います。",
        "$n baby(ies) under 2,500 g: a low-birth-weight notification is needed.",
        "とどけが ひつような 赤ちゃんが $n人 います。",
    ),
    "lbw_none": (
        "低体重児の届出が必要な子はいません。",
        "No baby needs a low-birth-weight notification.",
        "とどけが ひつような 赤ちゃんは いません。",
    ),
    # --- 産前産後期間の保険料免除 (国民年金・国民健康保険) ---------------------------------------------
    "exempt_months": (
        "$what（$babies）。$firstから$lastまでの$nか月分の$premiumが免除されます（届出が必要です）。",
        "$what ($babies): the $premium for the $n months from $first to $last is waived (a notification is needed).",
        "$what。 $first から $last までの $n か月の $premium を はらわなくて よく なります。 とどけが ひつようです。",
    ),
    "exempt_due": ("出産予定日$d", "Due on $d", "うまれる よていの 日は $d"),
    "exempt_birth": ("$dの出産", "Birth on $d", "$d に 生まれました"),
    "one_baby": ("単胎", "one baby", "1人"),
    "many_babies": ("多胎", "multiple birth", "ふたご など"),
    "premium_nhi": (
        "国民健康保険料（所得割・均等割）",
        "National Health Insurance premium",
        "国民健康保険の お金",
    ),
    "premium_pension": ("国民年金保険料", "national pension contribution", "国民年金の お金"),
    "exempt_too_early": (
        "$what。この制度の対象は$from以降の出産（予定）です。",
        "$what: the scheme covers births (or due dates) from $from.",
        "$what。 この せいどは $from からの 出産が たいしょうです。",
    ),
    "nhi_not_insured": (
        "お母さんが国民健康保険の加入者ではないため対象外です（勤務先の健康保険では産前産後休業中の保険料が別の仕組みで免除されます）。",
        "The mother is not insured by National Health Insurance (employee insurance waives premiums during "
        "maternity leave through the employer).",
        "おかあさんが 国民健康保険に 入って いないので、たいしょうでは ありません。",
    ),
    "pension_not_first": (
        "お母さんが国民年金の第1号被保険者（自営業・フリーランスなど、20歳以上60歳未満で国民健康保険の人）ではないため対象外です。",
        "The mother is not a category 1 national pension insured person (self-employed and others aged 20–59 "
        "on National Health Insurance).",
        "おかあさんが 国民年金の 第1号 では ないので、たいしょうでは ありません。",
    ),
    "exempt_summary": (
        "$n件の出産（予定）について保険料が免除されます。届け出てください。",
        "Contributions are waived for $n birth(s); file the notification.",
        "とどけると お金を はらわなくて よく なります。",
    ),
    "exempt_none": (
        "対象となる出産（予定）はありません。",
        "No birth or pregnancy qualifies.",
        "たいしょうに なる 出産は ありません。",
    ),
    # --- 国民年金 育児期間の保険料免除 (2026-10-01) ---------------------------------------------------
    "pension_childcare_parent": (
        "国民年金の第1号被保険者で、1歳未満の子を養育しています。子が1歳になるまで国民年金保険料が免除されます"
        "（所得や休業の有無は問いません。お母さんは産前産後の免除期間の後から）。届出が必要です。",
        "A category 1 national pension insured person raising a child under 1: contributions are waived until the "
        "child turns 1 (whatever the income or work; for the mother after her maternity exemption). A notification "
        "is needed.",
        "1さいに なるまでの 子どもを そだてて いるので、子どもが 1さいに なるまで 国民年金の お金を はらわなくて "
        "よく なります。 とどけが ひつようです。",
    ),
    "pension_childcare_not": (
        "国民年金の第1号被保険者（20歳以上60歳未満で国民健康保険の人）ではないため対象外です。",
        "Not a category 1 national pension insured person (aged 20–59 on National Health Insurance).",
        "国民年金の 第1号 では ないので、たいしょうでは ありません。",
    ),
    "pension_childcare_summary": (
        "$n人の親の国民年金保険料が、子が1歳になるまで免除されます。",
        "Contributions of $n parent(s) are waived until the child turns 1.",
        "$n人の おやが、国民年金の お金を はらわなくて よく なります。",
    ),
    "no_infant": (
        "1歳未満の子がいないため対象外です。",
        "No child under 1.",
        "1さいより 小さい 子どもが いません。",
    ),
    # --- 出生時育児休業給付金 (産後パパ育休) ------------------------------------------------------------
    "birth_leave_paid": (
        "雇用保険の被保険者。子の出生後8週間以内の産後パパ育休$days日について、休業開始時賃金日額$daily（上限$cap）× $days日 × 67% = $amount。",
        "Employment-insured. For $days days of post-birth leave (産後パパ育休) within 8 weeks of the birth: "
        "daily wage $daily (cap $cap) × $days × 67% = $amount.",
        "赤ちゃんが 生まれて 8週間の うちに $days日 休んだので、$amount もらえます。",
    ),
    "birth_leave_none": (
        "産後パパ育休（出生時育児休業）の日数がありません。出生後8週間以内に最大28日まで取れます。",
        "No post-birth leave (産後パパ育休) declared; up to 28 days can be taken within 8 weeks of the birth.",
        "産後パパ育休を とって いません。 生まれて 8週間の うちに 28日まで とれます。",
    ),
    "birth_leave_mother": (
        "出産したお母さんは出生後8週間は産後休業（出産手当金）の期間のため、出生時育児休業給付金の対象ではありません。",
        "The mother who gave birth is on postnatal leave (maternity allowance) for those 8 weeks, so this benefit "
        "is not for her.",
        "おかあさんは この 8週間は 産後休業 なので、たいしょうでは ありません。",
    ),
    "not_employment_insured": (
        "雇用保険の被保険者ではないため対象外です。",
        "Not insured under employment insurance.",
        "雇用保険に 入って いないので、たいしょうでは ありません。",
    ),
    "birth_leave_summary": (
        "出生時育児休業給付金 合計$total。",
        "$total in total for post-birth leave.",
        "ぜんぶで $total です。",
    ),
    "birth_leave_no_birth": (
        "申請できる期間（出生後8週間の翌日から2か月後の月末ごろまで）に当たる出生がありません。",
        "No birth recent enough (the claim is made within about 2 months after the 8 weeks).",
        "申請できる じきの 赤ちゃんが いません。",
    ),
    # --- 育児時短就業給付 -------------------------------------------------------------------------------
    "reduced_paid": (
        "雇用保険の被保険者で、2歳未満の子のために時短勤務中。時短中の賃金月額$wage（時短前の賃金月額$before）の10%、"
        "ただし合計が時短前の賃金を超えない額 = 月$amount。",
        "Employment-insured, working reduced hours for a child under 2: 10% of the reduced monthly wage $wage "
        "(before: $before), limited so that wage and benefit do not exceed the wage before = $amount a month.",
        "2さいに なるまで 時間を へらして はたらいて いるので、1か月 $amount もらえます。",
    ),
    "reduced_no_drop": (
        "時短中の賃金$wageが時短前の賃金月額$beforeを下回っていないため、支給はありません。",
        "The reduced wage $wage is not below the wage before ($before), so nothing is paid.",
        "きゅうりょうが へって いないので、もらえません。",
    ),
    "reduced_not_declared": (
        "時短勤務（育児時短就業）の賃金が届け出られていません。2歳未満の子のために時短勤務をすると、賃金の10%が支給されます。",
        "No reduced-hours wage declared; working reduced hours for a child under 2 brings 10% of the wage.",
        "2さいに なるまで 時間を へらして はたらくと、きゅうりょうの 10% もらえます。",
    ),
    "reduced_summary": (
        "育児時短就業給付 月額合計$total。",
        "$total a month for reduced-hours work.",
        "1か月 ぜんぶで $total です。",
    ),
    "no_child_under_2": (
        "2歳未満の子がいないため対象外です。",
        "No child under 2.",
        "2さいより 小さい 子どもが いません。",
    ),
    # --- 児童手当 額改定認定請求 ------------------------------------------------------------------------
    "revision_child": (
        "$born生まれ。すでに児童手当を受けている世帯に生まれた子のため、額改定認定請求で月$amountが加わります。"
        "出生日の翌日から15日以内に請求すると、生まれた月の翌月分から増額されます。",
        "Born on $born into a household already receiving the child allowance: a revision claim adds $amount a "
        "month, from the month after the birth if claimed within 15 days of the day after the birth.",
        "$born に 生まれました。 手当が 1か月 $amount ふえます。 生まれた つぎの 日から 15日の うちに 申請して ください。",
    ),
    "revision_older_child": (
        "すでに児童手当を受けている上の子です（この子の分は今までどおり支給されます）。",
        "An older child the allowance is already paid for (unchanged).",
        "上の 子どもの 手当は もう もらって います。 この 子の 手当は 今までと 同じです。",
    ),
    "revision_summary": (
        "上の子の児童手当をすでに受けているため、新しい認定請求ではなく額改定認定請求をします（児童手当法第9条）。"
        "月額$totalが加わり、世帯の合計は月額$householdになります。出生日の翌日から15日以内に請求してください。",
        "The household already receives the child allowance for an older child, so it claims a revision, not a "
        "new claim (Child Allowance Act, art. 9): $total a month is added, $household a month for the household "
        "in all. Claim within 15 days after the birth.",
        "上の 子どもの 手当を もう もらって いるので、手当を ふやす 申請を します。 はじめての 申請は いりません。 "
        "1か月 $total ふえて、家族 ぜんぶで 1か月 $household に なります。 生まれた つぎの 日から 15日の うちに "
        "申請して ください。",
    ),
    "revision_first_claim": (
        "上の子の児童手当をまだ受けていない世帯のため、額改定認定請求ではなく、児童手当の認定請求をします（児童手当法第7条）。",
        "The household does not yet receive the child allowance for an older child, so it makes a first claim "
        "(Child Allowance Act, art. 7), not a revision claim.",
        "まだ 手当を もらって いないので、手当を ふやす 申請では なく、はじめての 手当の 申請を して ください。",
    ),
    "revision_none": (
        "すでに児童手当を受けている世帯に新しく生まれた子がいないため、額改定の請求は要りません。",
        "No new child in a household already receiving the child allowance: no revision claim.",
        "手当を ふやす 申請は いりません。",
    ),
}
