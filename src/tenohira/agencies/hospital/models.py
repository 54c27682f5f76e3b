"""Tables of agencies.hospital."""

from tenohira.core.db import Base

__all__ = ["Base"]
