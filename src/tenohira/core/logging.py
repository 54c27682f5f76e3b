"""Structured logging (structlog), console for people and JSON for machines."""

from __future__ import annotations

import logging

import structlog


def console_renderer() -> structlog.dev.ConsoleRenderer:
    """Console lines with plain tracebacks.

    structlog's default renders exceptions with rich (syntax-highlighted source and every
    frame's locals): about 4 s of CPU for one SQLAlchemy traceback, spent on the event loop of
    the server that logged it, which stalled every other request (seen in the open-data tests).
    """
    return structlog.dev.ConsoleRenderer(exception_formatter=structlog.dev.plain_traceback)


def configure_logging(level: str = "INFO", json: bool = False) -> None:
    """Configure structlog and the standard library once per process."""
    logging.basicConfig(level=level.upper(), format="%(message)s")
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer(ensure_ascii=False) if json else console_renderer()
    )
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        cache_logger_on_first_use=True,
    )
