"""The provider driven by Authlib's OAuth 2.0 client (httpx), a widely used relying-party library:
PAR + code + PKCE S256 + private_key_jwt + DPoP, ID-token validation with Authlib's claims
rules, userinfo, refresh rotation, introspection, revocation, RP-initiated logout, and the
resident's access history and consent withdrawal."""

from __future__ import annotations

import base64
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

from tests.oidc.conftest import start_with
from tests.oidc.support import FACTS, Provider, RelyingParty, Resident


def dpop_proof(key: ECKey, method: str, url: str, access_token: str | None = None) -> str:
    """A DPoP proof (RFC 9449 §4.2) made with joserfc (Authlib's client has no DPoP of its own)."""
    claims = {"jti": uuid.uuid4().hex, "htm": method, "htu": url, "iat": int(time.time())}
    if access_token:
        claims["ath"] = (
            base64.urlsafe_b64encode(__import__("hashlib").sha256(access_token.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
    return jwt.encode({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}, claims, key)


def authlib_client(rp: RelyingParty, scope: str) -> OAuth2Client:
    client = OAuth2Client(
        rp.client_id,
        rp.key,
        token_endpoint_auth_method="private_key_jwt",
        scope=scope,
        redirect_uri=rp.redirect_uri,
        code_challenge_method="S256",
    )
    # audience = the endpoint each request goes to (token, PAR, revocation, introspection)
    client.register_client_auth_method(PrivateKeyJWT(alg="ES256"))
    return client


def test_full_flow_with_authlib(provider: Provider, tmp_path: Path) -> None:
    rps = start_with(provider, bank={})
    rp = rps["bank"]
    meta = httpx.get(f"{provider.url}/.well-known/openid-configuration").json()
    assert meta["issuer"] == provider.url
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["response_types_supported"] == ["code"]
    assert meta["token_endpoint_auth_methods_supported"] == ["private_key_jwt"]
    client = authlib_client(rp, "openid name address birthdate gender sign")
    dpop_key = ECKey.generate_key("P-256", private=True)
    verifier = uuid.uuid4().hex + uuid.uuid4().hex
    nonce = uuid.uuid4().hex
    document = "口座開設申込書\n申込日：令和8年12月2日\n普通預金口座の開設を申し込みます。"
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"],
        code_verifier=verifier,
        nonce=nonce,
        acr_values="aal3",
        sign_document=base64.urlsafe_b64encode(document.encode()).rstrip(b"=").decode(),
    )
    # PAR: push exactly what Authlib built, authenticated with private_key_jwt, DPoP-bound
    pushed = client.post(
        meta["pushed_authorization_request_endpoint"],
        data={k: v[0] for k, v in parse_qs(urlsplit(url).query).items()},
        auth=client.client_auth("private_key_jwt"),
        headers={"DPoP": dpop_proof(dpop_key, "POST", meta["pushed_authorization_request_endpoint"])},
    )
    assert pushed.status_code == 201, pushed.text
    request_uri = pushed.json()["request_uri"]
    resident = Resident(provider.url)
    page = resident.open(
        f"{meta['authorization_endpoint']}?client_id={rp.client_id}&request_uri={request_uri}"
    )
    assert "てのひら銀行" in page.text and "口座開設申込書" in page.text
    answer = resident.answer(page, facts=["name", "address", "birthdate"])  # gender kept back
    assert answer.status_code == 303, answer.text[:400]
    callback = answer.headers["location"]
    assert callback.startswith(rp.redirect_uri)
    assert parse_qs(urlsplit(callback).query)["iss"] == [provider.url]
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=callback,
        code_verifier=verifier,
        state=state,
        headers={"DPoP": dpop_proof(dpop_key, "POST", meta["token_endpoint"])},
    )
    assert token["token_type"] == "DPoP"
    # the ID token: signature by the JWKS, then Authlib's OIDC Core claim rules
    jwks = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
    decoded = jwt.decode(token["id_token"], jwks, algorithms=["ES256"])
    claims = CodeIDToken(
        decoded.claims,
        decoded.header,
        options={
            "iss": {"essential": True, "value": provider.url},
            "aud": {"essential": True, "value": rp.client_id},
        },
        params={"nonce": nonce, "access_token": token["access_token"]},
    )
    claims.validate()
    assert claims["acr"] == "aal3" and claims["amr"] == ["sc", "hwk", "pin"]
    assert claims["name"] == FACTS["name"] and claims["birthdate"] == "1994-04-01"
    assert claims["address"]["formatted"] == FACTS["address"]
    assert "gender" not in claims  # the resident kept it back
    assert claims["sub"] != "R0000002" and len(claims["sub"]) >= 40  # pairwise, opaque
    # the signed document: a CMS signature that openssl verifies against the card CA
    signature = base64.b64decode(token["signature"])
    if shutil.which("openssl"):
        (tmp_path / "doc.txt").write_bytes(document.encode())
        (tmp_path / "sig.der").write_bytes(signature)
        chain = httpx.get(f"{provider.url}/pki/ca-chain.pem").content
        (tmp_path / "chain.pem").write_bytes(chain)
        done = subprocess.run(
            [
                "openssl",
                "cms",
                "-verify",
                "-binary",
                "-inform",
                "DER",
                "-in",
                str(tmp_path / "sig.der"),
                "-content",
                str(tmp_path / "doc.txt"),
                "-CAfile",
                str(tmp_path / "chain.pem"),
                "-out",
                "/dev/null",
                "-purpose",
                "any",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
    # userinfo with the DPoP-bound token
    userinfo_url = meta["userinfo_endpoint"]
    info = httpx.get(
        userinfo_url,
        headers={
            "Authorization": f"DPoP {token['access_token']}",
            "DPoP": dpop_proof(dpop_key, "GET", userinfo_url, token["access_token"]),
        },
    )
    assert info.status_code == 200, info.text
    assert info.json()["sub"] == claims["sub"] and info.json()["name#ja-Kana-JP"] == FACTS["name_kana"]
    # the same token as a plain bearer token is refused: it is bound to the DPoP key
    assert (
        httpx.get(userinfo_url, headers={"Authorization": f"Bearer {token['access_token']}"}).status_code
        == 401
    )
    # introspection sees the binding
    seen = client.post(
        meta["introspection_endpoint"],
        data={"token": token["access_token"]},
        auth=client.client_auth("private_key_jwt"),
    ).json()
    assert seen["active"] and seen["cnf"]["jkt"] == dpop_key.thumbprint() and seen["sub"] == claims["sub"]
    # refresh rotation: the new refresh token works, the old one is refused and ends the grant
    # (RFC 6749 §6: a refresh may not ask for more than was granted; gender was kept back)
    fresh = client.refresh_token(
        meta["token_endpoint"],
        refresh_token=token["refresh_token"],
        scope=token["scope"],
        headers={"DPoP": dpop_proof(dpop_key, "POST", meta["token_endpoint"])},
    )
    assert fresh["refresh_token"] != token["refresh_token"]
    replay = client.post(
        meta["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
        auth=client.client_auth("private_key_jwt"),
        headers={"DPoP": dpop_proof(dpop_key, "POST", meta["token_endpoint"])},
    )
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"
    gone = client.post(
        meta["introspection_endpoint"],
        data={"token": fresh["access_token"]},
        auth=client.client_auth("private_key_jwt"),
    )
    assert gone.json() == {"active": False}
    # the resident's access history shows every release: to whom, which facts, when
    releases = resident.http.get("/api/oidc/releases").json()["entries"]
    assert [e["released"] for e in releases if e["channel"] == "token"] == [
        ["name", "address", "birthdate", "sign"]
    ]
    assert {e["client_name"] for e in releases} == {"てのひら銀行"}
    assert any(e["channel"] == "userinfo" for e in releases)
    resident.close()


class LogoutReceiver:
    """An RP's back-channel logout endpoint: keeps the logout tokens POSTed to it."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        received: list[str] = []
        self.tokens = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                received.append(parse_qs(body)["logout_token"][0])
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/logout"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_revocation_logout_and_withdrawal(provider: Provider) -> None:
    receiver = LogoutReceiver()
    rps = start_with(
        provider,
        city={"name": "子育てアプリ", "scopes": "openid name", "require_par": False},
        other={
            "name": "図書館",
            "scopes": "openid",
            "require_par": False,
            "redirect_uri": "http://127.0.0.1:9/lib/callback",
            "backchannel_logout_uri": receiver.url,
        },
    )
    rp = rps["city"]
    meta = httpx.get(f"{provider.url}/.well-known/openid-configuration").json()
    client = authlib_client(rp, "openid name")
    verifier = uuid.uuid4().hex * 2
    nonce = uuid.uuid4().hex
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    resident = Resident(provider.url)
    answer = resident.answer(resident.open(url))
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=answer.headers["location"],
        code_verifier=verifier,
        state=state,
    )
    assert token["token_type"] == "Bearer"
    userinfo = meta["userinfo_endpoint"]
    assert (
        httpx.get(userinfo, headers={"Authorization": f"Bearer {token['access_token']}"}).json()["name"]
        == FACTS["name"]
    )
    # RFC 7009: revoking the access token ends it
    assert (
        client.post(
            meta["revocation_endpoint"],
            data={"token": token["access_token"]},
            auth=client.client_auth("private_key_jwt"),
        ).status_code
        == 200
    )
    assert (
        httpx.get(userinfo, headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    )
    fresh = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    # the resident withdraws consent: the relying party's tokens stop at once
    consents = resident.http.get("/api/oidc/consents").json()["consents"]
    assert [c["client_name"] for c in consents] == ["子育てアプリ"]
    page = resident.http.get("/oidc/consents")
    assert "子育てアプリ" in page.text
    csrf = page.text.split('name="csrf_token" value="')[1].split('"')[0]
    done = resident.http.post(f"/oidc/consents/{rp.client_id}/withdraw", data={"csrf_token": csrf})
    assert done.status_code == 303
    assert "取り消しました" in resident.http.get(done.headers["location"]).text
    assert (
        httpx.get(userinfo, headers={"Authorization": f"Bearer {fresh['access_token']}"}).status_code == 401
    )
    # a second login, then RP-initiated logout with the id_token_hint ends the platform session
    url, state = client.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    answer = resident.answer(resident.open(url))
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=answer.headers["location"],
        code_verifier=verifier,
        state=state,
    )
    # the same platform session logs in to the library too (no PIN again: the session is fresh)
    library = authlib_client(rps["other"], "openid")
    lurl, lstate = library.create_authorization_url(
        meta["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    lpage = resident.open(lurl)
    assert 'name="pin"' not in lpage.text
    lcallback = resident.answer(lpage).headers["location"]
    ltoken = library.fetch_token(
        meta["token_endpoint"], authorization_response=lcallback, code_verifier=verifier, state=lstate
    )
    bye = resident.http.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": "http://127.0.0.1:9/bye",
            "state": "s1",
        },
    )
    assert bye.status_code == 303 and bye.headers["location"] == "http://127.0.0.1:9/bye?state=s1"
    assert resident.http.get("/api/auth/me").status_code == 401
    assert (
        httpx.get(userinfo, headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 401
    )
    # back-channel logout: the library got a logout token for that session, and its token ended
    assert len(receiver.tokens) == 1
    jwks = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
    logout_token = jwt.decode(receiver.tokens[0], jwks, algorithms=["ES256"])
    library_id = jwt.decode(ltoken["id_token"], jwks, algorithms=["ES256"]).claims
    assert logout_token.header["typ"] == "logout+jwt" and "nonce" not in logout_token.claims
    assert logout_token.claims["aud"] == rps["other"].client_id
    assert logout_token.claims["sid"] == library_id["sid"]
    assert "http://schemas.openid.net/event/backchannel-logout" in logout_token.claims["events"]
    assert (
        httpx.get(userinfo, headers={"Authorization": f"Bearer {ltoken['access_token']}"}).status_code == 401
    )
    receiver.server.shutdown()
    resident.close()


@pytest.mark.parametrize("lang", ["ja", "en", "easy_ja"])
def test_consent_screen_languages(provider: Provider, lang: str) -> None:
    rp = start_with(provider, bank={"require_par": False})["bank"]
    client = authlib_client(rp, "openid name gender")
    url, _ = client.create_authorization_url(
        f"{provider.url}/oidc/authorize", code_verifier="v" * 43, nonce="n"
    )
    resident = Resident(provider.url)
    resident.http.cookies.set("tenohira_lang", lang)
    page = resident.open(url)
    expected = {"ja": "性別", "en": "Sex", "easy_ja": "せいべつ"}[lang]
    assert expected in page.text
    assert "form-action 'self' http://127.0.0.1:9" in page.headers["content-security-policy"]
    resident.close()
