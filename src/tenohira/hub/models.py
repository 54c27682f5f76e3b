"""Tables of hub."""

from tenohira.core.db import Base

__all__ = ["Base"]
