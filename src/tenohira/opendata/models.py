"""Tables of opendata."""

from tenohira.core.db import Base

__all__ = ["Base"]
