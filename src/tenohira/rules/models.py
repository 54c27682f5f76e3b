"""Tables of rules."""

from tenohira.core.db import Base

__all__ = ["Base"]
