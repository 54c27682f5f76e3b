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


def cat(*parts: Text) -> Text:
    """Pieces of one sentence, joined without a space in every language."""
    return ("".join(p[JA] for p in parts), "".join(p[EN] for p in parts), "".join(p[EASY] for p in parts))


NOTHING: Text = ("", "", "")

# the health insurance a member is in, as a resident reads it
INSURANCE: dict[str, Text] = {
    "employee": ("被用者保険（健康保険）", "employee health insurance", "会社の 健康保険"),
    "nhi": ("国民健康保険", "National Health Insurance", "国民健康保険"),
    "none": ("なし", "none", "なし"),
}

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
    # --- 2年以内の出産・出産予定 ------------------------------------------------------------------------
    "no_birth_2y": (
        "2年以内の出産も出産予定もないため対象外です。",
        "No birth in the last 2 years and no pregnancy.",
        "2年の うちに 生まれた 子も、これから 生まれる 子も いないので、もらえません。",
    ),
    # --- 出産育児一時金 childbirth lump sum ------------------------------------------------------------
    "lump_no_insured": (
        "出産した母親が世帯にいない、または公的医療保険の加入者がいないため対象外です。",
        "No mother in the household, or no parent covered by public health insurance.",
        "おかあさんが いないか、健康保険に 入って いる 人が いないので、もらえません。",
    ),
    "lump_mother_uninsured": (
        "母親が公的医療保険に加入しておらず、被扶養者として入れる被用者保険の親もいません。",
        "The mother has no public health insurance and no parent has employee insurance she could be a "
        "dependant on.",
        "おかあさんは 健康保険に 入って いません。 家族の 会社の 健康保険にも 入って いません。",
    ),
    "lump_via_own": ("母親本人の医療保険", "the mother's own health insurance", "おかあさんの 健康保険"),
    "lump_via_dependant": (
        "もう一方の親の勤務先の健康保険の被扶養者として（家族出産育児一時金）",
        "as a dependant on the other parent's employee health insurance",
        "家族の 会社の 健康保険",
    ),
    "lump_in_scheme": (
        "産科医療補償制度に加入する医療機関等での出産",
        "in the obstetric compensation scheme",
        "産科医療補償制度に 入って いる 病院での 出産",
    ),
    "lump_outside_scheme": (
        "産科医療補償制度の対象外の出産",
        "outside the obstetric compensation scheme",
        "産科医療補償制度に 入って いない ところでの 出産",
    ),
    "lump_child": (
        "$born生まれ。$schemeのため1児$amount（$since以降の出産の額）。$viaで請求できます（出生の翌日から2年以内）。",
        "Born $born, $scheme: $amount per baby (amount for births from $since), claimed through $via within 2 years.",
        "$born に 生まれました。 $scheme なので、赤ちゃん 1人に $amount です。 $via に 申請します。 "
        "生まれた つぎの 日から 2年の うちに 申請して ください。",
    ),
    "lump_due": (
        "出産予定日は$due、$n児の予定。直接支払制度により医療機関へ支払われます（$amountの見込み）。",
        "Due on $due with $n baby(ies): $amount expected, normally paid directly to the hospital.",
        "生まれる 予定の 日は $due です（赤ちゃん $n人）。 $amount ぐらいが 病院に 直接 はらわれます。",
    ),
    "lump_summary": (
        "$viaで合計$total。",
        "$total in total through $via.",
        "$via から ぜんぶで $total もらえます。",
    ),
    # --- 妊婦のための支援給付 pregnancy support benefit ------------------------------------------------
    "ps_no_mother": (
        "妊婦・母親が世帯にいません。",
        "No mother in the household.",
        "おかあさんが いません。",
    ),
    "ps_first": (
        "妊娠中（出産予定日は$due）。妊娠の認定後に1回目$amount（未受給の場合）。",
        "Pregnant (due on $due): first payment of $amount after the pregnancy is recognised (if not yet received).",
        "おなかに 赤ちゃんが います（生まれる 予定の 日は $due）。 1回目に $amount もらえます（まだ もらって "
        "いない とき）。",
    ),
    "ps_second_now": (
        "出産予定日の8週間前（$since）から胎児の数の届出ができます。2回目として胎児$n人 × $per = $amount。",
        "The number of fetuses can be notified from 8 weeks before the due date ($since): second payment $n × $per "
        "= $amount.",
        "$since から、おなかの 赤ちゃんの 数を とどけられます。 2回目に $amount もらえます（赤ちゃん 1人 $per）。",
    ),
    "ps_second_later": (
        "2回目（胎児1人につき$per）は、出産予定日の8週間前（$since）から胎児の数を届け出て申請できます。",
        "The second payment ($per per fetus) can be claimed from 8 weeks before the due date ($since), with a notice "
        "of the number of fetuses.",
        "2回目の お金（赤ちゃん 1人 $per）は、$since から おなかの 赤ちゃんの 数を とどけて 申請できます。",
    ),
    "ps_loss": (
        "$endedに妊娠が終わりました（流産・死産・人工妊娠中絶）。この場合も支給の対象です："
        "1回目$first（未受給の場合）と、2回目として胎児$n人 × $per、合計$amount。",
        "The pregnancy ended on $ended (miscarriage, stillbirth or abortion), which is also covered: the first "
        "payment of $first (if not yet received) and the second, $n × $per: $amount in total.",
        "$ended に 妊娠が 終わりました。 この ときも お金が もらえます。 ぜんぶで $amount です。",
    ),
    "ps_loss_old": (
        "$endedに妊娠が終わりました。この時期の制度（出産・子育て応援給付金）では、"
        "流産・死産の場合の扱いを市町村が定めていたため、ここでは判定しません。",
        "The pregnancy ended on $ended. Under the programme of that time the municipality decided how such cases "
        "were treated, so this is not decided here.",
        "$ended に 妊娠が 終わりました。 この ころの せいどは 市役所が きめて いたので、市役所に きいて ください。",
    ),
    "ps_before_scheme": (
        "$born生まれ。制度の開始前の出生のため対象外です。",
        "Born on $born, before the scheme began.",
        "$born に 生まれました。 せいどが はじまる 前 なので、もらえません。",
    ),
    "ps_child": (
        "$born生まれ。2回目として胎児（生まれた子）1人につき$amount（$name）。胎児の数の届出がまだなら、届け出て申請します。",
        "Born $born: second payment of $amount for this baby (claimed with the notice of the number of fetuses, "
        "if not yet filed).",
        "$born に 生まれました。 2回目に 赤ちゃん 1人 $amount もらえます。 まだ なら、赤ちゃんの 数を とどけて "
        "申請して ください。",
    ),
    "ps_summary": (
        "お母さんに合計$totalが支給されます。",
        "$total in total for the mother.",
        "おかあさんは ぜんぶで $total もらえます。",
    ),
    "ps_none": (
        "妊娠中でなく、2年以内の出産もないため対象外です。",
        "No pregnancy and no birth in the last 2 years.",
        "妊娠して いなくて、2年の うちに 生まれた 子も いないので、もらえません。",
    ),
    # --- 出産手当金 maternity allowance -----------------------------------------------------------------
    "ma_not_insured": (
        "母親が勤務先の健康保険の被保険者本人ではないため対象外です（国民健康保険にはありません）。",
        "The mother is not insured in her own right by employee health insurance (NHI has no maternity "
        "allowance).",
        "おかあさんが 会社の 健康保険に 自分で 入って いないので、もらえません。 国民健康保険には この お金は "
        "ありません。",
    ),
    "ma_insurance": (
        "加入している医療保険は「$insurance」$dependant。出産手当金は勤務先の健康保険の被保険者本人だけの給付です。",
        "Insurance: $insurance$dependant. Only women insured in their own right by employee health insurance "
        "receive it.",
        "おかあさんの 健康保険は $insurance です$dependant。 この お金は、会社の 健康保険に 自分で 入って いる "
        "人だけ もらえます。",
    ),
    "ma_dependant": ("（被扶養者）", " (as a dependant)", "（家族として 入って います）"),
    "ma_grade": ("標準報酬月額", "standard monthly remuneration", "1か月の きゅうりょう"),
    "ma_estimate": (
        "標準報酬月額が不明のため年収の12分の1で概算",
        "annual income / 12, an estimate in place of the standard monthly remuneration grade,",
        "1年の 収入の 12分の1",
    ),
    "ma_due": ("出産予定日$d", "Due on $d", "生まれる 予定の 日は $d"),
    "ma_birth": ("$dの出産", "Birth on $d", "$d に 生まれました"),
    "ma_member": (
        "$what（$babies児）。産前$before日・産後$after日の計$days日 × 日額$daily（$label$smr ÷ 30 × 2/3）= "
        "$amount（休業し給与がない場合）。",
        "$what ($babies baby(ies)): $before days before and $after after = $days days × $daily a day ($label "
        "$smr / 30 × 2/3) = $amount, if she is off work without pay.",
        "$what。 休む $days日 × 1日 $daily で、ぜんぶで $amount です（休んで きゅうりょうが ない とき）。",
    ),
    "ma_summary": (
        "日額$daily、合計$total。",
        "$daily a day, $total in total.",
        "1日 $daily、ぜんぶで $total です。",
    ),
    # --- 未熟児養育医療 premature-infant care ------------------------------------------------------------
    "pic_light": (
        "出生体重${weight}g（${limit}g以下）",
        "birth weight $weight g (≤ $limit g)",
        "体重が $weight グラムです",
    ),
    "pic_weak": ("生活力が特に薄弱", "weak vitality", "体の 力が とても 弱いです"),
    "pic_covered": (
        "1歳未満で$whyのため、医師が入院養育を必要と認めれば養育医療の対象です。",
        "Under 1 with $why: covered if a doctor finds hospital care necessary.",
        "1さいより 小さくて、$why。 医者が 入院が ひつようと 言えば、入院の お金を 市が 出します。",
    ),
    "pic_not": (
        "出生体重${weight}g。${limit}g以下ではないため対象外です。",
        "Birth weight $weight g, above $limit g.",
        "体重が $weight グラム なので、たいしょうでは ありません。",
    ),
    "pic_unknown": (
        "出生体重がわからないため判定できません（${limit}g以下なら対象です）。",
        "The birth weight is not known ($limit g or less is covered).",
        "体重が わかりません。 $limit グラムより 軽い ときは たいしょうです。",
    ),
    "pic_summary": ("対象の子は$n人です。", "$n infant(s) covered.", "たいしょうの 赤ちゃんは $n人 です。"),
    "pic_none": (
        "対象となる1歳未満の子はいません。",
        "No infant under 1 qualifies.",
        "たいしょうの 赤ちゃんは いません。",
    ),
    # --- 子ども医療費助成 child medical subsidy ----------------------------------------------------------
    "ms_not_configured": (
        "この市区町村の子ども医療費助成の設定がないため判定できません。市区町村の窓口でご確認ください。",
        "The child medical subsidy of this municipality is not configured here, so it cannot be decided; ask "
        "the municipality.",
        "この 市の 子どもの 医療費の せいどが わからないので、市役所に きいて ください。",
    ),
    "ms_past": (
        "$age歳。$n歳に達した後の最初の3月31日（$end）を過ぎたため対象外です。",
        "Age $age. Past the first 31 March after turning $n ($end).",
        "$age さい。 $end を すぎたので、たいしょうでは ありません。",
    ),
    "ms_not_supported": (
        "$age歳。保護者が監護していないため対象外です。",
        "Age $age. Not in the guardians' care and keep.",
        "$age さい。 おやが そだてて いない 子なので、たいしょうでは ありません。",
    ),
    "ms_income": (
        "$age歳。保護者の所得（$income）が所得制限（$limit）以上のため対象外です。",
        "Age $age. The guardian's income ($income) is at or above the limit ($limit).",
        "$age さい。 おやの 所得が 多いので、たいしょうでは ありません。",
    ),
    "ms_covered": (
        "$age歳。$endまで保険診療の自己負担を助成します（通院1回$feeの負担）。受給者証が交付されます。",
        "Age $age. Co-payments covered until $end (fee $fee per outpatient visit); a recipient card is issued.",
        "$age さい。 $end まで、病院で はらう お金を 市が 出します（病院に 1回 行くと $fee はらいます）。 "
        "受給者証が もらえます。",
    ),
    "ms_covered_free": (
        "$age歳。$endまで保険診療の自己負担を助成します（通院の負担なし）。受給者証が交付されます。",
        "Age $age. Co-payments covered until $end (no fee per visit); a recipient card is issued.",
        "$age さい。 $end まで、病院で はらう お金を 市が 出します。 受給者証が もらえます。",
    ),
    "ms_summary": (
        "$scheme：対象の子は$n人です。",
        "$scheme: $n child(ren) covered.",
        "たいしょうの 子どもは $n人 です。",
    ),
    # --- 児童扶養手当 single-parent allowance -----------------------------------------------------------
    "sp_not_single": (
        "ひとり親世帯ではないため対象外です。",
        "Not a single-parent household.",
        "ひとり親の 家族では ないので、もらえません。",
    ),
    "sp_within": (
        "$n歳に達した後の最初の3月31日まで",
        "until the first 31 March after reaching $n",
        "$n さいの あとの 3月31日まで",
    ),
    "sp_disabled": ("障害があり$n歳未満", "disabled and under $n", "障害が あって $n さいより 小さい"),
    "sp_child": (
        "$age歳。$whyのため対象児童（$rank人目）。",
        "Age $age: an eligible child ($why), number $rank.",
        "$age さい。 手当の たいしょうの 子どもです（$rank人目）。",
    ),
    "sp_not_counted": (
        "$age歳。対象児童の年齢を過ぎている、または監護していないため数えません。",
        "Age $age: past the age limit or not in the parent's care, so not counted.",
        "$age さい。 年齢を すぎて いるか、そだてて いない 子なので、数えません。",
    ),
    "sp_full": ("全部支給", "full payment", "ぜんぶ もらえます"),
    "sp_partial": ("一部支給", "partial payment", "一部 もらえます"),
    "sp_none": ("支給停止", "no payment (income at or above the limit)", "所得が 多いので もらえません"),
    "sp_claimant": (
        "受給者。所得$income（扶養親族等$deps人。全部支給は$full未満、一部支給は$partial未満）のため$level、月額$total。",
        "Claimant. Income $income ($deps dependant(s): full payment below $full, partial below $partial): $level, "
        "$total a month.",
        "手当を もらう 人です。 金額は 所得で きまります。 $level。 1か月 $total です。",
    ),
    "sp_summary": (
        "$level：月額$total（対象児童$n人）。",
        "Single-parent allowance, $level: $total a month for $n child(ren).",
        "1か月 $total です（子ども $n人）。",
    ),
    # --- 育児休業給付金・出生後休業支援給付金 childcare-leave benefit -----------------------------------
    "cl_spouse_also": (
        "配偶者も14日以上休業するため",
        "the spouse also takes 14+ days",
        "家族も 14日 いじょう 休む",
    ),
    "cl_spouse_not_required": (
        "配偶者の休業は要件となりません（配偶者が産後休業中、または雇用保険の被保険者でない）ため",
        "the spouse's leave is not required (the spouse is on postnatal leave or not employment-insured)",
        "家族は 休まなくても よい",
    ),
    "cl_topup": (
        "出生後休業支援給付金：本人が14日以上休業し、$why、賃金日額の13% × $days日 = $amount。",
        "Post-birth leave top-up: 14+ days of leave and $why, so 13% × $days days = $amount.",
        "14日 いじょう 休んだので、ほかに $amount もらえます（出生後休業支援給付金）。",
    ),
    "cl_topup_needs_own": (
        "出生後休業支援給付金は、本人が子の出生後の一定期間に14日以上休業すると加算されます。",
        "The 13% top-up needs 14+ days of leave soon after the birth.",
        "赤ちゃんが 生まれた あと 14日 いじょう 休むと、お金が ふえます。",
    ),
    "cl_topup_needs_spouse": (
        "出生後休業支援給付金は、雇用保険に加入している配偶者も14日以上休業すると加算されます。",
        "The 13% top-up also needs 14+ days of leave by the employment-insured spouse.",
        "家族も 14日 いじょう 休むと、お金が ふえます。",
    ),
    "cl_first_phase": ("休業開始から180日まで67%", "67% for the first 180 days", "はじめの 180日は 67%"),
    "cl_later_phase": ("181日目から50%", "50% from day 181", "181日目からは 50%"),
    "cl_on_leave": (
        "雇用保険の被保険者。1歳未満の子の育児休業中は、休業開始時賃金日額$daily（上限$cap）× 30日 × $phase = "
        "月$monthly（休業開始は$start）。",
        "Employment-insured. While on childcare leave for the child under 1: daily wage $daily (cap $cap) × 30 × "
        "$phase = $monthly a month (leave from $start).",
        "育児休業の あいだ、1か月 $monthly もらえます（$start から。$phase）。",
    ),
    "cl_postnatal": (
        "雇用保険の被保険者。産後休業中（出産の翌日から56日、出産手当金の期間）のため、この月の育児休業給付金はありません。"
        "育児休業は$startから取れ、その間は月$monthly（休業開始時賃金日額$daily × 30日 × 67%）。",
        "Employment-insured. On postnatal leave (56 days after the birth, covered by the maternity allowance), so "
        "no childcare-leave benefit this month. Childcare leave can start on $start, then $monthly a month (daily "
        "wage $daily × 30 × 67%).",
        "いまは 産後休業 なので、この 月は ありません。 $start から 育児休業を とると、1か月 $monthly もらえます。",
    ),
    "cl_not_declared": (
        "雇用保険の被保険者ですが、育児休業の予定（日数）が届け出られていないため、育児休業給付金・出生後休業支援給付金はありません。"
        "育児休業を取る場合は$startから取れ、その間は月$monthly（休業開始時賃金日額$daily × 30日 × 67%）です。",
        "Employment-insured, but no childcare leave has been declared, so no childcare-leave benefit or top-up. "
        "Leave can start on $start; then $monthly a month (daily wage $daily × 30 × 67%).",
        "育児休業を とる よていが 出て いないので、この お金は ありません。 $start から 育児休業を とると、1か月 $monthly もらえます。",
    ),
    "cl_summary_none": (
        "育児休業の予定が届け出られていないため、育児休業給付金・出生後休業支援給付金はありません。",
        "No childcare leave has been declared, so no childcare-leave benefit or top-up.",
        "育児休業を とる よていが 出て いないので、この お金は ありません。",
    ),
    "cl_summary_on": (
        "この月の育児休業給付金は月額合計$total",
        "$total a month while on leave",
        "この 月は 1か月 ぜんぶで $total です",
    ),
    "cl_summary_before": (
        "育児休業を始めると月額合計$total（この月はまだ休業前または産後休業中）",
        "$total a month once on leave (not yet on leave this month, or on postnatal leave)",
        "育児休業を はじめると、1か月 ぜんぶで $total です",
    ),
    "cl_summary_topup": (
        "、出生後休業支援給付金$topup。",
        ", plus a top-up of $topup.",
        "。 ほかに $topup もらえます。",
    ),
    "cl_summary_end": ("。", ".", "。"),
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
        "出生時育児休業給付金は合計$total。",
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
        "育児時短就業給付は月額合計$total。",
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
