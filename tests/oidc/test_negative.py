"""A negative battery in the spirit of the OpenID conformance suite's OP tests (which cannot run
here): each malformed or hostile request is refused with the standard error, over real HTTP."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidClaimError
from joserfc.jwk import ECKey, KeySet

from tests.oidc.conftest import start_with
from tests.oidc.support import Provider, RelyingParty, Resident

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def proof(key: ECKey, method: str, url: str, *, jti: str | None = None) -> str:
    claims = {"jti": jti or uuid.uuid4().hex, "htm": method, "htu": url, "iat": int(time.time())}
    return jwt.encode({"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}, claims, key)


class Battery:
    def __init__(self, provider: Provider, rps: dict[str, RelyingParty]) -> None:
        self.url = provider.url
        self.rps = rps
        self.token_url = f"{self.url}/oidc/token"

    def params(self, rp: RelyingParty, **overrides: Any) -> dict[str, str]:
        verifier = "v" * 43
        out = {
            "response_type": "code",
            "client_id": rp.client_id,
            "redirect_uri": rp.redirect_uri,
            "scope": "openid",
            "state": "st-" + uuid.uuid4().hex,
            "nonce": "n-" + uuid.uuid4().hex,
            "code_challenge": s256(verifier),
            "code_challenge_method": "S256",
        }
        out.update(overrides)
        return {k: v for k, v in out.items() if v is not None}

    def front(self, rp: RelyingParty, **overrides: Any) -> httpx.Response:
        return httpx.get(f"{self.url}/oidc/authorize?" + urlencode(self.params(rp, **overrides)))

    def code(self, rp: RelyingParty, resident: Resident, **overrides: Any) -> tuple[str, dict[str, str]]:
        params = self.params(rp, **overrides)
        answer = resident.answer(resident.open(f"{self.url}/oidc/authorize?" + urlencode(params)))
        query = parse_qs(urlsplit(answer.headers["location"]).query)
        return query["code"][0], params

    def exchange(
        self, rp: RelyingParty, code: str, *, verifier: str = "v" * 43, **extra: Any
    ) -> httpx.Response:
        headers = extra.pop("headers", {})
        data = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": rp.redirect_uri,
            "code_verifier": verifier,
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": extra.pop("assertion", None) or rp.assertion(self.token_url),
            **extra,
        }
        return httpx.post(self.token_url, data=data, headers=headers)


def unsigned(claims: dict[str, Any]) -> str:
    """An "alg": "none" JWT (which no client authentication may accept)."""

    def part(value: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    return part({"alg": "none"}) + "." + part(claims) + "."


def redirect_error(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    return parse_qs(urlsplit(response.headers["location"]).query)


@pytest.fixture
def battery(provider: Provider) -> Battery:
    rps = start_with(
        provider,
        a={"name": "連携先A", "require_par": False},
        b={"name": "連携先B", "require_par": False, "redirect_uri": "http://127.0.0.1:9/b/callback"},
        par={"name": "連携先P"},
    )
    return Battery(provider, rps)


def test_front_channel_refusals(battery: Battery) -> None:
    a, par = battery.rps["a"], battery.rps["par"]
    # nonce, state, PKCE missing or weak: back to the RP with invalid_request (state kept, iss added)
    for missing in ("nonce", "code_challenge"):
        query = redirect_error(battery.front(a, **{missing: None}))
        assert query["error"] == ["invalid_request"] and query["iss"] == [battery.url], missing
    query = redirect_error(battery.front(a, state=None))
    assert query["error"] == ["invalid_request"] and "state" not in query
    assert redirect_error(battery.front(a, code_challenge_method="plain"))["error"] == ["invalid_request"]
    assert redirect_error(battery.front(a, code_challenge_method=None))["error"] == ["invalid_request"]
    assert redirect_error(battery.front(a, response_type="token"))["error"] == ["unsupported_response_type"]
    assert redirect_error(battery.front(a, scope="profile"))["error"] == ["invalid_scope"]
    assert redirect_error(battery.front(a, scope="openid email"))["error"] == ["invalid_scope"]
    assert redirect_error(battery.front(a, prompt="none"))["error"] == ["interaction_required"]
    assert redirect_error(battery.front(a, prompt="bogus"))["error"] == ["invalid_request"]
    # a client that must push its requests cannot send them on the front channel
    assert redirect_error(battery.front(par))["error"] == ["invalid_request"]
    # redirect-URI mismatch: never redirected anywhere, an error page on the provider instead
    for uri in (
        "http://127.0.0.1:9/callback/",
        "http://127.0.0.1:9/callback?x=1",
        "http://evil.example/callback",
    ):
        response = battery.front(a, redirect_uri=uri)
        assert response.status_code == 303 and response.headers["location"].startswith("/oidc/error?")
    unknown = battery.front(a, client_id="rp-unknown")
    assert unknown.headers["location"].startswith("/oidc/error?")
    page = httpx.get(battery.url + unknown.headers["location"])
    assert page.status_code == 400 and "連携先" in page.text


def test_par_refusals(battery: Battery) -> None:
    par = battery.rps["par"]
    par_url = f"{battery.url}/oidc/par"
    params = battery.params(par)
    ok = httpx.post(
        par_url,
        data={**params, "client_assertion_type": ASSERTION_TYPE, "client_assertion": par.assertion(par_url)},
    )
    assert ok.status_code == 201
    request_uri = ok.json()["request_uri"]
    # no client authentication, or a secret instead of a key: invalid_client
    assert httpx.post(par_url, data=params).json()["error"] == "invalid_client"
    assert httpx.post(par_url, data={**params, "client_secret": "x"}).status_code == 401
    # validation errors at PAR come back as JSON
    bad = httpx.post(
        par_url,
        data={
            **battery.params(par, nonce=None),
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": par.assertion(par_url),
        },
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_request"
    # a request_uri is single use, and only for its own client
    resident = Resident(battery.url)
    first = resident.http.get(f"/oidc/authorize?client_id={par.client_id}&request_uri={request_uri}")
    assert first.headers["location"].startswith("/oidc/consent/")
    again = resident.http.get(f"/oidc/authorize?client_id={par.client_id}&request_uri={request_uri}")
    assert again.headers["location"].startswith("/oidc/error?")
    other = resident.http.get(
        f"/oidc/authorize?client_id={battery.rps['a'].client_id}&request_uri={request_uri}"
    )
    assert other.headers["location"].startswith("/oidc/error?")
    resident.close()


def test_token_endpoint_refusals(battery: Battery) -> None:
    a, b = battery.rps["a"], battery.rps["b"]
    resident = Resident(battery.url)
    # wrong PKCE verifier: invalid_grant (and the code is burnt)
    code, _ = battery.code(a, resident)
    assert battery.exchange(a, code, verifier="w" * 43).json()["error"] == "invalid_grant"
    assert battery.exchange(a, code).json()["error"] == "invalid_grant"
    # missing verifier
    code, _ = battery.code(a, resident)
    assert battery.exchange(a, code, verifier="").json()["error"] == "invalid_grant"
    # redirect_uri differing from the request's
    code, _ = battery.code(a, resident)
    assert (
        battery.exchange(a, code, redirect_uri="http://127.0.0.1:9/other").json()["error"] == "invalid_grant"
    )
    # code reuse: the second exchange is refused and the tokens of the first are revoked
    code, _ = battery.code(a, resident)
    first = battery.exchange(a, code)
    assert first.status_code == 200
    assert battery.exchange(a, code).json()["error"] == "invalid_grant"
    access = first.json()["access_token"]
    assert (
        httpx.get(f"{battery.url}/oidc/userinfo", headers={"Authorization": f"Bearer {access}"}).status_code
        == 401
    )
    # a code of client A presented by client B
    code, _ = battery.code(a, resident)
    stolen = battery.exchange(b, code, redirect_uri=a.redirect_uri, assertion=b.assertion(battery.token_url))
    assert stolen.json()["error"] == "invalid_grant"
    # client assertions: wrong audience, expired, replayed, unsigned, too long-lived
    code, _ = battery.code(a, resident)
    cases = {
        "wrong audience": a.assertion("https://other.example/token"),
        "expired": a.assertion(battery.token_url, iat=int(time.time()) - 600, lifetime=60),
        "lives too long": a.assertion(battery.token_url, lifetime=7200),
        "signed by another client's key": jwt.encode(
            {"alg": "ES256"},
            {
                "iss": a.client_id,
                "sub": a.client_id,
                "aud": battery.token_url,
                "exp": int(time.time()) + 60,
                "jti": "x1",
            },
            b.key,
        ),
        "alg none": unsigned(
            {
                "iss": a.client_id,
                "sub": a.client_id,
                "aud": battery.token_url,
                "exp": int(time.time()) + 60,
                "jti": "x2",
            }
        ),
    }
    for name, assertion in cases.items():
        refused = battery.exchange(a, code, assertion=assertion)
        assert refused.status_code == 401 and refused.json()["error"] == "invalid_client", name
    replayed = a.assertion(battery.token_url, jti="same-jti")
    assert battery.exchange(a, code, assertion=replayed).status_code == 200
    code, _ = battery.code(a, resident)
    assert battery.exchange(a, code, assertion=replayed).json()["error"] == "invalid_client"
    # unsupported grants
    for grant in ("password", "client_credentials", "implicit"):
        answer = httpx.post(
            battery.token_url,
            data={
                "grant_type": grant,
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": a.assertion(battery.token_url),
            },
        )
        assert answer.json()["error"] == "unsupported_grant_type", grant
    resident.close()


def test_dpop_and_cross_client_refusals(battery: Battery) -> None:
    a, b = battery.rps["a"], battery.rps["b"]
    resident = Resident(battery.url)
    key = ECKey.generate_key("P-256", private=True)
    used = proof(key, "POST", battery.token_url)
    code, _ = battery.code(a, resident)
    bound = battery.exchange(a, code, headers={"DPoP": used})
    assert bound.status_code == 200 and bound.json()["token_type"] == "DPoP"
    # the same proof again: replay refused
    code, _ = battery.code(a, resident)
    assert battery.exchange(a, code, headers={"DPoP": used}).json()["error"] == "invalid_dpop_proof"
    # a proof for another URL, or another method
    code, _ = battery.code(a, resident)
    assert (
        battery.exchange(a, code, headers={"DPoP": proof(key, "POST", f"{battery.url}/oidc/par")}).json()[
            "error"
        ]
        == "invalid_dpop_proof"
    )
    assert (
        battery.exchange(a, code, headers={"DPoP": proof(key, "GET", battery.token_url)}).json()["error"]
        == "invalid_dpop_proof"
    )
    # the DPoP-bound access token at userinfo: needs a proof with ath, by the same key
    access = bound.json()["access_token"]
    userinfo = f"{battery.url}/oidc/userinfo"
    no_proof = httpx.get(userinfo, headers={"Authorization": f"DPoP {access}"})
    assert no_proof.status_code == 401 and "DPoP" in no_proof.headers["www-authenticate"]
    without_ath = httpx.get(
        userinfo, headers={"Authorization": f"DPoP {access}", "DPoP": proof(key, "GET", userinfo)}
    )
    assert (
        without_ath.status_code == 401
        and 'error="invalid_dpop_proof"' in without_ath.headers["www-authenticate"]
    )
    # a token of client A: introspected by B it is inactive; revoked by B it stays alive
    plain_code, _ = battery.code(a, resident)
    token = battery.exchange(a, plain_code).json()
    introspect = f"{battery.url}/oidc/introspect"
    by_b = httpx.post(
        introspect,
        data={
            "token": token["access_token"],
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": b.assertion(introspect),
        },
    )
    assert by_b.json() == {"active": False}
    revoke = f"{battery.url}/oidc/revoke"
    assert (
        httpx.post(
            revoke,
            data={
                "token": token["refresh_token"],
                "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": b.assertion(revoke),
            },
        ).status_code
        == 200
    )
    assert (
        httpx.get(userinfo, headers={"Authorization": f"Bearer {token['access_token']}"}).status_code == 200
    )
    # B cannot refresh A's refresh token
    refresh = httpx.post(
        battery.token_url,
        data={
            "grant_type": "refresh_token",
            "refresh_token": token["refresh_token"],
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": b.assertion(battery.token_url),
        },
    )
    assert refresh.json()["error"] == "invalid_grant"
    resident.close()


def test_consent_refused_and_wrong_nonce(battery: Battery) -> None:
    a = battery.rps["a"]
    resident = Resident(battery.url)
    params = battery.params(a, scope="openid name")
    page = resident.open(f"{battery.url}/oidc/authorize?" + urlencode(params))
    query = redirect_error(resident.answer(page, decision="deny"))
    assert query["error"] == ["access_denied"] and query["state"] == [params["state"]]
    # the same request cannot be answered again
    assert resident.answer(page).status_code == 400
    # the ID token carries exactly the request's nonce: an RP expecting another refuses it
    code, params = battery.code(a, resident)
    token = battery.exchange(a, code).json()
    jwks = KeySet.import_key_set(httpx.get(f"{battery.url}/oidc/jwks").json())
    decoded = jwt.decode(token["id_token"], jwks, algorithms=["ES256"])
    assert decoded.claims["nonce"] == params["nonce"]
    claims = CodeIDToken(decoded.claims, decoded.header, params={"nonce": "another-nonce"})
    with pytest.raises(InvalidClaimError):
        claims.validate()
    # a wrong password on the consent screen: told so, nothing released, the request still open
    page = resident.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a, scope="openid name")))
    wrong = resident.answer(page, password="WRONG1")
    assert wrong.status_code == 401 and "パスワードが違います" in wrong.text
    assert [
        e for e in resident.http.get("/api/oidc/releases").json()["entries"] if "name" in e["released"]
    ] == []
    resident.close()


def test_max_age_and_prompt_login_step_up(battery: Battery) -> None:
    a = battery.rps["a"]
    resident = Resident(battery.url)
    jwks = KeySet.import_key_set(httpx.get(f"{battery.url}/oidc/jwks").json())
    code, _ = battery.code(a, resident)  # first login: the card and PIN on the consent screen
    first = jwt.decode(battery.exchange(a, code).json()["id_token"], jwks, algorithms=["ES256"]).claims
    # within the session and no max_age: no PIN asked again
    page = resident.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a)))
    assert 'name="pin"' not in page.text
    time.sleep(1.1)
    for step_up in ({"max_age": "0"}, {"prompt": "login"}):
        page = resident.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a, **step_up)))
        assert 'name="pin"' in page.text, step_up
        # answering without the PIN is refused on the page, nothing is sent
        assert resident.answer(page, pin=None).status_code == 422
        page = resident.open(f"{battery.url}/oidc/authorize?" + urlencode(battery.params(a, **step_up)))
        query = parse_qs(urlsplit(resident.answer(page).headers["location"]).query)
        again = jwt.decode(
            battery.exchange(a, query["code"][0]).json()["id_token"], jwks, algorithms=["ES256"]
        ).claims
        assert again["auth_time"] > first["auth_time"] and again["acr"] == "aal3", step_up
        first = again
        time.sleep(1.1)
    resident.close()
