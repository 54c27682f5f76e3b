"""Tables of procedures."""

from tenohira.core.db import Base

__all__ = ["Base"]
