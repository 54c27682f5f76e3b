"""Card authentication: verified authentications per second.

What is measured (the card's own signing is client-side and done before the clock starts):

- ``verify``: :func:`tenohira.identity.service.verify_login` per signed challenge, each in its
  own unit of work — certificate parsing, challenge lookup (fresh, unused, ours), chain to the
  root, validity, kind, revocation status from the database, RSA signature over the challenge;
- ``login``: the whole :func:`tenohira.identity.service.login` — the above plus consuming the
  challenge, opening the session and appending ``card:auth:success`` to the transparency log,
  committed;
- ``offline verify``: what an agency deployed apart does per certificate + signature, in memory:
  :meth:`TrustStore.verify_chain` with the CRL, plus the signature check.

Rates are those of the least disturbed quarter of each run (the 2-core machine is shared with
other work; the whole-run rate is reported too), and the baseline is taken the same way.

Baseline in the same run: raw RSA-2048 PKCS#1 v1.5 SHA-256 verifications per second with
``cryptography`` (one verify, no parsing, no database) — the floor of any signature check.
A full verification does three RSA verifications (card certificate, issuing CA, challenge)
unless the CA link is cached, so the offline ratio shows how much is left beyond the crypto.

Environment: ``BENCH_IDENTITY_N`` (default 2000 authentications), ``BENCH_IDENTITY_DATABASE_URL``
(default: a temporary SQLite file, the embedded configuration).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.report import percentile, write

CARDS = 20


def _best_rate(latencies: list[float], parts: int = 4) -> float:
    """Operations per second of the least disturbed quarter of the run (the machine is shared)."""
    size = max(1, len(latencies) // parts)
    chunks = [latencies[i : i + size] for i in range(0, len(latencies), size)]
    return max(len(c) / sum(c) for c in chunks if c)


def _raw_rsa_verify_per_second(seconds: float = 2.0) -> float:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding, rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = os.urandom(120)
    sig = key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    pub = key.public_key()
    rates = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        for _ in range(500):
            pub.verify(sig, data, padding.PKCS1v15(), hashes.SHA256())
        rates.append(500 / (time.perf_counter() - t0))
    return max(rates)  # best slice, like the measured side


async def _run(n: int, workdir: Path) -> dict[str, Any]:
    os.environ["TENOHIRA_DATA_DIR"] = str(workdir / "var")
    url = os.environ.get("BENCH_IDENTITY_DATABASE_URL")
    if url:
        os.environ["TENOHIRA_DATABASE_URL"] = url
    else:
        os.environ.pop("TENOHIRA_DATABASE_URL", None)
    from tenohira.core import get_database, get_settings, migrate, reset_settings
    from tenohira.core.db import dispose_databases
    from tenohira.core.progress import no_progress
    from tenohira.identity import BasicFacts, CardSimulator, TrustStore, issue_card
    from tenohira.identity import service as svc
    from tenohira.identity.bootstrap import bootstrap
    from tenohira.identity.ca import ISSUING_CRL_NAME, load_ca
    from tenohira.identity.trust import load_certificate, verify_raw_signature

    reset_settings()
    settings = get_settings()
    settings.ensure_data_dir()
    await migrate(settings.resolved_database_url)
    await bootstrap(settings, no_progress)
    db = get_database(settings)

    cards: list[CardSimulator] = []
    for i in range(CARDS):
        facts = BasicFacts(
            name=f"試験 {i}",
            name_kana=f"シケン {i}",
            address="手のひら市中央1-1",
            birth_date=date(1980, 1, 1 + i),
            sex="male",
        )
        async with db.session() as s:
            card = await issue_card(
                s,
                holder_ref=f"R{i:07d}",
                facts=facts,
                pin="1234",
                password="BENCH1",
                out_dir=workdir / f"card{i}",
            )
        cards.append(CardSimulator.open(card.out_dir))
    # A few revoked cards so that the revocation lookups are not against an empty CRL.
    for i in range(CARDS, CARDS + 5):
        facts = BasicFacts(
            name="失効", name_kana="シッコウ", address="手のひら市", birth_date=date(1970, 5, 5), sex="female"
        )
        async with db.session() as s:
            card = await issue_card(
                s,
                holder_ref=f"R{i:07d}",
                facts=facts,
                pin="1234",
                password="BENCH1",
                out_dir=workdir / f"card{i}",
            )
            await svc.revoke_card(s, serial=card.auth_serial, reason="lost")

    async def signed_challenges(count: int) -> list[tuple[bytes, bytes, bytes]]:
        out = []
        async with db.session() as s:
            issued = [await svc.issue_challenge(s) for _ in range(count)]
        for i, ch in enumerate(issued):
            # The card decrypts its key per signature (PIN check); this is the client's time.
            sim = cards[i % CARDS]
            out.append((ch.challenge, sim.authenticate("1234", ch.challenge), sim.auth_certificate_pem()))
        return out

    # 1. verification with the database (not consuming the challenges)
    batch = await signed_challenges(n)
    latencies = []
    t0 = time.perf_counter()
    for challenge, sig, cert in batch:
        t = time.perf_counter()
        async with db.session() as s:
            await svc.verify_login(s, challenge=challenge, signature=sig, certificate=cert)
        latencies.append(time.perf_counter() - t)
    verify_elapsed = time.perf_counter() - t0

    # 1b. the same with 8 verifications in flight (how a server under load sees it)
    batch8 = await signed_challenges(n)
    queue = list(batch8)

    async def worker() -> None:
        while queue:
            challenge, sig, cert = queue.pop()
            async with db.session() as s:
                await svc.verify_login(s, challenge=challenge, signature=sig, certificate=cert)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(8)))
    concurrent_elapsed = time.perf_counter() - t0

    # 2. full logins (consume, session, transparency log, commit)
    logins = await signed_challenges(n // 2)
    t0 = time.perf_counter()
    for challenge, sig, cert in logins:
        async with db.session() as s:
            await svc.login(s, challenge=challenge, signature=sig, certificate=cert, via="bearer")
    login_elapsed = time.perf_counter() - t0

    # 3. offline verification as an agency would do it: chain + CRL + signature, in memory
    ca = load_ca(settings)
    async with db.session() as s:
        crl = await svc.current_crl(s, ISSUING_CRL_NAME)
    trust = TrustStore.from_pem(ca.chain_pem(), [crl.der])
    offline_latencies = []
    for challenge, sig, cert in batch:
        t = time.perf_counter()
        c = load_certificate(cert)
        trust.verify_chain(c, kind="auth")
        verify_raw_signature(c, sig, challenge)
        offline_latencies.append(time.perf_counter() - t)

    await dispose_databases()
    baseline = _raw_rsa_verify_per_second()
    verify_rate = _best_rate(latencies)
    offline_rate = _best_rate(offline_latencies)
    return {
        "database": "postgresql" if url else "sqlite (embedded)",
        "authentications": n,
        "verify_per_s": round(verify_rate, 1),
        "verify_per_s_whole_run": round(n / verify_elapsed, 1),
        "verify_p50_ms": round(percentile(latencies, 50) * 1000, 3),
        "verify_p99_ms": round(percentile(latencies, 99) * 1000, 3),
        "verify_8_in_flight_per_s": round(n / concurrent_elapsed, 1),
        "login_per_s": round((n // 2) / login_elapsed, 1),
        "offline_verify_per_s": round(offline_rate, 1),
        "offline_verify_p50_ms": round(percentile(offline_latencies, 50) * 1000, 3),
        "baseline_raw_rsa2048_verify_per_s": round(baseline, 1),
        "ratio_verify_to_raw_rsa": round(verify_rate / baseline, 4),
        "ratio_offline_to_raw_rsa": round(offline_rate / baseline, 4),
    }


def main() -> None:
    n = int(os.environ.get("BENCH_IDENTITY_N", "2000"))
    with tempfile.TemporaryDirectory(prefix="bench-identity-") as tmp:
        results = asyncio.run(_run(n, Path(tmp)))
    write("identity", results)


if __name__ == "__main__":
    main()
