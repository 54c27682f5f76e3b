"""The OpenID Provider: token issuance per second and ID-token verification per second.

What is measured:

- ``token``: ``POST /oidc/token`` through the whole ASGI app in process (httpx ASGITransport, no
  socket) — form parsing, the ``private_key_jwt`` assertion checked (ES256 signature, claims, jti
  remembered), the code looked up and burnt, PKCE S256, two tokens stored, the ID token signed,
  the release logged to the access history and the transparency log, committed. The client's
  assertions are signed before the clock starts. Codes come from the real authorization flow
  (front-channel request + the resident's approval with a card session), made before the clock.
- ``id_token verify``: what a relying party does per ID token — joserfc ``jwt.decode`` with the
  provider's JWKS plus the OIDC Core claim checks (iss, aud, exp, iat, nonce).

Baselines in the same run, with the same key: raw JWT signing (``jwt.encode`` of the same claims
with the provider's active ES256 key) and raw JWT signature verification (``jwt.decode`` only).

Rates are those of the least disturbed quarter of each run; the load average is recorded.
Environment: ``BENCH_OIDC_N`` (default 400 token requests), ``BENCH_OIDC_DATABASE_URL``
(default: a temporary SQLite file, the embedded configuration).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from bench.report import percentile, write


def _best_rate(latencies: list[float], parts: int = 4) -> float:
    size = max(1, len(latencies) // parts)
    chunks = [latencies[i : i + size] for i in range(0, len(latencies), size)]
    return max(len(c) / sum(c) for c in chunks if c)


def _rate_of(fn: Any, n: int) -> tuple[float, list[float]]:
    latencies = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        latencies.append(time.perf_counter() - t0)
    return _best_rate(latencies), latencies


async def _run(n: int, workdir: Path) -> dict[str, Any]:
    os.environ["TENOHIRA_DATA_DIR"] = str(workdir / "var")
    os.environ["TENOHIRA_BASE_URL"] = "http://bench.invalid"
    url = os.environ.get("BENCH_OIDC_DATABASE_URL")
    if url:
        os.environ["TENOHIRA_DATABASE_URL"] = url
    else:
        os.environ.pop("TENOHIRA_DATABASE_URL", None)
    import httpx
    from joserfc import jwt
    from joserfc.jwk import ECKey, KeySet

    from tenohira.app import create_app
    from tenohira.audit.bootstrap import bootstrap as audit_bootstrap
    from tenohira.core import get_database, get_settings, migrate, reset_settings
    from tenohira.core.db import dispose_databases
    from tenohira.core.progress import no_progress
    from tenohira.identity import BasicFacts, CardSimulator, issue_card
    from tenohira.identity import service as identity
    from tenohira.identity.bootstrap import bootstrap as identity_bootstrap
    from tenohira.oidc import add_client, approve, keys
    from tenohira.oidc.service import front_channel_request

    reset_settings()
    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    await audit_bootstrap(settings, no_progress)
    await identity_bootstrap(settings, no_progress)
    db = get_database(settings)
    facts = BasicFacts(
        name="試験 太郎",
        name_kana="シケン タロウ",
        address="手のひら市中央1-1",
        birth_date=date(1980, 1, 1),
        sex="male",
    )
    async with db.session() as s:
        card = await issue_card(
            s, holder_ref="R0000001", facts=facts, pin="1234", password="BENCH1", out_dir=workdir / "card"
        )
    sim = CardSimulator.open(card.out_dir)
    async with db.session() as s:
        challenge = await identity.issue_challenge(s, settings=settings)
    async with db.session() as s:
        login = await identity.login(
            s,
            challenge=challenge.challenge,
            signature=sim.authenticate("1234", challenge.challenge),
            certificate=sim.auth_certificate_pem(),
            settings=settings,
        )
    client_key = ECKey.generate_key("P-256", parameters={"kid": "bench"}, private=True)
    redirect = "http://127.0.0.1:9/cb"
    async with db.session() as s:
        info = await add_client(
            s,
            name_ja="ベンチ",
            name_en="Bench",
            redirect_uris=[redirect],
            jwks={"keys": [client_key.as_dict(private=False)]},
            scopes=["openid"],
            require_par=False,
        )
    verifier = base64.urlsafe_b64encode(os.urandom(32)).rstrip(b"=").decode()
    challenge_s256 = (
        base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    )
    codes = []
    for _ in range(n):
        params = {
            "response_type": "code",
            "client_id": info.client_id,
            "redirect_uri": redirect,
            "scope": "openid",
            "state": uuid.uuid4().hex,
            "nonce": "bench-nonce",
            "code_challenge": challenge_s256,
            "code_challenge_method": "S256",
        }
        async with db.session() as s:
            request_id = await front_channel_request(s, settings, params)
            target = await approve(s, settings, request_id, session_token=login.token, facts=[])
        codes.append(target.split("code=")[1].split("&")[0])
    token_url = f"{settings.resolved_base_url}/oidc/token"
    forms = []
    for code in codes:
        now = int(time.time())
        assertion = jwt.encode(
            {"alg": "ES256", "kid": "bench"},
            {
                "iss": info.client_id,
                "sub": info.client_id,
                "aud": token_url,
                "iat": now,
                "exp": now + 600,
                "jti": uuid.uuid4().hex,
            },
            client_key,
        )
        forms.append(
            {
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect,
                "code_verifier": verifier,
                "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion": assertion,
            }
        )
    app = create_app(settings, background=False)
    id_tokens: list[str] = []
    latencies: list[float] = []
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=settings.resolved_base_url
    ) as http:
        for form in forms:
            t0 = time.perf_counter()
            answer = await http.post("/oidc/token", data=form)
            latencies.append(time.perf_counter() - t0)
            if answer.status_code != 200:
                raise RuntimeError(answer.text)
            id_tokens.append(answer.json()["id_token"])
        jwks = KeySet.import_key_set((await http.get("/oidc/jwks")).json())
    async with db.session() as s:
        signing = await keys.active_key(s, settings)
    token_rate = _best_rate(latencies)
    issuer = settings.resolved_base_url

    def verify(token: str) -> None:
        decoded = jwt.decode(token, jwks, algorithms=["ES256"])
        registry = jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": info.client_id},
            nonce={"essential": True, "value": "bench-nonce"},
            exp={"essential": True},
        )
        registry.validate(decoded.claims)

    tokens = iter(id_tokens * 5)
    verify_rate, verify_lat = _rate_of(lambda: verify(next(tokens)), len(id_tokens) * 5)
    claims = jwt.decode(id_tokens[0], jwks).claims
    sign_rate, _ = _rate_of(
        lambda: jwt.encode({"alg": "ES256", "kid": signing.kid}, claims, signing.key), len(id_tokens) * 5
    )
    raw_verify_rate, _ = _rate_of(
        lambda: jwt.decode(id_tokens[0], signing.key, algorithms=["ES256"]), len(id_tokens) * 5
    )
    await dispose_databases()
    return {
        "n_token_requests": n,
        "database": "postgresql" if url else "sqlite",
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "token_per_s": round(token_rate, 1),
        "token_whole_run_per_s": round(len(latencies) / sum(latencies), 1),
        "token_p50_ms": round(percentile(latencies, 50) * 1000, 2),
        "token_p95_ms": round(percentile(latencies, 95) * 1000, 2),
        "baseline_raw_es256_jwt_sign_per_s": round(sign_rate, 1),
        "ratio_token_to_raw_sign": round(token_rate / sign_rate, 4),
        "id_token_verify_per_s": round(verify_rate, 1),
        "id_token_verify_p50_ms": round(percentile(verify_lat, 50) * 1000, 3),
        "baseline_raw_es256_jwt_verify_per_s": round(raw_verify_rate, 1),
        "ratio_verify_to_raw_verify": round(verify_rate / raw_verify_rate, 4),
    }


def main() -> None:
    n = int(os.environ.get("BENCH_OIDC_N", "400"))
    with tempfile.TemporaryDirectory(prefix="bench-oidc-") as tmp:
        results = asyncio.run(_run(n, Path(tmp)))
    write("oidc", results)


if __name__ == "__main__":
    main()
