"""Tables of events."""

from tenohira.core.db import Base

__all__ = ["Base"]
