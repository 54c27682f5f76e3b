"""The dialogue on the running platform: forms become palm applications, prefilled through the hub."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from tenohira.agencies.membership import close_member_clients
from tenohira.core.db import dispose_databases
from tenohira.palm.people import close_palm_clients
from tests.palm.conftest import resident


async def say(http: httpx.AsyncClient, conversation: str, text: str) -> dict[str, Any]:
    r = await http.post(f"/api/assistant/conversations/{conversation}/messages", json={"text": text})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_birth_dialogue_files_into_the_palm(live_server: Any, tmp_path: Path) -> None:
    mother = await resident(live_server.url, "R0000002", tmp_path / "mother")
    http = mother.http
    try:
        r = await http.post("/api/assistant/conversations", json={"language": "ja"})
        assert r.status_code == 201, r.text
        cid = r.json()["id"]
        r = await say(http, cid, "昨日子どもが生まれました")
        # the household comes from the agencies through the hub: nothing asked, amounts from the rules
        assert "伺います" not in r["text"] and "目安" not in r["text"]
        assert "児童手当 認定請求" in r["text"] and "円" in r["text"]
        assert "「出生届」の準備を始めますか？" in r["text"]
        r = await say(http, cid, "はい")
        assert r["form"]["asking"] == "child_name"
        await say(http, cid, "陽翔")
        r = await say(http, cid, "はると")
        assert r["form"]["asking"] == "relation_to_child" and "母" in [s["label"] for s in r["suggestions"]]
        r = await say(http, cid, "母です")
        form = r["form"]
        assert form["stage"] == "review" and form["application_id"]
        app_id = form["application_id"]
        # the filer's facts came from the municipality through the hub: read back with their source
        filer = next(f for f in form["fields"] if f["name"] == "filer_name")
        assert filer["value"] and filer["source"] == "municipality.basic-facts" and not filer["asked"]
        assert f"・届出人の氏名：{filer['value']}（市役所）" in r["text"]
        r = await say(http, cid, "はい")
        # the hospital's certificate is a credential: attached in the app, never typed in the chat
        assert app_id in r["text"] and "出生証明書（電子）" in r["text"] and "アプリで添付" in r["text"]
        app = (await http.get(f"/api/applications/{app_id}")).json()
        assert app["procedure"] == "birth_notification" and app["state"] == "prefilled"
        assert app["fields"]["child_name"] == "陽翔" and app["fields"]["child_name_kana"] == "ハルト"
        assert app["fields"]["relation_to_child"] == "mother"
        # a correction reaches the palm application too
        r = await say(http, cid, "読みはハルトではなくヒロトです")
        assert "「ヒロト」に直しました" in r["text"]
        app = (await http.get(f"/api/applications/{app_id}")).json()
        assert app["fields"]["child_name_kana"] == "ヒロト"
        await say(http, cid, "はい")
        # status answers from the palm's applications
        r = await say(http, cid, "出生届の申請はどうなった？")
        assert "出生届：入力中" in r["text"]
    finally:
        await http.aclose()
        await close_palm_clients()
        await close_member_clients()
        await dispose_databases()
