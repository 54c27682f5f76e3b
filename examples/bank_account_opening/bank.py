"""てのひら銀行 — an example relying party: online account opening that verifies the applicant's
identity with the My Number card, through the tenohira OpenID Provider.

It uses only a standard OIDC client library (Authlib, with joserfc for the DPoP proofs and the
ID-token check) and the standard library's HTTP server — nothing of tenohira's. One command:

    python examples/bank_account_opening/bank.py

starts a fresh embedded tenohira (``tenohira run``), registers the bank at the operator's CLI
(``tenohira oidc client add``) with a key made now, and serves the bank on http://127.0.0.1:8765/.
Open it, press "マイナンバーカードで本人確認", log in with the demo card (PIN 1234, signing
password TENOHIRA26), consent, and the bank shows the verified facts and the signed application.
``--issuer URL --client-id ID --key FILE`` uses an already running provider and registration.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import html
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.integrations.httpx_client import OAuth2Client
from authlib.oauth2.rfc7523 import PrivateKeyJWT
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet

APPLICATION = "普通預金口座開設申込書\n\n私は、てのひら銀行の普通預金口座の開設を申し込みます。\n記載の本人確認情報は、マイナンバーカードの署名用電子証明書によるものです。\n"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Bank:
    """The relying party: one pending login per browser state, kept in memory."""

    def __init__(self, issuer: str, client_id: str, key: ECKey, redirect_uri: str) -> None:
        self.meta = httpx.get(f"{issuer}/.well-known/openid-configuration").raise_for_status().json()
        self.client_id, self.key, self.redirect_uri = client_id, key, redirect_uri
        self.dpop = ECKey.generate_key("P-256", private=True)
        self.pending: dict[str, dict[str, str]] = {}

    def client(self) -> OAuth2Client:
        c = OAuth2Client(
            self.client_id,
            self.key,
            token_endpoint_auth_method="private_key_jwt",
            scope="openid name address birthdate sign",
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
        )
        c.register_client_auth_method(PrivateKeyJWT(alg="ES256"))
        return c

    def proof(self, method: str, url: str) -> str:
        claims = {"jti": uuid.uuid4().hex, "htm": method, "htu": url, "iat": int(time.time())}
        return jwt.encode(
            {"typ": "dpop+jwt", "alg": "ES256", "jwk": self.dpop.as_dict(private=False)}, claims, self.dpop
        )

    def start(self) -> str:
        """PAR (DPoP-bound), then the URL to send the browser to."""
        c = self.client()
        verifier, nonce = b64(os.urandom(32)), uuid.uuid4().hex
        url, state = c.create_authorization_url(
            self.meta["authorization_endpoint"],
            code_verifier=verifier,
            nonce=nonce,
            acr_values="aal3",
            sign_document=b64(APPLICATION.encode()),
        )
        par = self.meta["pushed_authorization_request_endpoint"]
        pushed = c.post(
            par,
            data={k: v[0] for k, v in parse_qs(urlsplit(url).query).items()},
            auth=c.client_auth("private_key_jwt"),
            headers={"DPoP": self.proof("POST", par)},
        )
        pushed.raise_for_status()
        self.pending[state] = {"verifier": verifier, "nonce": nonce}
        return f"{self.meta['authorization_endpoint']}?client_id={self.client_id}&request_uri={pushed.json()['request_uri']}"

    def finish(self, callback: str) -> dict[str, Any]:
        """Code → tokens (PKCE, private_key_jwt, DPoP), ID token checked, the facts."""
        query = parse_qs(urlsplit(callback).query)
        if "error" in query:
            return {"error": query["error"][0]}
        state = query["state"][0]
        pending = self.pending.pop(state)
        c = self.client()
        token = c.fetch_token(
            self.meta["token_endpoint"],
            authorization_response=callback,
            code_verifier=pending["verifier"],
            state=state,
            headers={"DPoP": self.proof("POST", self.meta["token_endpoint"])},
        )
        jwks = KeySet.import_key_set(httpx.get(self.meta["jwks_uri"]).json())
        decoded = jwt.decode(token["id_token"], jwks, algorithms=["ES256"])
        claims = CodeIDToken(
            decoded.claims,
            decoded.header,
            options={
                "iss": {"essential": True, "value": self.meta["issuer"]},
                "aud": {"essential": True, "value": self.client_id},
            },
            params={"nonce": pending["nonce"], "access_token": token["access_token"]},
        )
        claims.validate()
        return {"claims": dict(claims), "signature": token.get("signature"), "scope": token.get("scope")}


PAGE = """<!doctype html><html lang="ja"><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>てのひら銀行 口座開設</title><body style="font-family:sans-serif;max-width:40rem;margin:2rem auto;line-height:1.7">
<h1>てのひら銀行 — 口座開設</h1>{body}</body></html>"""


def serve(bank: Bank, port: int) -> None:
    class Handler(BaseHTTPRequestHandler):
        def _page(self, body: str, status: int = 200) -> None:
            data = PAGE.format(body=body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/":
                self._page(
                    "<p>オンラインで口座を開設します。本人確認はマイナンバーカードで行います（2027年4月からは画像による本人確認はできません）。</p>"
                    '<p><a href="/start">マイナンバーカードで本人確認</a></p>'
                )
            elif path == "/start":
                self.send_response(303)
                self.send_header("Location", bank.start())
                self.end_headers()
            elif path == "/callback":
                result = bank.finish(f"{bank.redirect_uri}?{urlsplit(self.path).query}")
                if "error" in result:
                    self._page(
                        f"<p>本人確認は行われませんでした（{html.escape(result['error'])}）。</p>", 400
                    )
                    return
                c = result["claims"]
                rows = "".join(
                    f"<tr><th>{html.escape(k)}</th><td>{html.escape(json.dumps(v, ensure_ascii=False))}</td></tr>"
                    for k, v in c.items()
                    if k in ("name", "name#ja-Kana-JP", "address", "birthdate", "acr", "sub")
                )
                digest = hashlib.sha256(base64.b64decode(result["signature"] or "")).hexdigest()[:16]
                self._page(
                    f"<p>本人確認ができました（{html.escape(str(c.get('acr')))}）。</p><table>{rows}</table>"
                    f"<p>署名付き申込書を受け取りました（CMS、SHA-256 {digest}…）。</p>"
                )
            else:
                self._page("<p>ありません。</p>", 404)

    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    print(f"てのひら銀行: http://127.0.0.1:{port}/  (Ctrl-C to stop)")
    httpd.serve_forever()


def start_platform(workdir: Path) -> tuple[str, dict[str, str], subprocess.Popen[bytes]]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TENOHIRA_")}
    env.update(
        {
            "TENOHIRA_DATA_DIR": str(workdir / "var"),
            "TENOHIRA_PORT": str(port),
            "TENOHIRA_HOST": "127.0.0.1",
            "TENOHIRA_DEMO_RESIDENTS": "60",
            "TENOHIRA_LOG_LEVEL": "WARNING",
        }
    )
    print(f"starting tenohira on port {port} (data in {workdir})…")
    process = subprocess.Popen(
        [sys.executable, "-c", "from tenohira.cli import main; main()", "run"],
        env=env,
        stdout=(workdir / "tenohira.log").open("wb"),
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        try:
            if (
                httpx.get(f"{url}/readyz").status_code == 200
                and (workdir / "var/demo-cards/R0000002/card.json").exists()
            ):
                return url, env, process
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("tenohira did not start in 300 s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issuer")
    parser.add_argument("--client-id")
    parser.add_argument("--key", type=Path, help="the bank's private JWK (JSON)")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    redirect = f"http://127.0.0.1:{args.port}/callback"
    process = None
    if args.issuer:
        issuer, client_id = args.issuer, args.client_id
        key = ECKey.import_key(json.loads(args.key.read_text()))
    else:
        workdir = Path(tempfile.mkdtemp(prefix="tenohira-bank-"))
        issuer, env, process = start_platform(workdir)
        key = ECKey.generate_key("P-256", parameters={"kid": "bank-1"}, private=True)
        (workdir / "bank-jwks.json").write_text(json.dumps({"keys": [key.as_dict(private=False)]}))
        done = subprocess.run(
            [
                sys.executable,
                "-c",
                "from tenohira.cli import main; main()",
                "oidc",
                "client",
                "add",
                "--name",
                "てのひら銀行",
                "--name-en",
                "Tenohira Bank",
                "--redirect-uri",
                redirect,
                "--jwks",
                str(workdir / "bank-jwks.json"),
                "--scope",
                "openid name address birthdate sign",
                "--require-dpop",
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        client_id = json.loads(done.stdout.strip().splitlines()[-1])["client_id"]
        print(f"registered the bank as {client_id} at {issuer}")
    # stopped by Ctrl-C or by a plain kill: either way the platform it started stops too
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        serve(Bank(issuer, client_id, key, redirect), args.port)
    except KeyboardInterrupt:
        pass
    finally:
        if process is not None:
            process.terminate()


if __name__ == "__main__":
    main()
