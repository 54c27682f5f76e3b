"""Shared ground every module stands on: settings, database, problems, logging, identifiers, Japan's calendar.

Other modules import only from this package's public face (this file).
"""

from tenohira.core.clock import JST, today_jst
from tenohira.core.config import Settings, get_settings, reset_settings
from tenohira.core.db import Base, Database, get_database, in_migrated_session, migrate, session_dependency
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
