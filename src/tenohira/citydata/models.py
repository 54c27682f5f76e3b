"""Tables of citydata."""

from tenohira.core.db import Base

__all__ = ["Base"]
