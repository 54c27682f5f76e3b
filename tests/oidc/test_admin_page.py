"""The administrator's page of relying parties (/staff/oidc): register with field errors, list,
remove; a resident who is not an administrator does not see it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from joserfc.jwk import ECKey

from tests.web.test_browser import demo_cards, wait_for_linked_card

__all__ = ["demo_cards"]


def log_in(base: str, resident: str) -> httpx.Client:
    client = httpx.Client(base_url=base, follow_redirects=False, timeout=60)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    answer = client.post("/login", data={"csrf_token": csrf, "card": resident, "pin": "1234"})
    assert answer.status_code == 303, answer.text[:300]
    return client


def csrf_of(page: httpx.Response) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


def test_administrator_registers_and_removes(demo_cards: None, live_server: Any) -> None:
    from tenohira.core import get_settings

    data_dir = Path(get_settings().data_dir)
    for resident in ("R0000004", "R0000002"):
        wait_for_linked_card(data_dir, resident)
    admin = log_in(live_server.url, "R0000004")
    page = admin.get("/staff/oidc")
    assert page.status_code == 200 and "連携先サービス" in page.text
    key = ECKey.generate_key("P-256", parameters={"kid": "k1"}, private=True)
    form = {
        "csrf_token": csrf_of(page),
        "name": "てのひら信用金庫",
        "name_en": "Tenohira Shinkin",
        "redirect_uris": "http://evil.example/cb",
        "scopes": ["openid", "name", "address"],
        "jwks": json.dumps({"keys": [key.as_dict(private=False)]}),
        "require_par": "yes",
    }
    refused = admin.post("/staff/oidc/clients", data=form)
    assert (
        refused.status_code == 422 and "https のみ" in refused.text and 'aria-invalid="true"' in refused.text
    )
    private = admin.post(
        "/staff/oidc/clients",
        data={
            **form,
            "redirect_uris": "https://shinkin.example/cb",
            "jwks": json.dumps({"keys": [key.as_dict(private=True)]}),
        },
    )
    assert private.status_code == 422 and "公開鍵だけ" in private.text
    done = admin.post("/staff/oidc/clients", data={**form, "redirect_uris": "https://shinkin.example/cb"})
    assert done.status_code == 303
    listed = admin.get(done.headers["location"])
    assert "連携先を登録しました" in listed.text and "てのひら信用金庫" in listed.text
    assert "https://shinkin.example/cb" in listed.text
    client_id = re.search(r"/staff/oidc/clients/(rp-[0-9a-f]+)/remove", listed.text).group(1)  # type: ignore[union-attr]
    meta = httpx.get(f"{live_server.url}/.well-known/openid-configuration").json()
    assert meta["issuer"] == live_server.url
    gone = admin.post(f"/staff/oidc/clients/{client_id}/remove", data={"csrf_token": csrf_of(listed)})
    assert gone.status_code == 303
    assert "てのひら信用金庫" not in admin.get("/staff/oidc").text
    # a resident who is no administrator: the page does not exist for them
    resident = log_in(live_server.url, "R0000002")
    assert resident.get("/staff/oidc").status_code == 404
