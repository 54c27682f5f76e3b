"""A package face whose parts load on first use (PEP 562).

A package's ``__init__`` names its public face; importing every part eagerly makes importing
any one of its modules pay for all of them (``tenohira assistant --help`` loaded scikit-learn
through the assistant's face: 1.2 s). A face built with :func:`lazy_exports` keeps the same
names, types (the ``TYPE_CHECKING`` imports beside it, which mypy and import-linter read) and
``from package import name`` behaviour, and imports a part when one of its names is first used.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``: name -> ``"module"`` or ``"module:attribute"``."""

    def __getattr__(name: str) -> Any:
        target = exports.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module, _, attribute = target.partition(":")
        value = getattr(importlib.import_module(module), attribute or name)
        setattr(sys.modules[package], name, value)  # resolved once
        return value

    def __dir__() -> list[str]:
        return sorted(set(vars(sys.modules[package])) | set(exports))

    return __getattr__, __dir__


__all__ = ["lazy_exports"]
