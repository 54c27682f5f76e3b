"""Whole conversations through the HTTP API, behind a real card login.

The palm cannot resolve cards here (no hub credentials in a bare test app), so forms are
prepared in the conversation ("local" mode) and the household is asked — as the dialogue says.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tenohira.core.wording import date_words
from tenohira.procedures import deadline_for, load_catalogue
from tenohira.supporters import HelpRequest
from tests.assistant.dialogue_helpers import Chat, login, make_app

BIRTH = date(2026, 11, 20)
TODAY = date(2026, 11, 26)


def deadline(procedure: str) -> date:
    found = deadline_for(load_catalogue().get(procedure), BIRTH)
    assert found is not None
    return found


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dialogue's today is fixed, so amounts and deadlines do not drift with the calendar."""
    import tenohira.assistant.service as service

    monkeypatch.setattr(service, "today_jst", lambda: TODAY)


@pytest.fixture
async def client(migrated_db: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app()), base_url="http://palm.test"
    ) as c:
        yield c


@pytest.fixture
async def chat(client: httpx.AsyncClient, migrated_db: Any, tmp_path: Path) -> Chat:
    return Chat(client, await login(client, migrated_db, tmp_path, "R0000001"))


async def test_birth_dialogue_in_japanese(chat: Chat) -> None:
    await chat.start()
    r = await chat.say("子供が生まれたのだけど、役所にはどんな手続きが必要なの？")
    assert "生まれた日" in r["text"]
    r = await chat.say("2026年11月20日です")
    assert "世帯の情報をまだ役所から取り寄せられない" in r["text"]  # says why it asks
    assert [s["label"] for s in r["suggestions"]] == ["母", "父"]
    r = await chat.say("母です")
    assert "国民健康保険" in [s["label"] for s in r["suggestions"]]
    r = await chat.say("夫の会社の保険の扶養に入っています")
    r = await chat.say("上に一人います")
    text = r["text"]
    d = deadline("birth_notification")
    assert f"出生届（期限：{date_words(d, 'ja')}）" in text
    c = deadline("child_allowance_revision")
    # the household's amount, as the notices say it: the older child (estimated 6) 10,000 yen and the
    # baby (second child, under 3) 15,000 yen a month (rules), with the 15-day deadline (catalogue).
    # Already receiving for the older child: the revision (額改定認定請求), never also a first claim.
    assert f"児童手当 額改定認定請求（期限：{date_words(c, 'ja')}）　月額 25,000円（世帯の合計）" in text
    assert "児童手当 認定請求（" not in text
    assert "出産育児一時金" in text and "500,000円" in text
    assert (
        "国民健康保険 加入の届出" not in text.split("当てはまらないと判断したもの")[0]
    )  # employee insurance
    assert "出産手当金" in text.split("当てはまらないと判断したもの")[1]  # a dependant has none
    assert "目安" in text
    assert text.endswith("「出生届」の準備を始めますか？")
    r = await chat.say("はい")
    # relation was answered already (母): only the name and its reading are asked, one at a time
    assert r["form"]["asking"] == "child_name" and "子の氏名" in r["text"]
    r = await chat.say("陽翔です")
    assert r["form"]["asking"] == "child_name_kana"
    r = await chat.say("はると")
    assert r["form"]["stage"] == "review" and r["form"]["asking"] is None
    assert "・子の氏名：陽翔" in r["text"] and "・子の氏名の読み方（フリガナ）：ハルト" in r["text"]
    assert "・届出人と子の関係：母" in r["text"]
    assert "病院の出生証明書から自動で入ります：子の性別、生まれた日" in r["text"]
    asked = {f["name"] for f in r["form"]["fields"] if f["asked"]}
    assert asked == {"child_name", "child_name_kana"}  # prefilled fields are never asked
    r = await chat.say("はい")
    assert "「出生届」の準備ができました" in r["text"] and "署名" in r["text"]
    assert "次は" in r["text"] and r["form"] is None
    r = await chat.say("いいえ")
    assert "わかりました" in r["text"]
    r = await chat.say("出生届の申請はどうなった？")
    assert "出生届：準備済み・署名待ち" in r["text"]
    conversation = await chat.get()
    assert conversation["prepared"] == [
        {"procedure": "birth_notification", "state": "ready_to_sign", "application_id": None}
    ]


async def test_birth_dialogue_in_english(chat: Chat) -> None:
    r = await chat.start("en")
    assert r["text"].startswith("Hello")
    r = await chat.say("We just had a baby")
    assert "When was the baby born?" in r["text"]
    r = await chat.say("November 20, 2026")
    assert [s["label"] for s in r["suggestions"]] == ["mother", "father"]
    await chat.say("I'm the mother")
    await chat.say("national health insurance")
    r = await chat.say("0")
    d = deadline("birth_notification")
    assert f"- Birth notification (deadline: {d.day} {d.strftime('%B')} {d.year})" in r["text"]
    assert "Enrolling the child in National Health Insurance" in r["text"].split("Not applicable")[0]
    assert "¥15,000 a month (for your household)" in r["text"]
    r = await chat.say("yes")
    assert r["text"].startswith("Please tell me: Child's name")
    r = await chat.say("Haruto")  # a name must be in kanji or kana
    assert "kanji or kana" in r["text"] and r["form"]["asking"] == "child_name"
    r = await chat.say("陽翔")
    r = await chat.say("Haruto")  # the reading in romaji is taken as katakana
    assert "- Reading of the child's name (kana): ハルト" in r["text"]
    assert "- Your relation to the child: mother" in r["text"]
    r = await chat.say("No, the reading is Hiroto")
    assert "Changed “Reading of the child's name (kana)” to “ヒロト”" in r["text"]
    r = await chat.say("yes")
    assert "The Birth notification is ready" in r["text"]
    r = await chat.say("no")
    assert r["language"] == "en" and r["text"].startswith("All right")


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"[。？！\n]", text) if s.strip()]


async def test_birth_dialogue_in_easy_japanese(chat: Chat) -> None:
    await chat.start()  # no language chosen: the first message decides
    r = await chat.say("あかちゃん が うまれました")
    assert r["language"] == "easy_ja"
    assert "{生|う}まれた" in r["text"] and "生まれた" in r["text_plain"] and "{" not in r["text_plain"]
    r = await chat.say("きのう うまれました")
    assert "{質問|しつもん}" in r["text"]
    r = await chat.say("はは")  # the reading of 母 is enough
    r = await chat.say("こくほ")
    r = await chat.say("0")
    assert "ひと{月|つき} 15,000 {円|えん}（{家族|かぞく}の {合計|ごうけい}）" in r["text"]
    r = await chat.say("はい")
    assert "{教|おし}えて" in r["text"]
    for s in sentences(r["text_plain"]):
        assert len(s) <= 40, s  # short sentences
    await chat.say("ひなた")
    r = await chat.say("ひなた")
    assert "・名前の 読み方： ヒナタ" in r["text"]
    r = await chat.say("はい")
    assert "{準備|じゅんび}が できました" in r["text"]
    conversation = await chat.get()
    assert conversation["language"] == "easy_ja"
    assert all("{" not in m["text_plain"] for m in conversation["messages"])


async def test_corrections_at_any_point(chat: Chat) -> None:
    await chat.start()
    await chat.say("昨日子どもが生まれました")
    await chat.say("母")
    await chat.say("国民健康保険")
    r = await chat.say("0")
    # the date of the event was wrong: deadlines are worked out again
    r = await chat.say("いいえ、生まれた日は2026年11月19日です")
    assert r["text"].startswith("日付を令和8年（2026年）11月19日に直しました。")
    assert "出生届（期限：令和8年（2026年）12月2日）" in r["text"]
    assert r["text"].endswith("準備を始めますか？")
    assert (await chat.get())["event_date"] == "2026-11-19"
    r = await chat.say("はい")
    assert r["form"]["asking"] == "child_name"
    # not a name, and not a misunderstanding: what is needed is said, the question stays
    for answer in ("まだ決めていません", "はい"):
        r = await chat.say(answer)
        assert r["form"]["asking"] == "child_name" and r["help_request"] is None
    assert "子の氏名を教えてください" in r["text"]
    r = await chat.say("𠮷太")  # not a permitted kanji: explained, asked again, not a misunderstanding
    assert "「𠮷」は名前に使えない字です" in r["text"] and r["form"]["asking"] == "child_name"
    r = await chat.say("吉太")
    r = await chat.say("ユウタ")
    assert r["form"]["stage"] == "review"
    r = await chat.say("いいえ、読みはヨシタです")
    assert "「子の氏名の読み方（フリガナ）」を「ヨシタ」に直しました" in r["text"]
    assert "・子の氏名の読み方（フリガナ）：ヨシタ" in r["text"] and r["form"]["stage"] == "review"
    # "直す" → which field → ask it again → back to the read-back
    r = await chat.say("直す")
    assert [s["label"] for s in r["suggestions"]] == ["子の氏名", "子の氏名の読み方（フリガナ）"]
    r = await chat.say("子の氏名")
    assert r["form"]["asking"] == "child_name"
    r = await chat.say("陽太")
    assert "「子の氏名」を「陽太」に直しました" in r["text"] and r["form"]["stage"] == "review"
    r = await chat.say("はい")
    assert "準備ができました" in r["text"]
    # after finishing: a correction reopens the form for a new read-back
    r = await chat.say("読みはヨシタではなくヨウタです")
    assert "「ヨウタ」に直しました" in r["text"] and r["form"]["stage"] == "review"
    assert "・子の氏名：陽太" in r["text"]
    r = await chat.say("はい")
    prepared = (await chat.get())["prepared"]
    assert [p["procedure"] for p in prepared] == ["birth_notification"]


async def test_two_misunderstandings_hand_over_with_the_conversation(chat: Chat, migrated_db: Any) -> None:
    await chat.start()
    await chat.say("子どもが生まれました")
    r = await chat.say("ほげほげ")
    assert "わかりませんでした" in r["text"] and r["help_request"] is None
    assert "人と話したい" in [s["label"] for s in r["suggestions"]]
    r = await chat.say("ふがふが")
    request_id = r["help_request"]
    assert (
        request_id
        and request_id in r["text"]
        and "同じことをもう一度説明していただく必要はありません" in r["text"]
    )
    async with migrated_db.session() as s:
        row = (await s.scalars(sa.select(HelpRequest))).one()
    assert row.id == request_id and row.reason == "not_understood" and row.state == "open"
    assert row.source == f"assistant:{chat.id}" and row.resident_code == "holder:R0000001"
    said = [m["text"] for m in row.transcript if m["role"] == "resident"]
    assert said == ["子どもが生まれました", "ほげほげ", "ふがふが"]
    # asking again does not open a second request
    r = await chat.say("人と話したい")
    assert r["help_request"] == request_id and "受付済み" in r["text"]
    assert (await chat.get())["help_request"] == request_id


async def test_asking_for_a_person(chat: Chat, migrated_db: Any) -> None:
    await chat.start("en")
    r = await chat.say("I want to talk to a person")
    assert r["help_request"] and "digital supporter" in r["text"]
    async with migrated_db.session() as s:
        row = (await s.scalars(sa.select(HelpRequest))).one()
    assert row.reason == "asked" and row.language == "en"


async def test_a_good_answer_resets_the_misunderstanding_count(chat: Chat) -> None:
    await chat.start()
    await chat.say("ほげほげ")
    await chat.say("子どもが生まれました")
    r = await chat.say("ほげほげ")
    assert r["help_request"] is None


BAD_INPUTS: list[tuple[Any, str, str]] = [
    ("", "empty", "空"),
    ("   ", "empty", "空"),
    ("あ" * 1001, "long", "長すぎます"),
    ("\x00\x01\x02", "binary", "読み取れない"),
    ("\ud800", "binary", "読み取れない"),
    ("<script>alert(1)</script>", "markup", "HTML"),
    ('<img src=x onerror="alert(1)">', "markup", "HTML"),
    ("javascript:alert(1)", "markup", "HTML"),
    ("{{7*7}}", "markup", "HTML"),
    (12345, "binary", "読み取れない"),
]


async def test_bad_input_gets_a_polite_reply(chat: Chat) -> None:
    await chat.start("ja")
    for text, reason, words in BAD_INPUTS:
        if text == "\ud800":  # a lone surrogate cannot be encoded by the client: send the JSON escape
            response = await chat.client.post(
                f"/api/assistant/conversations/{chat.id}/messages",
                content=b'{"text": "\\ud800"}',
                headers={**chat.auth, "content-type": "application/json"},
            )
            assert response.status_code == 200, response.text
            r = response.json()
        else:
            r = await chat.say(text)
        assert r["refused"] == reason and words in r["text"], text
        assert "<" not in r["text"] and "alert" not in r["text"]
        stored = (await chat.get())["messages"][-2]
        assert stored["role"] == "resident" and stored["text"] == f"[refused: {reason}]"
    # refusals are not misunderstandings: no hand-over
    assert (await chat.get())["help_request"] is None


async def test_a_body_that_is_not_json_is_answered_politely(chat: Chat) -> None:
    await chat.start("ja")
    for body in (b"\xff\xfe\x00garbage", b"{not json", b"[1,2]", b"x" * 100_000):
        r = await chat.client.post(
            f"/api/assistant/conversations/{chat.id}/messages",
            content=body,
            headers={**chat.auth, "content-type": "application/json"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["refused"] in ("binary", "long") and "garbage" not in r.text


async def test_conversation_is_remembered_across_requests_and_apps(
    chat: Chat, migrated_db: Any, tmp_path: Path
) -> None:
    await chat.start()
    await chat.say("子どもが生まれました")
    await chat.say("11月20日")
    # another app instance (as after a restart): the same conversation continues
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=make_app()), base_url="http://palm.test"
    ) as c2:
        again = Chat(c2, chat.auth, id=chat.id)
        r = await again.say("父です")
        assert "お母さんの健康保険" in r["text"]
        conversation = await again.get()
    assert conversation["stage"] == "ask_household" and conversation["event"] == "birth"
    assert conversation["event_date"].endswith("-11-20")
    roles = [m["role"] for m in conversation["messages"]]
    assert roles == ["assistant"] + ["resident", "assistant"] * 3
    assert [m["seq"] for m in conversation["messages"]] == list(range(1, 8))
    assert conversation["messages"][-2]["text"] == "父です"


async def test_conversations_are_private_to_their_resident(
    client: httpx.AsyncClient, chat: Chat, migrated_db: Any, tmp_path: Path
) -> None:
    await chat.start()
    await chat.say("子どもが生まれました")
    other = Chat(client, await login(client, migrated_db, tmp_path, "R0000002"))
    r = await client.get(f"/api/assistant/conversations/{chat.id}", headers=other.auth)
    assert r.status_code == 404 and r.headers["content-type"].startswith("application/problem+json")
    r = await client.post(
        f"/api/assistant/conversations/{chat.id}/messages", json={"text": "はい"}, headers=other.auth
    )
    assert r.status_code == 404
    r = await client.get(f"/api/assistant/conversations/{chat.id}")
    assert r.status_code == 401
    # the other resident's status answer does not see the first one's forms
    await other.start()
    r = await other.say("出生届の申請はどうなった？")
    assert "まだありません" in r["text"]


async def test_a_message_handled_meanwhile_is_a_conflict_not_a_lost_update(
    client: httpx.AsyncClient, chat: Chat, migrated_db: Any
) -> None:
    from tenohira.assistant.models import Conversation

    await chat.start()
    await chat.say("子どもが生まれました")
    async with migrated_db.session() as s:
        row = await s.get(Conversation, chat.id)
        assert row is not None
        version = row.version
    # another request commits between this one's read and write: simulate by bumping the version
    import tenohira.assistant.service as service

    original = service._messages

    async def bump_then_read(session: Any, conversation_id: str) -> Any:
        async with migrated_db.session() as other:
            await other.execute(
                sa.update(Conversation).where(Conversation.id == conversation_id).values(version=version + 1)
            )
        return await original(session, conversation_id)

    service._messages = bump_then_read  # type: ignore[assignment]
    try:
        r = await client.post(
            f"/api/assistant/conversations/{chat.id}/messages", json={"text": "11月20日"}, headers=chat.auth
        )
    finally:
        service._messages = original  # type: ignore[assignment]
    assert r.status_code == 409 and r.json()["type"].endswith("assistant-conversation-busy")
    conversation = await chat.get()
    assert conversation["stage"] == "ask_date" and len(conversation["messages"]) == 3  # nothing half-written


async def test_the_resident_can_change_language(chat: Chat) -> None:
    await chat.start("ja")
    r = await chat.say("子どもが生まれました")
    assert "生まれた日はいつですか" in r["text"]
    r = await chat.say("英語で話して")
    assert r["language"] == "en" and r["text"] == (
        "All right, I will answer in English.\nWhen was the baby born? (For example: 3 November, yesterday.)"
    )
    r = await chat.say("日本語が難しいです")
    assert r["language"] == "easy_ja" and "{生|う}まれた {日|ひ}は いつですか" in r["text"]
    r = await chat.say("きのう")
    assert r["language"] == "easy_ja" and "{質問|しつもん}" in r["text"]
    assert (await chat.get())["language"] == "easy_ja"


async def test_supporters_read_the_conversation_after_the_request(chat: Chat, migrated_db: Any) -> None:
    from tenohira.assistant import conversation_messages

    await chat.start()
    r = await chat.say("人と話したい")
    await chat.say("児童手当のことで相談したいです")
    async with migrated_db.session() as s:
        request = (await s.scalars(sa.select(HelpRequest))).one()
        assert request.id == r["help_request"]
        conversation_id = request.source.removeprefix("assistant:")
        messages = await conversation_messages(s, conversation_id)
        assert await conversation_messages(s, "Cnone") is None
    assert messages is not None
    assert messages[-2]["text"] == "児童手当のことで相談したいです"  # said after the request
