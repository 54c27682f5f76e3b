"""The sources the running platform publishes from."""

from __future__ import annotations

from tenohira.core.config import Settings
from tenohira.opendata.sources import CombinedSource, FacilitySource, StatisticsSource


def default_sources(settings: Settings) -> tuple[StatisticsSource, FacilitySource | None]:
    """Statistics from the systems that hold the data, facilities from the city data store."""
    return CombinedSource(), None
