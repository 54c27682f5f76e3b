"""How the parts are put together into the one-process embedded platform.

Each entry names a module's piece by import path so that a part can also be deployed
on its own (the hub and the agencies are separate ASGI apps; they are only *mounted*
here for convenience and still talk to each other through hub HTTP).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import MetaData

# Modules that define tables (each on ``tenohira.core.db.Base``). Alembic's env imports all of
# them so that autogenerate and ``alembic check`` see the whole schema; nothing else needs to
# (tests/test_platform.py checks that every models file of the tree is listed).
MODELS: tuple[str, ...] = (
    "tenohira.audit.models",
    "tenohira.identity.models",
    "tenohira.oidc.models",
    "tenohira.vault.models",
    "tenohira.hub.models",
    "tenohira.agencies.municipality.models",
    "tenohira.agencies.municipality.intake_models",
    "tenohira.agencies.municipality.protection_models",
    "tenohira.agencies.hospital.models",
    "tenohira.agencies.insurer.models",
    "tenohira.agencies.insurer.intake_models",
    "tenohira.procedures.models",
    "tenohira.events.models",
    "tenohira.notify.models",
    "tenohira.palm.models",
    "tenohira.palm.push.models",
    "tenohira.assistant.models",
    "tenohira.supporters.models",
    "tenohira.opendata.models",
    "tenohira.citydata.models",
)

# Routers of the palm (citizen-facing) side and of the shared services, included in the main app.
ROUTERS: tuple[str, ...] = (
    "tenohira.identity.api:router",
    "tenohira.oidc.api:router",
    "tenohira.audit.api:router",
    "tenohira.vault.api:router",
    "tenohira.procedures.api:router",
    "tenohira.rules.api:router",
    "tenohira.palm.api:router",
    "tenohira.notify.api:router",
    "tenohira.assistant.api:router",
    "tenohira.supporters.api:router",
    "tenohira.opendata.api:router",
    "tenohira.citydata.api:router",
    "tenohira.web.routes:router",
)

# Separately deployable ASGI apps: mount path -> factory.
SUBAPPS: tuple[tuple[str, str], ...] = (
    ("/hub", "tenohira.hub.app:create_app"),
    # the transparency log's witness: its own key and database (tenohira witness serve apart)
    ("/witness", "tenohira.audit.witness.app:create_app"),
    ("/agencies/municipality", "tenohira.agencies.municipality.app:create_app"),
    # the other cities of core/cities.toml, each its own member and database, at /agencies/cities/<code>
    ("/agencies/cities", "tenohira.agencies.municipality.cities:create_app"),
    ("/agencies/hospital", "tenohira.agencies.hospital.app:create_app"),
    ("/agencies/insurer", "tenohira.agencies.insurer.app:create_app"),
)

# First-start work, in order: ``async def bootstrap(settings, progress) -> None``; each is idempotent.
BOOTSTRAP: tuple[str, ...] = (
    "tenohira.audit.bootstrap:bootstrap",
    "tenohira.vault.bootstrap:bootstrap",
    "tenohira.identity.bootstrap:bootstrap",
    "tenohira.hub.bootstrap:bootstrap",
    "tenohira.agencies.municipality.bootstrap:bootstrap",
    "tenohira.agencies.municipality.cities:bootstrap",
    "tenohira.agencies.hospital.bootstrap:bootstrap",
    "tenohira.agencies.insurer.bootstrap:bootstrap",
    "tenohira.procedures.bootstrap:bootstrap",
    "tenohira.palm.bootstrap:bootstrap",
    "tenohira.assistant.bootstrap:bootstrap",
    "tenohira.notify.bootstrap:bootstrap",
    "tenohira.supporters.bootstrap:bootstrap",
    "tenohira.opendata.bootstrap:bootstrap",
    "tenohira.citydata.bootstrap:bootstrap",
)

# Background work while serving: ``async def run(settings, stop: asyncio.Event) -> None``.
BACKGROUND: tuple[str, ...] = (
    "tenohira.audit.tasks:run",
    "tenohira.hub.tasks:run_mounted",
    "tenohira.events.tasks:run",
    "tenohira.palm.resume:run",
    "tenohira.notify.tasks:run",
    "tenohira.citydata.tasks:run",
    "tenohira.opendata.tasks:run",
    "tenohira.web.tasks:run",
)


# Modules that register themselves with a lower module's registry when imported, by the
# module whose registry they fill: the lower module names none of them (it may not import
# them), so the composition root imports them before that module's work runs.
REGISTRATIONS: dict[str, tuple[str, ...]] = {
    # the palm's application counts, for the open-data publisher (opendata never imports the palm)
    "tenohira.opendata": ("tenohira.palm.statistics",),
}


# Hooks a lower module leaves for the composition root: "module:attribute" -> what it is given,
# as a loader that imports it when called. Screening a seeded registry needs the registry's own
# code, and the rules (pure: households in, decisions out) may not import an agency.
HOOKS: dict[str, str] = {
    "tenohira.rules.cli:registry_screening": "tenohira.agencies.municipality.screening:screen_municipality",
}


def _within(module: str, package: str | None) -> bool:
    return package is None or module == package or module.startswith(package + ".")


def wire(for_module: str | None = None) -> None:
    """Import the registering modules and fill the hooks (all, or those of ``for_module``)."""
    import importlib

    for target, modules in REGISTRATIONS.items():
        if _within(target, for_module) or (for_module is not None and _within(for_module, target)):
            for name in modules:
                importlib.import_module(name)
    for hook, given in HOOKS.items():
        module_name, _, attr = hook.partition(":")
        if for_module is None or _within(module_name, for_module) or _within(for_module, module_name):
            setattr(importlib.import_module(module_name), attr, lambda given=given: resolve(given))


def resolve(path: str) -> object:
    """Import ``module:attribute``."""
    import importlib

    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr)


def load_all_models() -> MetaData:
    """Import every module's models so that ``Base.metadata`` is the whole schema."""
    import importlib

    from tenohira.core.db import Base

    for name in MODELS:
        importlib.import_module(name)
    return Base.metadata
