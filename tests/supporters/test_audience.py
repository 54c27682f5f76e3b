"""Every route of the platform declares who may use it (public routes explicitly listed)."""

from typing import Any

from starlette.routing import Mount

from tenohira.app import create_app
from tenohira.supporters.audiences import AUDIENCES, MOUNTS, audience_of_route


def walk(routes: list[Any]) -> list[tuple[str, str, Any, Any]]:
    """(method, path, dependant, route) of every route, through included routers (lazy or not)."""
    out: list[tuple[str, str, Any, Any]] = []
    for route in routes:
        if isinstance(route, Mount):
            out.append(("MOUNT", route.path, None, route))
            continue
        contexts = route.effective_route_contexts() if hasattr(route, "effective_route_contexts") else [route]
        for c in contexts:
            methods = sorted((getattr(c, "methods", None) or {"GET"}) - {"HEAD"})
            for m in methods:
                out.append((m, c.path, getattr(c, "dependant", None), c))
    return out


def test_every_route_declares_its_audience() -> None:
    app = create_app(background=False)
    routes = walk(list(app.routes))
    assert len(routes) > 100  # the walk really reaches the included routers
    undeclared = []
    for method, path, dependant, _ in routes:
        if method == "MOUNT":
            if path not in MOUNTS:
                undeclared.append(("MOUNT", path))
            continue
        found = audience_of_route(method, path, dependant)
        if found is None:
            undeclared.append((method, path))
            continue
        for a in [found] if isinstance(found, str) else found:
            assert a in AUDIENCES, (method, path, a)
    assert not undeclared, f"routes without a declared audience: {undeclared}"


def test_console_routes_declare_their_roles_on_the_route_itself() -> None:
    app = create_app(background=False)
    own = {
        (m, p): audience_of_route(m, p, d)
        for m, p, d, _ in walk(list(app.routes))
        if p.startswith(("/api/supporters", "/api/staff", "/supporter", "/staff", "/delegations"))
    }
    assert own, "no console routes found"
    for key, found in own.items():
        assert isinstance(found, frozenset), f"{key} relies on the table instead of declaring"
    assert own[("POST", "/api/staff/review/{reference}/decision")] == {"staff", "administrator"}
    assert own[("POST", "/api/supporters/help-requests/{request_id}/take")] == {"supporter"}
    assert own[("POST", "/api/supporters/delegations")] == {"resident"}
