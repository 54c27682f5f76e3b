"""The municipality as its own ASGI application."""

from __future__ import annotations

from fastapi import FastAPI

from tenohira.core.config import Settings
from tenohira.core.problems import install_problem_handlers


def create_app(settings: Settings) -> FastAPI:
    """Build the municipality application."""
    app = FastAPI(title="tenohira municipality")
    install_problem_handlers(app)
    return app
