"""Tables of assistant."""

from tenohira.core.db import Base

__all__ = ["Base"]
