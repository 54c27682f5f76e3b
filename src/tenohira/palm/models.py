"""Tables of palm."""

from tenohira.core.db import Base

__all__ = ["Base"]
