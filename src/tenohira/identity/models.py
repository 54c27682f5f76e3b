"""Tables of identity."""

from tenohira.core.db import Base

__all__ = ["Base"]
