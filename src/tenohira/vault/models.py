"""Tables of vault."""

from tenohira.core.db import Base

__all__ = ["Base"]
