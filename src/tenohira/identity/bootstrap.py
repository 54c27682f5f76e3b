"""First-start work of identity (idempotent): the CA, its first CRLs, the readiness check."""

from __future__ import annotations

import asyncio

from tenohira.core.config import Settings, get_settings
from tenohira.core.db import get_database
from tenohira.core.health import register_readiness_check
from tenohira.core.progress import ProgressFn
from tenohira.identity import repository, service
from tenohira.identity.ca import ISSUING_CRL_NAME, ROOT_CRL_NAME, CANotInitialised, init_ca, load_ca


async def signing_keys_check() -> tuple[bool, str]:
    """Readiness: the CA keys can be loaded (decrypted) and match their certificates."""
    settings = get_settings()
    try:
        ca = await asyncio.to_thread(load_ca, settings)
    except CANotInitialised as exc:
        return False, str(exc)
    return True, f"card CA loaded (issuing CA serial {format(ca.issuing_cert.serial_number, 'X')[:16]}…)"


def register_checks() -> None:
    """Register the ``signing_keys`` readiness check (idempotent)."""
    register_readiness_check("signing_keys", signing_keys_check)


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Create the root and issuing CA on first start, publish the first CRLs, register readiness."""
    progress("card certificate authority", 0, 2)
    await asyncio.to_thread(init_ca, settings)
    progress("card certificate authority", 1, 2)
    async with get_database(settings).session() as session:
        for name in (ROOT_CRL_NAME, ISSUING_CRL_NAME):
            if await repository.latest_crl(session, name) is None:
                await service.publish_crl(session, name=name, settings=settings)
    progress("card certificate authority", 2, 2)
    register_checks()
