"""Tables of notify."""

from tenohira.core.db import Base

__all__ = ["Base"]
