"""First start: the CA is created, the first CRLs are published, readiness reports the keys."""

from __future__ import annotations

from typing import Any

from tenohira.core import get_database, get_settings
from tenohira.core.health import run_readiness_checks
from tenohira.core.progress import no_progress
from tenohira.identity import repository
from tenohira.identity.bootstrap import bootstrap, register_checks
from tenohira.identity.ca import ISSUING_CRL_NAME, ROOT_CRL_NAME, ca_dir


async def test_bootstrap_creates_the_ca_once_and_readiness_reports_it(migrated_db: Any) -> None:
    register_checks()
    _, checks = await run_readiness_checks()
    assert checks["signing_keys"]["status"] == "fail"  # no CA yet
    settings = get_settings()
    await bootstrap(settings, no_progress)
    root = (ca_dir(settings) / "root-ca.pem").read_bytes()
    await bootstrap(settings, no_progress)  # idempotent: the same CA, no new CRL
    assert (ca_dir(settings) / "root-ca.pem").read_bytes() == root
    async with get_database().session() as s:
        for name in (ROOT_CRL_NAME, ISSUING_CRL_NAME):
            crl = await repository.latest_crl(s, name)
            assert crl is not None and crl.number == 1
    _, checks = await run_readiness_checks()
    assert checks["signing_keys"]["status"] == "ok", checks["signing_keys"]


async def test_readiness_fails_when_the_key_does_not_match(migrated_db: Any) -> None:
    from tenohira.identity import ca as ca_module

    settings = get_settings()
    await bootstrap(settings, no_progress)
    d = ca_dir(settings)
    # swap the issuing key for the root key: loading must notice
    (d / "issuing-ca.key.pem").write_bytes((d / "root-ca.key.pem").read_bytes())
    ca_module._cache.clear()
    _, checks = await run_readiness_checks()
    assert checks["signing_keys"]["status"] == "fail"
    assert "does not match" in checks["signing_keys"]["detail"]
