"""Package faces built with tenohira.core.lazy: the same names as before, loaded on first use."""

from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

from tenohira.core.lazy import lazy_exports

FACES = [
    "tenohira.agencies.municipality",
    "tenohira.assistant",
    "tenohira.audit",
    "tenohira.audit.witness",
    "tenohira.citydata",
    "tenohira.events",
    "tenohira.hub",
    "tenohira.identity",
    "tenohira.notify",
    "tenohira.oidc",
    "tenohira.opendata",
    "tenohira.rules",
    "tenohira.supporters",
    "tenohira.vault",
]


@pytest.mark.parametrize("face", FACES)
def test_every_public_name_resolves_and_none_is_also_a_submodule(face: str) -> None:
    package = importlib.import_module(face)
    submodules = {m.name for m in pkgutil.iter_modules(package.__path__)}
    # a name that is also a submodule's would be replaced by the module once that is imported
    assert not set(package.__all__) & submodules
    for name in package.__all__:
        assert getattr(package, name) is not None, name
        assert name in dir(package)
    with pytest.raises(AttributeError):
        package.no_such_name


def test_importing_a_face_loads_none_of_its_parts() -> None:
    code = "import tenohira.hub, tenohira.assistant, sys; print(sorted(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    assert "tenohira.hub.client" not in out and "tenohira.assistant.nlu" not in out
    assert "sklearn" not in out


def test_a_name_can_come_under_another_name() -> None:
    getattr_, dir_ = lazy_exports(__name__, {"joined": "os.path:join"})
    import os.path

    assert getattr_("joined") is os.path.join
    assert "joined" in dir_()
    with pytest.raises(AttributeError):
        getattr_("nothing")
