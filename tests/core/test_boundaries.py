"""A module's other modules see only its public face: its package ``__init__`` or ``interfaces``.

import-linter enforces the big boundaries (agencies vs palm, hub vs members); this test
enforces the small one, for every import between two modules of tenohira.
"""

from __future__ import annotations

import grimp

# Composition roots wire everything together by design.
COMPOSITION = ("tenohira.app", "tenohira.cli", "tenohira.platform", "tenohira.migrations")
# ``tenohira scenario`` lists every life-event story, also one still kept with its module
# (``scenario oidc`` runs tenohira.oidc.scenario until it moves beside scenarios/birth.py).
COMPOSITION += ("tenohira.scenarios.cli",)


def owner(module: str) -> str:
    """The module (package) a dotted name belongs to: tenohira.X, or tenohira.agencies.Y."""
    parts = module.split(".")
    if len(parts) >= 3 and parts[1] == "agencies":
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def is_public(imported: str) -> bool:
    return imported == owner(imported) or imported.endswith(".interfaces")


# Crossings allowed while they move behind a face (none left: issue 14 removed the last five).
KNOWN: set[str] = set()


def test_modules_import_each_other_only_through_their_public_face() -> None:
    graph = grimp.build_graph("tenohira")
    violations = []
    for importer in sorted(graph.modules):
        if importer.startswith(COMPOSITION):
            continue
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            # core is the kernel every module stands on; its submodules are all public.
            shared = owner(imported) in ("tenohira.agencies", "tenohira.core")
            if shared or owner(importer) == owner(imported):
                continue
            if not is_public(imported) and f"{importer} -> {imported}" not in KNOWN:
                violations.append(f"{importer} -> {imported}")
    assert not violations, "imports past a module's public face:\n" + "\n".join(violations)
