"""``tenohira scenario oidc``: a bank's relying party goes through the whole provider, over HTTP.

A fresh embedded instance is started (or ``--url`` names a running one); a relying party is
registered at the operator's CLI with a fresh key; then Authlib's OAuth 2.0 client (a standard
library, nothing of tenohira's) does discovery, PAR with DPoP, the authorization code flow with
PKCE S256 and ``private_key_jwt``; the resident consents on the consent screen with the demo card
(plain HTTP forms, as a browser without JavaScript); the ID token is checked against the JWKS
with Authlib's OIDC Core claim rules; userinfo, refresh rotation, introspection, revocation and
two hostile requests (code reuse, a replayed DPoP proof) follow; the signed document is checked
with ``openssl cms -verify``; the resident's access history is read. Exit 1 on any failure.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

PIN = "1234"
PASSWORD = "TENOHIRA26"  # noqa: S105 — the documented demo password
RESIDENT = "R0000002"
DOCUMENT = "普通預金口座開設申込書\n\n申込人は、本書の内容に同意し、普通預金口座の開設を申し込みます。\n"


class ScenarioFailed(Exception):
    """A step failed; the message says which and why."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from tenohira.cli import main; main()", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _start(
    workdir: Path, progress: Callable[[str], None]
) -> tuple[str, dict[str, str], subprocess.Popen[bytes]]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENOHIRA_")}
    env.update(
        {
            "TENOHIRA_DATA_DIR": str(workdir / "var"),
            "TENOHIRA_PORT": str(port),
            "TENOHIRA_HOST": "127.0.0.1",
            "TENOHIRA_DEMO_RESIDENTS": "60",
            "TENOHIRA_ENVIRONMENT": "development",
            "TENOHIRA_LOG_LEVEL": "WARNING",
        }
    )
    progress(f"starting an embedded instance on port {port}")
    with (workdir / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-c", "from tenohira.cli import main; main()", "run"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    card = workdir / "var" / "demo-cards" / RESIDENT / "card.json"
    deadline = time.monotonic() + 300
    with httpx.Client(timeout=2) as client:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise ScenarioFailed(
                    f"the server exited ({process.returncode}); see {workdir / 'server.log'}"
                )
            try:
                if client.get(f"{url}/readyz").status_code == 200 and card.exists():
                    return url, env, process
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
    process.terminate()
    raise ScenarioFailed("the embedded instance (with its demo card) was not ready in 300 s")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class _Flows:
    def __init__(self) -> None:
        self.flows: list[dict[str, Any]] = []

    def run(self, name: str, fn: Callable[[], Any]) -> Any:
        start = time.perf_counter()
        try:
            value = fn()
        except Exception as exc:
            self.flows.append(
                {"flow": name, "ok": False, "ms": _ms(start), "error": f"{type(exc).__name__}: {exc}"}
            )
            raise ScenarioFailed(f"{name}: {exc}") from exc
        self.flows.append({"flow": name, "ok": True, "ms": _ms(start)})
        return value


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000, 1)


def _consent(http: httpx.Client, authorization_url: str) -> str:
    """The resident: open the consent screen, choose the card, PIN, password; the RP's callback."""
    first = http.get(authorization_url)
    if first.status_code != 303 or not first.headers["location"].startswith("/oidc/consent/"):
        raise ScenarioFailed(f"authorization answered {first.status_code} {first.headers.get('location')}")
    page = http.get(first.headers["location"])
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    action = re.search(r'<form method="post" action="(/oidc/consent/[^"]+)"', page.text)
    if page.status_code != 200 or not csrf or not action:
        raise ScenarioFailed(f"no consent screen ({page.status_code})")
    form: dict[str, Any] = {
        "csrf_token": csrf.group(1),
        "decision": "allow",
        "card": RESIDENT,
        "pin": PIN,
        "password": PASSWORD,
        "facts": re.findall(r'name="facts" value="([a-z]+)"', page.text),
        "sign": "yes",
    }
    answer = http.post(action.group(1), data=form)
    if answer.status_code != 303:
        raise ScenarioFailed(f"consent answered {answer.status_code}")
    return str(answer.headers["location"])


def run_oidc(url: str | None, *, progress: Callable[[str], None]) -> dict[str, Any]:
    """Run the scenario; the summary (``ok``, ``issuer``, ``flows``, ``claims_released``, …)."""
    from authlib.integrations.httpx_client import OAuth2Client
    from authlib.oauth2.rfc7523 import PrivateKeyJWT
    from authlib.oidc.core import CodeIDToken
    from joserfc import jwt
    from joserfc.jwk import ECKey, KeySet

    summary: dict[str, Any] = {
        "ok": False,
        "issuer": None,
        "flows": [],
        "claims_released": {},
        "access_history_entries": [],
    }
    flows = _Flows()
    summary["flows"] = flows.flows
    workdir = Path(tempfile.mkdtemp(prefix="tenohira-oidc-"))
    process = None
    try:
        if url is None:
            url, env, process = _start(workdir, progress)
        else:
            env = dict(os.environ)
        redirect_uri = "http://127.0.0.1:9/bank/callback"
        key = ECKey.generate_key("P-256", parameters={"kid": uuid.uuid4().hex[:12]}, private=True)
        (workdir / "bank-jwks.json").write_text(json.dumps({"keys": [key.as_dict(private=False)]}))

        def register() -> str:
            done = _cli(
                [
                    "oidc",
                    "client",
                    "add",
                    "--name",
                    "てのひら銀行（口座開設）",
                    "--name-en",
                    "Tenohira Bank (account opening)",
                    "--redirect-uri",
                    redirect_uri,
                    "--jwks",
                    str(workdir / "bank-jwks.json"),
                    "--scope",
                    "openid name address birthdate gender sign",
                    "--require-dpop",
                    "--json",
                ],
                env,
            )
            if done.returncode != 0:
                raise ScenarioFailed(done.stderr[-400:])
            return str(json.loads(done.stdout.strip().splitlines()[-1])["client_id"])

        progress("registering the bank at the operator's CLI")
        client_id = flows.run("register relying party (CLI)", register)
        meta = flows.run(
            "discovery",
            lambda: httpx.get(f"{url}/.well-known/openid-configuration").raise_for_status().json(),
        )
        summary["issuer"] = meta["issuer"]
        if meta["issuer"] != url:
            raise ScenarioFailed(f"issuer {meta['issuer']} is not {url}")
        rp = OAuth2Client(
            client_id,
            key,
            token_endpoint_auth_method="private_key_jwt",  # noqa: S106 (a method name)
            scope="openid name address birthdate gender sign",
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )
        rp.register_client_auth_method(PrivateKeyJWT(alg="ES256"))
        dpop = ECKey.generate_key("P-256", private=True)

        def proof(method: str, target: str, access_token: str | None = None) -> str:
            claims: dict[str, Any] = {
                "jti": uuid.uuid4().hex,
                "htm": method,
                "htu": target,
                "iat": int(time.time()),
            }
            if access_token:
                claims["ath"] = _b64(hashlib.sha256(access_token.encode()).digest())
            return jwt.encode(
                {"typ": "dpop+jwt", "alg": "ES256", "jwk": dpop.as_dict(private=False)}, claims, dpop
            )

        verifier = _b64(os.urandom(32))
        nonce = uuid.uuid4().hex
        auth_url, state = rp.create_authorization_url(
            meta["authorization_endpoint"],
            code_verifier=verifier,
            nonce=nonce,
            acr_values="aal3",
            sign_document=_b64(DOCUMENT.encode()),
        )

        def push() -> str:
            answer = rp.post(
                meta["pushed_authorization_request_endpoint"],
                data={k: v[0] for k, v in parse_qs(urlsplit(auth_url).query).items()},
                auth=rp.client_auth("private_key_jwt"),
                headers={"DPoP": proof("POST", meta["pushed_authorization_request_endpoint"])},
            )
            if answer.status_code != 201:
                raise ScenarioFailed(answer.text)
            return str(answer.json()["request_uri"])

        request_uri = flows.run("pushed authorization request (PAR, DPoP, private_key_jwt)", push)
        resident = httpx.Client(base_url=url, follow_redirects=False, timeout=60)
        progress("the resident consents with the card")
        callback = flows.run(
            "consent screen (card PIN + signing password)",
            lambda: _consent(
                resident, f"{meta['authorization_endpoint']}?client_id={client_id}&request_uri={request_uri}"
            ),
        )
        token_proof = proof("POST", meta["token_endpoint"])
        token = flows.run(
            "token (code + PKCE S256 + private_key_jwt + DPoP)",
            lambda: rp.fetch_token(
                meta["token_endpoint"],
                authorization_response=callback,
                code_verifier=verifier,
                state=state,
                headers={"DPoP": token_proof},
            ),
        )

        def check_id_token() -> dict[str, Any]:
            jwks = KeySet.import_key_set(httpx.get(meta["jwks_uri"]).json())
            decoded = jwt.decode(token["id_token"], jwks, algorithms=["ES256"])
            claims = CodeIDToken(
                decoded.claims,
                decoded.header,
                options={
                    "iss": {"essential": True, "value": url},
                    "aud": {"essential": True, "value": client_id},
                },
                params={"nonce": nonce, "access_token": token["access_token"]},
            )
            claims.validate()
            return dict(claims)

        claims = flows.run("ID token (signature, iss, aud, nonce, at_hash)", check_id_token)
        summary["acr"], summary["amr"] = claims.get("acr"), claims.get("amr")
        summary["claims_released"] = {
            k: v
            for k, v in claims.items()
            if k in ("name", "name#ja-Kana-JP", "address", "birthdate", "gender")
        }

        def userinfo() -> dict[str, Any]:
            answer = httpx.get(
                meta["userinfo_endpoint"],
                headers={
                    "Authorization": f"DPoP {token['access_token']}",
                    "DPoP": proof("GET", meta["userinfo_endpoint"], token["access_token"]),
                },
            )
            answer.raise_for_status()
            body: dict[str, Any] = answer.json()
            if body["sub"] != claims["sub"]:
                raise ScenarioFailed("userinfo sub differs from the ID token's")
            return body

        flows.run("userinfo (DPoP-bound token)", userinfo)

        def openssl_verify() -> str:
            if not shutil.which("openssl"):
                return "openssl not installed"
            (workdir / "doc.txt").write_bytes(DOCUMENT.encode())
            (workdir / "sig.der").write_bytes(base64.b64decode(token["signature"]))
            (workdir / "chain.pem").write_bytes(httpx.get(f"{url}/pki/ca-chain.pem").content)
            done = subprocess.run(
                [
                    "openssl",
                    "cms",
                    "-verify",
                    "-binary",
                    "-inform",
                    "DER",
                    "-in",
                    str(workdir / "sig.der"),
                    "-content",
                    str(workdir / "doc.txt"),
                    "-CAfile",
                    str(workdir / "chain.pem"),
                    "-purpose",
                    "any",
                    "-out",
                    os.devnull,
                ],
                capture_output=True,
                text=True,
                check=False,
            )
            if done.returncode != 0:
                raise ScenarioFailed(done.stderr)
            return "verified"

        summary["signature"] = flows.run("sign: CMS signature checked by openssl cms -verify", openssl_verify)

        def code_reuse() -> None:
            answer = rp.post(
                meta["token_endpoint"],
                data={
                    "grant_type": "authorization_code",
                    "code": parse_qs(urlsplit(callback).query)["code"][0],
                    "redirect_uri": redirect_uri,
                    "code_verifier": verifier,
                },
                auth=rp.client_auth("private_key_jwt"),
                headers={"DPoP": proof("POST", meta["token_endpoint"])},
            )
            if answer.json().get("error") != "invalid_grant":
                raise ScenarioFailed(f"a reused code was not refused: {answer.text}")

        def replayed_proof() -> None:
            answer = rp.post(
                meta["token_endpoint"],
                data={"grant_type": "refresh_token", "refresh_token": token["refresh_token"]},
                auth=rp.client_auth("private_key_jwt"),
                headers={"DPoP": token_proof},
            )
            if answer.json().get("error") != "invalid_dpop_proof":
                raise ScenarioFailed(f"a replayed DPoP proof was not refused: {answer.text}")

        flows.run("refused: replayed DPoP proof", replayed_proof)
        fresh = flows.run(
            "refresh (rotated, DPoP)",
            lambda: rp.refresh_token(
                meta["token_endpoint"],
                refresh_token=token["refresh_token"],
                scope=token["scope"],
                headers={"DPoP": proof("POST", meta["token_endpoint"])},
            ),
        )

        def introspect() -> None:
            seen = rp.post(
                meta["introspection_endpoint"],
                data={"token": fresh["access_token"]},
                auth=rp.client_auth("private_key_jwt"),
            ).json()
            if not seen.get("active") or seen.get("cnf", {}).get("jkt") != dpop.thumbprint():
                raise ScenarioFailed(f"introspection: {seen}")

        flows.run("introspection (RFC 7662)", introspect)

        def revoke() -> None:
            rp.post(
                meta["revocation_endpoint"],
                data={"token": fresh["refresh_token"]},
                auth=rp.client_auth("private_key_jwt"),
            ).raise_for_status()
            seen = rp.post(
                meta["introspection_endpoint"],
                data={"token": fresh["access_token"]},
                auth=rp.client_auth("private_key_jwt"),
            ).json()
            if seen.get("active"):
                raise ScenarioFailed("a revoked grant's access token is still active")

        flows.run("revocation (RFC 7009)", revoke)
        flows.run("refused: code reused (its grant is ended)", code_reuse)

        def history() -> list[dict[str, Any]]:
            entries: list[dict[str, Any]] = (
                resident.get("/api/oidc/releases").raise_for_status().json()["entries"]
            )
            if not any("name" in e["released"] for e in entries):
                raise ScenarioFailed("no release of the name in the access history")
            return entries

        summary["access_history_entries"] = [
            {"at": e["at"], "to": e["client_name"], "released": e["released"], "channel": e["channel"]}
            for e in flows.run("access history shows the releases", history)
        ]
        resident.close()
        summary["ok"] = all(f["ok"] for f in flows.flows)
    except ScenarioFailed as failed:
        summary["error"] = str(failed)
    finally:
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
        if summary["ok"]:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            summary["workdir"] = str(workdir)
    return summary


def print_summary(summary: dict[str, Any], *, as_json: bool) -> None:
    """Print the summary as JSON, or as lines for a person."""
    if as_json:
        print(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    print(f"issuer: {summary.get('issuer')}")
    for flow in summary["flows"]:
        print(
            f"{'✓' if flow['ok'] else '✗'} {flow['flow']:<60} {flow['ms']:>8.1f} ms  {flow.get('error', '')}"
        )
    print(f"claims released: {json.dumps(summary['claims_released'], ensure_ascii=False)}")
    for entry in summary["access_history_entries"]:
        released = " ".join(entry["released"])
        print(f"access history: {entry['at']} → {entry['to']}: {released} ({entry['channel']})")
    print("OK" if summary["ok"] else f"FAILED: {summary.get('error')}")
