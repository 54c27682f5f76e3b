"""What the assistant says, in 日本語, English and やさしい日本語 (easy Japanese).

Easy-Japanese sentences are short, split into phrases by spaces (分かち書き), and mark
readings as ``{漢字|かんじ}``; the web layer renders that as ruby (furigana) and escapes
everything else. :func:`plain` removes the marks for a text-only channel.

Parameters are ``$name`` (``string.Template``); values are stripped of ``{``/``}`` so that
nothing the resident typed can become markup.
"""

from __future__ import annotations

import re
from string import Template

_RUBY = re.compile(r"\{([^{}|]+)\|([^{}|]+)\}")

# key: (ja, en, easy_ja)
TEXTS: dict[str, tuple[str, str, str]] = {
    "language_set": (
        "わかりました。日本語でお話しします。",
        "All right, I will answer in English.",
        "わかりました。 やさしい {日本語|にほんご}で {話|はな}します。",
    ),
    "greeting": (
        "こんにちは。手のひらアシスタントです。どんなことがありましたか？（例：子どもが生まれた、来月引っ越す）",
        "Hello, I am the Tenohira assistant. What happened, or what would you like to do? "
        "(For example: we had a baby, I am moving next month.)",
        "こんにちは。 てのひら アシスタント です。 なにが ありましたか？ "
        "{例|れい}： 「{子|こ}どもが {生|う}まれた」",
    ),
    "ask_date_birth": (
        "お子さんが生まれた日はいつですか？（例：11月3日、昨日）",
        "When was the baby born? (For example: 3 November, yesterday.)",
        "{赤|あか}ちゃんが {生|う}まれた {日|ひ}は いつですか？ {例|れい}： 11{月|がつ}3{日|か}",
    ),
    "ask_date_move": (
        "引っ越しの日（予定日）はいつですか？",
        "When is (or was) the move?",
        "{引|ひ}っ{越|こ}しの {日|ひ}は いつですか？",
    ),
    "ask_date_death": (
        "お亡くなりになった日はいつですか？",
        "On what date did they pass away?",
        "{亡|な}くなった {日|ひ}は いつですか？",
    ),
    "ask_date_company_founding": (
        "会社の設立日（登記の日）はいつですか？",
        "What is (or was) the date of incorporation?",
        "{会社|かいしゃ}を つくった {日|ひ}は いつですか？",
    ),
    "date_not_understood": (
        "日付がわかりませんでした。「11月3日」や「昨日」のように教えてください。",
        "I could not read a date. Please write it like 3 November or yesterday.",
        "{日|ひ}が わかりませんでした。 「11{月|がつ}3{日|か}」のように {書|か}いて ください。",
    ),
    "date_in_future": (
        "生まれた日が未来の日付になっています。もう一度教えてください。",
        "That date of birth is in the future. Please tell me again.",
        "その {日|ひ}は まだ {来|き}て いません。 もう {一度|いちど} {教|おし}えて ください。",
    ),
    "household_intro": (
        "あなたに当てはまる手続きと金額を調べるため、${n}つだけ伺います"
        "（世帯の情報をまだ役所から取り寄せられないため、あなたに直接お聞きします）。",
        "To find what applies to you and the amounts, I need to ask $n short questions "
        "(the household's records cannot be fetched from the city here yet, so I ask you instead).",
        "あなたが もらえる お{金|かね}を {調|しら}べます。 ${n}つ {質問|しつもん}します。",
    ),
    "q_parent_role": (
        "あなたはお子さんのお母さんですか、お父さんですか？",
        "Are you the baby's mother or father?",
        "あなたは {赤|あか}ちゃんの お{母|かあ}さん ですか？ お{父|とう}さん ですか？",
    ),
    "q_mother_insurance": (
        "お母さんの健康保険はどれですか？",
        "Which health insurance does the mother have?",
        "お{母|かあ}さんの {保険|ほけん}は どれ ですか？",
    ),
    "q_older_children": (
        "赤ちゃんのほかに、一緒に暮らす18歳までのお子さんは何人いますか？（いなければ「0」）",
        "Apart from the baby, how many children up to 18 live with you? (0 if none)",
        "{赤|あか}ちゃんの ほかに {子|こ}どもは {何人|なんにん} いますか？ いなければ 「0」",
    ),
    "plan_header": (
        "${event}について、あなたに当てはまる手続きです。",
        "Here is what applies to you for $event:",
        "あなたに {必要|ひつよう}な {手続|てつづ}き です。",
    ),
    "plan_line": (
        "・$name（期限：$deadline）$amount",
        "- $name (deadline: $deadline)$amount",
        "・$name （$deadline）$amount",
    ),
    "plan_amount_month": (
        "　月額 ${yen}円（世帯の合計）",
        " — ¥$yen a month (for your household)",
        " ひと{月|つき} $yen {円|えん}（{家族|かぞく}の {合計|ごうけい}）",
    ),
    "plan_amount_once": ("　${yen}円", " — ¥$yen", " $yen {円|えん}"),
    "plan_amount_varies": (
        "　金額は収入によって決まります",
        " — the amount depends on earnings",
        " お{金|かね}は {給料|きゅうりょう}で {変|か}わります",
    ),
    "plan_counter": (
        "　（${agency}での手続きです）",
        " (filed with $agency)",
        " （$agency で {出|だ}します）",
    ),
    "overdue": (
        "　※期限を過ぎています。早めに手続きしてください",
        " — overdue: please file as soon as possible",
        " ※{期限|きげん}を {過|す}ぎました。 すぐに {出|だ}して ください",
    ),
    "plan_filed": (
        "提出済みの手続き：$names",
        "Already filed: $names",
        "もう {出|だ}した {手続|てつづ}き： $names",
    ),
    "plan_date_registry": (
        "住民票の記録では、生まれた日は${date}です。期限はこの日から数えます。",
        "The resident register records the birth on $date; deadlines count from that day.",
        "{住民票|じゅうみんひょう}では {生|う}まれた {日|ひ}は $date です。"
        " {期限|きげん}は この {日|ひ}から {数|かぞ}えます。",
    ),
    "plan_date_hospital": (
        "病院の出生証明書では、生まれた日は${date}です。期限はこの日から数えます。",
        "The hospital's birth certificate records the birth on $date; deadlines count from that day.",
        "{病院|びょういん}の {証明書|しょうめいしょ}では {生|う}まれた {日|ひ}は $date です。"
        " {期限|きげん}は この {日|ひ}から {数|かぞ}えます。",
    ),
    "plan_not_applicable": (
        "当てはまらないと判断したもの：$names",
        "Not applicable to you: $names",
        "あなたには {関係|かんけい}ない もの： $names",
    ),
    "plan_estimate": (
        "金額は伺った内容による目安です。決定は役所や保険者が行います。",
        "Amounts are estimates from your answers; the city or the insurer decides.",
        "お{金|かね}は だいたいの {額|がく} です。 {市役所|しやくしょ}などが {決|き}めます。",
    ),
    "no_deadline": ("期限なし", "no fixed deadline", "いつでも"),
    "offer": (
        "「$name」の準備を始めますか？",
        "Shall I start preparing this: $name?",
        "「$name」の {準備|じゅんび}を しますか？",
    ),
    "offer_next": (
        "次は「$name」の準備をしますか？",
        "Next, shall I prepare this: $name?",
        "{次|つぎ}は 「$name」の {準備|じゅんび}を しますか？",
    ),
    "nothing_to_prepare": (
        "ここで準備できる手続きはありません。窓口での手続きになります。",
        "There is nothing I can prepare here: these are filed at the counter.",
        "ここで できる {手続|てつづ}きは ありません。 {窓口|まどぐち}に {行|い}って ください。",
    ),
    "ask_field": (
        "${label}を教えてください。$hint",
        "Please tell me: $label.$hint",
        "${label}を {教|おし}えて ください。$hint",
    ),
    "hint_name_kanji": (
        "（戸籍に載せる書き方で。漢字またはかな）",
        " (as it will be registered, in kanji or kana)",
        " {漢字|かんじ}か かなで {書|か}いて ください。",
    ),
    "hint_name_kana": (
        "（カタカナまたはひらがなで）",
        " (in katakana or hiragana, e.g. ハルト)",
        " カタカナか ひらがなで {書|か}いて ください。",
    ),
    "hint_date": ("（例：11月3日）", " (e.g. 3 November 2026)", " {例|れい}： 11{月|がつ}3{日|か}"),
    "hint_number": ("（数字で）", " (a number)", " {数字|すうじ}で {書|か}いて ください。"),
    "hint_choice": ("（下から選んでください）", " (choose below)", " {下|した}から {選|えら}んで ください。"),
    "invalid_name_chars": (
        "「$chars」は名前に使えない字です（使えるのは常用漢字・人名用漢字・かな）。別の字で教えてください。",
        "“$chars” cannot be used in a name (only jōyō and jinmeiyō kanji and kana). "
        "Please use another character.",
        "「$chars」は {名前|なまえ}に {使|つか}えない {字|じ} です。 ほかの {字|じ}で {書|か}いて ください。",
    ),
    "invalid_name_latin": (
        "名前は戸籍に載せる書き方（漢字またはかな）で書いてください。",
        "Please write the name as it will be registered: in kanji or kana (e.g. 陽翔).",
        "{名前|なまえ}は {漢字|かんじ}か かなで {書|か}いて ください。",
    ),
    "invalid_kana": (
        "読み方はカタカナかひらがなで書いてください（例：ハルト）。",
        "Please write the reading in katakana or hiragana (e.g. ハルト or はると).",
        "よみかたは カタカナか ひらがなで {書|か}いて ください。 {例|れい}： ハルト",
    ),
    "invalid_choice": (
        "次の中から選んでください。",
        "Please choose one of these.",
        "この {中|なか}から {選|えら}んで ください。",
    ),
    "invalid_number": (
        "数字で教えてください。",
        "Please answer with a number.",
        "{数字|すうじ}で {書|か}いて ください。",
    ),
    "invalid_text": (
        "うまく受け取れませんでした。もう一度書いてください。",
        "I could not take that answer. Please write it again.",
        "わかりませんでした。 もう {一度|いちど} {書|か}いて ください。",
    ),
    "name_undecided": (
        "出生届には名前と読み方が必要です。決まったら、この会話の続きで教えてください（内容は覚えています）。",
        "The birth notification needs the name and its reading. Tell me here when you have decided: "
        "I keep this conversation.",
        "{届|とど}けには {名前|なまえ}が {要|い}ります。 {決|き}まったら ここで {教|おし}えて ください。",
    ),
    "cannot_type": (
        "「$label」はチャットでは入力できません。アプリで添付してください。",
        "“$label” cannot be entered in the chat: attach it in the app.",
        "「$label」は アプリで {出|だ}して ください。",
    ),
    "review_header": (
        "「$name」の内容を読み上げます。",
        "Here is everything in the $name:",
        "「$name」の {内容|ないよう}です。",
    ),
    "review_line": ("・$label：$value", "- $label: $value", "・$label： $value"),
    "review_prefill_line": (
        "・${source}から自動で入ります：$label",
        "- Filled in from $source: $label",
        "・$source から {入|はい}ります： $label",
    ),
    "review_source_line": (
        "・$label：$value（$source）",
        "- $label: $value (from $source)",
        "・$label： $value",
    ),
    "review_question": (
        "この内容でよろしいですか？ 直すところがあれば教えてください。",
        "Is everything right? To change something, just tell me.",
        "これで いいですか？",
    ),
    "review_question_names": (
        "この内容でよろしいですか？ 直すところがあれば「読みはハルトです」のように教えてください。",
        "Is everything right? To change something, just tell me (e.g. “the reading is ハルト”).",
        "これで いいですか？ {直|なお}す ときは 「よみは ハルト です」のように {書|か}いて ください。",
    ),
    "choose_fix": ("どこを直しますか？", "What would you like to change?", "どこを {直|なお}しますか？"),
    "corrected": (
        "「$label」を「$value」に直しました。",
        "Changed “$label” to “$value”.",
        "「$label」を 「$value」に {直|なお}しました。",
    ),
    "corrected_date": (
        "日付を${value}に直しました。",
        "Changed the date to $value.",
        "{日|ひ}を $value に {直|なお}しました。",
    ),
    "correction_nowhere": (
        "直す項目が見つかりませんでした。どこを直しますか？",
        "I could not find what to change. What would you like to change?",
        "どこを {直|なお}しますか？",
    ),
    "ready_local": (
        "「$name」の準備ができました。アプリでマイナンバーカードを使って署名すると提出できます"
        "（署名用の暗証番号が必要です）。",
        "The $name is ready. Sign it with your My Number Card in the app to file it "
        "(you will need your signing password).",
        "「$name」の {準備|じゅんび}が できました。 "
        "アプリで マイナンバーカードを {使|つか}って {出|だ}して ください。",
    ),
    "ready_palm": (
        "「$name」を申請 ${id} として確定しました。"
        "アプリの「申請」からマイナンバーカードで署名すると提出されます。",
        "The $name is confirmed as application $id. Sign it with your My Number Card under "
        "“Applications” in the app to file it.",
        "「$name」が できました（$id）。 アプリで マイナンバーカードを {使|つか}って {出|だ}して ください。",
    ),
    "ready_handed_over": (
        "「$name」を申請 ${id} として準備しました。${agency}のシステムにはつながっていないため、"
        "準備した内容を窓口へお持ちください。",
        "The $name is prepared as $id. $agency has no system connected here: take it to them.",
        "「$name」を {準備|じゅんび}しました。 "
        "${agency}の {窓口|まどぐち}に {持|も}って {行|い}って ください。",
    ),
    "ready_palm_attach": (
        "「$name」を申請 ${id} として保存しました。"
        "${labels}はアプリで添付してから、確認してカードで署名してください。",
        "The $name is saved as application $id. "
        "Attach $labels in the app, then confirm and sign with your card.",
        "「$name」を {保存|ほぞん}しました（$id）。 $labels は アプリで {出|だ}して ください。",
    ),
    "all_done": (
        "準備できるものはここまでです。ほかにお手伝いできることはありますか？",
        "That is everything I can prepare. Is there anything else I can help with?",
        "これで {終|お}わりです。 ほかに ありますか？",
    ),
    "cancelled": (
        "わかりました。この手続きの準備はやめておきます。",
        "All right, I have stopped preparing this one.",
        "わかりました。 やめます。",
    ),
    "declined": (
        "わかりました。必要なときはいつでも声をかけてください。",
        "All right. Tell me whenever you need something.",
        "わかりました。 また {話|はな}しかけて ください。",
    ),
    "not_understood": (
        "すみません、よくわかりませんでした。言い方を変えてもう一度教えてください"
        "（「人と話したい」と書くと担当者におつなぎします）。",
        "Sorry, I did not understand. Could you say it another way? "
        "(Write “I want to talk to a person” to reach a supporter.)",
        "ごめんなさい。 わかりませんでした。 もう {一度|いちど} {書|か}いて ください。",
    ),
    "handed_over": (
        "担当者（デジタル推進委員）におつなぎしました。受付番号は ${id} です。"
        "これまでの会話も一緒にお渡ししたので、同じことをもう一度説明していただく必要はありません。",
        "I have passed you to a person (a digital supporter). Your request number is $id. "
        "They have this conversation, so you will not need to repeat yourself.",
        "{係|かかり}の {人|ひと}に つなぎました。 {番号|ばんごう}は $id です。 "
        "この {話|はなし}も {渡|わた}しました。",
    ),
    "handed_over_missed": (
        "うまくお答えできず、申し訳ありません。",
        "I am sorry I could not understand you.",
        "ごめんなさい。",
    ),
    "already_handed_over": (
        "担当者への引き継ぎは受付済みです（受付番号 $id）。担当者はこの会話の続きも読めます。",
        "Your request for a person is already open (number $id); they can read this conversation too.",
        "{係|かかり}の {人|ひと}に もう つないで います（$id）。",
    ),
    "status_none": (
        "まだ申請はありません。",
        "You have no applications yet.",
        "まだ {申請|しんせい}は ありません。",
    ),
    "status_none_for": (
        "「$name」の申請はまだありません。準備を始めますか？",
        "You have not applied for the $name yet. Shall I start preparing it?",
        "「$name」は まだ {出|だ}して いません。 {準備|じゅんび}を しますか？",
    ),
    "status_header": ("申請の状況です。", "Your applications:", "{申請|しんせい}の ようす です。"),
    "status_line": ("・$name：$state（$date 更新）", "- $name: $state (updated $date)", "・$name： $state"),
    "procedure_intro": (
        "「$name」ですね。$summary 期限：$deadline。",
        "The $name: $summary Deadline: $deadline.",
        "「$name」 ですね。 $summary",
    ),
    "event_no_forms": (
        "これらは主に窓口での手続きです。必要なものをご案内しました。",
        "These are mostly filed at the counter; I have listed what you need.",
        "{窓口|まどぐち}で する {手続|てつづ}き です。",
    ),
    "bad_empty": (
        "メッセージが空のようです。ご用件を書いてください。",
        "Your message seems to be empty. Please write what you need.",
        "なにも {書|か}いて ありません。 {用事|ようじ}を {書|か}いて ください。",
    ),
    "bad_long": (
        "メッセージが長すぎます（${max}文字まで）。短く分けて送ってください。",
        "That message is too long (up to $max characters). Please send it in shorter parts.",
        "{長|なが}すぎます。 {短|みじか}く して ください。",
    ),
    "bad_binary": (
        "読み取れない文字が含まれていました。文字だけで送ってください。",
        "The message contained characters I cannot read. Please send plain text.",
        "{読|よ}めない {字|じ}が あります。 {文|ぶん}だけ {送|おく}って ください。",
    ),
    "bad_markup": (
        "HTML やプログラムのような書き方は受け付けていません。文章だけで送ってください。",
        "I do not accept HTML or code. Please write plain sentences.",
        "HTMLや プログラムは {使|つか}えません。 {文|ぶん}だけ {書|か}いて ください。",
    ),
    "yes": ("はい", "Yes", "はい"),
    "no": ("いいえ", "No", "いいえ"),
    "fix": ("直す", "Change something", "{直|なお}す"),
    "talk_to_person": ("人と話したい", "Talk to a person", "{人|ひと}と {話|はな}したい"),
}

STATE_WORDS: dict[str, tuple[str, str, str]] = {
    "draft": ("作成中", "being drafted", "つくって いる"),
    "prefilled": ("入力中", "being filled in", "{書|か}いて いる"),
    "confirmed": ("確認済み・署名待ち", "confirmed, waiting for your signature", "サイン まち"),
    "ready_to_sign": ("準備済み・署名待ち", "prepared, waiting for your signature", "サイン まち"),
    "signed": ("署名済み", "signed", "サイン した"),
    "submitted": ("提出済み・審査中", "filed, being decided", "{出|だ}した"),
    "queued": ("担当者が審査中", "under review by staff", "しらべて いる"),
    "decided": ("決定", "decided", "{決|き}まった"),
    "approved": ("認められました", "approved", "みとめられた"),
    "accepted": ("受理されました", "accepted", "{受|う}け{付|つ}けた"),
    "rejected": ("認められませんでした", "not approved", "だめ だった"),
    "notified": ("決定を通知済み", "decided and notified", "しらせた"),
    "withdrawn": ("取り下げ", "withdrawn", "やめた"),
    "handed_over": ("窓口での手続きが必要", "to be filed at the counter", "{窓口|まどぐち}へ"),
}

AGENCY_WORDS: dict[str, tuple[str, str, str]] = {
    "municipality": ("市役所", "the city office", "{市役所|しやくしょ}"),
    "hospital": ("病院の出生証明書", "the hospital's birth certificate", "{病院|びょういん}"),
    "insurer": ("健康保険の記録", "your health insurer", "{保険|ほけん}"),
    "palm": ("マイナンバーカード・公金受取口座", "your My Number Card and registered account", "カード"),
    "employer": ("勤務先", "your employer", "{会社|かいしゃ}"),
    "hello-work": ("ハローワーク", "Hello Work", "ハローワーク"),
    "pension-office": ("年金事務所", "the pension office", "{年金|ねんきん}{事務所|じむしょ}"),
    "tax-office": ("税務署", "the tax office", "{税務署|ぜいむしょ}"),
    "legal-affairs-bureau": ("法務局", "the Legal Affairs Bureau", "{法務局|ほうむきょく}"),
    "family-court": ("家庭裁判所", "the family court", "{家庭|かてい}{裁判所|さいばんしょ}"),
    "labour-standards-office": (
        "労働基準監督署",
        "the Labour Standards Office",
        "{労働|ろうどう}{基準|きじゅん}{監督署|かんとくしょ}",
    ),
    "prefecture": ("都道府県", "the prefecture", "{県|けん}"),
    "conversation": ("この会話", "this conversation", "この {話|はなし}"),
}

SOURCE_WORDS: dict[str, tuple[str, str, str]] = {
    "palm.card_basic_facts": ("マイナンバーカードの情報", "your My Number Card", "マイナンバーカード"),
    "palm.public_funds_account": (
        "公金受取口座",
        "your registered public-funds account",
        "{国|くに}に {届|とど}けた {口座|こうざ}",
    ),
    "hospital.birth_certificate": (
        "病院の出生証明書",
        "the hospital's birth certificate",
        "{病院|びょういん}の {証明書|しょうめいしょ}",
    ),
    "municipality.resident_record": (
        "市役所の住民記録",
        "the city's resident records",
        "{市役所|しやくしょ}",
    ),
    "municipality.household_members": (
        "市役所の世帯の記録",
        "the city's household records",
        "{市役所|しやくしょ}",
    ),
    "insurer.insurance_status": ("健康保険の記録", "your health insurer's records", "{保険|ほけん}"),
}

EVENT_WORDS: dict[str, tuple[str, str, str]] = {
    "birth": ("お子さんの誕生", "the birth", "{赤|あか}ちゃんが {生|う}まれた とき"),
    "move": ("引っ越し", "your move", "{引|ひ}っ{越|こ}し"),
    "death": ("ご家族の死亡", "the death in the family", "{家族|かぞく}が {亡|な}くなった とき"),
    "company_founding": ("会社の設立", "founding the company", "{会社|かいしゃ}を つくる とき"),
}

_INDEX = {"ja": 0, "en": 1, "easy_ja": 2}


class Marked(str):
    """Text of our own (it may carry ``{漢字|かんじ}`` marks); anything else is data and loses its braces."""

    __slots__ = ()


def pick(entry: tuple[str, str, str], language: str) -> Marked:
    """The entry's text in ``language`` (Japanese for anything unknown)."""
    return Marked(entry[_INDEX.get(language, 0)])


def _safe(value: object) -> str:
    if isinstance(value, Marked):
        return value
    return str(value).replace("{", "（").replace("}", "）")


def say(key: str, language: str, **params: object) -> Marked:
    """The text ``key`` in ``language`` with ``$params`` (only :class:`Marked` values keep marks)."""
    template = Template(pick(TEXTS[key], language))
    return Marked(template.safe_substitute({k: _safe(v) for k, v in params.items()}))


def plain(text: str) -> str:
    """Text without the ``{漢字|かんじ}`` reading marks (kanji kept)."""
    return _RUBY.sub(lambda m: m.group(1), text)


def yen(amount: int) -> str:
    """12,345 (grouped digits, no unit)."""
    return f"{amount:,}"
