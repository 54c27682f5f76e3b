"""Where the numbers come from: count tables from the systems that hold the data.

Open data never reads personal records. Each system that holds personal data answers
with *counts* only (a table of rows × columns), and disclosure control is applied here
before anything is published. In the platform the counts arrive through the hub
(see ``HubStatisticsSource``); tests may pass a source of fixed tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from tenohira.core.config import Settings


@dataclass(frozen=True)
class CountTable:
    """Counts of people or events by two categories."""

    row_label: str
    column_label: str
    rows: list[str]
    columns: list[str]
    counts: list[list[int]]


@dataclass(frozen=True)
class DurationSample:
    """Processing durations (days) per group, for median and p90."""

    group_label: str
    durations: dict[str, list[float]] = field(default_factory=dict)


class StatisticsSource(Protocol):
    """Answers aggregate questions without personal data."""

    async def count_table(self, name: str, reference_date: date) -> CountTable | None:
        """The named count table as of ``reference_date`` (None: not available from this source)."""
        ...

    async def durations(self, name: str, reference_date: date) -> DurationSample | None:
        """The named duration sample (None: not available)."""
        ...


class FacilitySource(Protocol):
    """The city's own non-personal records (facilities, AEDs, evacuation sites)."""

    def records(self, dataset: str) -> list[dict[str, Any]]:
        """Rows of the standard dataset ``dataset`` (empty if unknown)."""
        ...


class StaticSource:
    """A source of fixed tables (for tests and for importing numbers from elsewhere)."""

    def __init__(
        self,
        tables: dict[str, CountTable] | None = None,
        samples: dict[str, DurationSample] | None = None,
    ) -> None:
        self.tables = tables or {}
        self.samples = samples or {}

    async def count_table(self, name: str, reference_date: date) -> CountTable | None:
        return self.tables.get(name)

    async def durations(self, name: str, reference_date: date) -> DurationSample | None:
        return self.samples.get(name)


class CombinedSource:
    """Asks each source in turn; the first that knows the table answers."""

    def __init__(self, *sources: StatisticsSource) -> None:
        self.sources = sources

    async def count_table(self, name: str, reference_date: date) -> CountTable | None:
        for s in self.sources:
            t = await s.count_table(name, reference_date)
            if t is not None:
                return t
        return None

    async def durations(self, name: str, reference_date: date) -> DurationSample | None:
        for s in self.sources:
            d = await s.durations(name, reference_date)
            if d is not None:
                return d
        return None


StatisticsFactory = Callable[["Settings"], StatisticsSource]
_registered: dict[str, StatisticsFactory] = {}


def register_statistics(name: str, factory: StatisticsFactory) -> None:
    """Add the counts of a module that holds personal data in process (the palm's applications).

    That module registers its source here, so open data imports no module holding personal data
    (the ``opendata-no-personal-data`` contract); the composition root (``tenohira.platform``,
    ``REGISTRATIONS``) imports the registering modules before anything is published.
    """
    _registered[name] = factory


def registered_statistics(settings: Settings) -> list[StatisticsSource]:
    """The registered sources, built for ``settings``, in the order they were registered."""
    return [factory(settings) for factory in _registered.values()]
