"""Tables of supporters."""

from tenohira.core.db import Base

__all__ = ["Base"]
