"""Tables of audit."""

from tenohira.core.db import Base

__all__ = ["Base"]
