"""Tables of agencies.municipality."""

from tenohira.core.db import Base

__all__ = ["Base"]
