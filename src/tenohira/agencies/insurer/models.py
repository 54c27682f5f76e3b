"""Tables of agencies.insurer."""

from tenohira.core.db import Base

__all__ = ["Base"]
