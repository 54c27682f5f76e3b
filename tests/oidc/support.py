"""What the OpenID Provider's tests share: a provider served by uvicorn on a real port with one
card in the server-side card reader, a relying party registered with its own ES256 key, and a
resident who answers the consent screen over plain HTTP (as a browser without JavaScript would).
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

RESIDENT = "R0000002"
PIN = "1234"
PASSWORD = "TENOHIRA26"
FACTS = {
    "name": "手野 ひら子",
    "name_kana": "テノ ヒラコ",
    "address": "手のひら市中央一丁目1番1号",
    "birth_date": date(1994, 4, 1),
    "sex": "female",
}


async def prepare(data_dir: Path) -> None:
    """Migrate, make the CA and the transparency log, and issue the resident's card."""
    from tenohira.audit.bootstrap import bootstrap as audit_bootstrap
    from tenohira.core import get_database, get_settings, migrate
    from tenohira.core.progress import no_progress
    from tenohira.identity import BasicFacts, issue_card
    from tenohira.identity.bootstrap import bootstrap as identity_bootstrap

    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    await audit_bootstrap(settings, no_progress)
    await identity_bootstrap(settings, no_progress)
    async with get_database().session() as session:
        await issue_card(
            session,
            holder_ref=RESIDENT,
            facts=BasicFacts(**FACTS),  # type: ignore[arg-type]
            pin=PIN,
            password=PASSWORD,
            out_dir=data_dir / "demo-cards" / RESIDENT,
        )


@dataclass
class RelyingParty:
    """A registered client: its id, private key, redirect URI."""

    client_id: str
    key: ECKey
    redirect_uri: str
    scopes: list[str]

    def assertion(
        self, audience: str, *, lifetime: int = 60, jti: str | None = None, iat: int | None = None
    ) -> str:
        """A private_key_jwt client assertion (for tests that craft their own)."""
        now = iat if iat is not None else int(time.time())
        claims = {
            "iss": self.client_id,
            "sub": self.client_id,
            "aud": audience,
            "iat": now,
            "exp": now + lifetime,
            "jti": jti or uuid.uuid4().hex,
        }
        return jwt.encode({"alg": "ES256", "kid": self.key.kid}, claims, self.key)


async def register(
    *,
    name: str = "てのひら銀行",
    name_en: str = "Tenohira Bank",
    scopes: str = "openid name address birthdate gender sign",
    redirect_uri: str = "http://127.0.0.1:9/callback",
    require_par: bool = True,
    require_dpop: bool = False,
    backchannel_logout_uri: str | None = None,
) -> RelyingParty:
    """Register a relying party (as ``tenohira oidc client add`` does) with a fresh ES256 key."""
    from tenohira.core import get_database
    from tenohira.oidc import add_client

    key = ECKey.generate_key("P-256", parameters={"kid": uuid.uuid4().hex[:12]}, private=True)
    async with get_database().session() as session:
        info = await add_client(
            session,
            name_ja=name,
            name_en=name_en,
            redirect_uris=[redirect_uri],
            post_logout_redirect_uris=[redirect_uri.replace("/callback", "/bye")],
            jwks={"keys": [key.as_dict(private=False)]},
            scopes=scopes.split(),
            require_par=require_par,
            require_dpop=require_dpop,
            backchannel_logout_uri=backchannel_logout_uri,
        )
    return RelyingParty(info.client_id, key, redirect_uri, scopes.split())


class Provider:
    """The platform served by uvicorn in a thread (no background tasks), at ``.url``."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self._server: Any = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        import uvicorn

        from tenohira.app import create_app

        config = uvicorn.Config(
            create_app(background=False), host="127.0.0.1", port=self.port, log_level="warning"
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 30
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("provider did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=15)


_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Resident:
    """The resident at the consent screen, with a cookie jar (no JavaScript needed)."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, follow_redirects=False, timeout=30)

    def open(self, authorization_url: str) -> httpx.Response:
        """Follow the authorization URL to the consent page (or to an error redirect)."""
        response = self.http.get(authorization_url)
        if response.status_code == 303 and response.headers["location"].startswith("/oidc/consent/"):
            return self.http.get(response.headers["location"])
        return response

    def answer(
        self,
        page: httpx.Response,
        *,
        decision: str = "allow",
        facts: list[str] | None = None,
        sign: bool = True,
        pin: str | None = PIN,
        password: str | None = PASSWORD,
    ) -> httpx.Response:
        """Submit the consent form; the answer is the redirect to the relying party."""
        assert page.status_code == 200, page.text[:500]
        match = _CSRF.search(page.text)
        assert match, "no CSRF token on the consent page"
        action = re.search(r'<form method="post" action="(/oidc/consent/[^"]+)"', page.text)
        assert action
        data: list[tuple[str, str]] = [("csrf_token", match.group(1)), ("decision", decision)]
        if 'name="card"' in page.text:
            data.append(("card", RESIDENT))
        if pin is not None and 'name="pin"' in page.text:
            data.append(("pin", pin))
        if password is not None and 'name="password"' in page.text:
            data.append(("password", password))
        offered = re.findall(r'name="facts" value="([a-z]+)"', page.text)
        for fact in offered if facts is None else facts:
            data.append(("facts", fact))
        if sign and 'name="sign"' in page.text:
            data.append(("sign", "yes"))
        form: dict[str, list[str]] = {}
        for key, value in data:
            form.setdefault(key, []).append(value)
        return self.http.post(action.group(1), data=form)

    def close(self) -> None:
        self.http.close()


def run(coro: Any) -> Any:
    """Run a coroutine from a synchronous test."""
    return asyncio.run(coro)


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
