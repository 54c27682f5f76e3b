"""tenohira (手のひら) — a high-touch digital government platform."""

__version__ = "0.1.0"
