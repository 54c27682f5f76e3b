"""Shared ground every module stands on: settings, database, problems, logging, identifiers, Japan's calendar.

This file is the core's public face for the names below; the submodules (``core.db``,
``core.problems``, ``core.names``, …) are imported directly too, and that is allowed: the core
has no inside to hide, only the rule that it imports nothing above it (the ``core-is-ground``
contract in ``.importlinter``). The face is lazy (PEP 562): importing ``tenohira.core`` loads
no submodule, so a command that needs only the settings does not pay for SQLAlchemy or FastAPI.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tenohira.core.clock import JST, today_jst
    from tenohira.core.config import Settings, get_settings, reset_settings
    from tenohira.core.db import (
        Base,
        Database,
        get_database,
        in_migrated_session,
        migrate,
        session_dependency,
    )
    from tenohira.core.health import ReadinessCheck, register_readiness_check
    from tenohira.core.identifiers import (
        InvalidIdentifier,
        corporate_number_check_digit,
        individual_number_check_digit,
        local_government_code_check_digit,
        validate_corporate_number,
        validate_individual_number,
        validate_local_government_code,
    )
    from tenohira.core.problems import FieldError, Problem, problem_response

_FACE = {
    "JST": "clock",
    "today_jst": "clock",
    "Settings": "config",
    "get_settings": "config",
    "reset_settings": "config",
    "Base": "db",
    "Database": "db",
    "get_database": "db",
    "in_migrated_session": "db",
    "migrate": "db",
    "session_dependency": "db",
    "ReadinessCheck": "health",
    "register_readiness_check": "health",
    "InvalidIdentifier": "identifiers",
    "corporate_number_check_digit": "identifiers",
    "individual_number_check_digit": "identifiers",
    "local_government_code_check_digit": "identifiers",
    "validate_corporate_number": "identifiers",
    "validate_individual_number": "identifiers",
    "validate_local_government_code": "identifiers",
    "FieldError": "problems",
    "Problem": "problems",
    "problem_response": "problems",
}

__all__ = [
    "JST",
    "Base",
    "Database",
    "FieldError",
    "InvalidIdentifier",
    "Problem",
    "ReadinessCheck",
    "Settings",
    "corporate_number_check_digit",
    "get_database",
    "get_settings",
    "in_migrated_session",
    "individual_number_check_digit",
    "local_government_code_check_digit",
    "migrate",
    "problem_response",
    "register_readiness_check",
    "reset_settings",
    "session_dependency",
    "today_jst",
    "validate_corporate_number",
    "validate_individual_number",
    "validate_local_government_code",
]


def __getattr__(name: str) -> Any:
    submodule = _FACE.get(name)
    if submodule is None:
        raise AttributeError(f"module 'tenohira.core' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"tenohira.core.{submodule}"), name)
    globals()[name] = value  # looked up once
    return value
