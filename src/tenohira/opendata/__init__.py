"""Open data: aggregates with disclosure control, DCAT catalogue, CKAN-compatible API, portal.

Public face for the modules that hold the data: a count table or a sample of durations, and
:func:`register_statistics` by which such a module (the palm) offers its counts to the
publisher without open data importing it.
"""

from typing import TYPE_CHECKING

from tenohira.core.lazy import lazy_exports

if TYPE_CHECKING:
    from tenohira.opendata.sources import CountTable, DurationSample, StatisticsSource, register_statistics

# each name's module loads when the name is first used (tenohira.core.lazy)
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "CountTable": "tenohira.opendata.sources",
        "DurationSample": "tenohira.opendata.sources",
        "StatisticsSource": "tenohira.opendata.sources",
        "register_statistics": "tenohira.opendata.sources",
    },
)

__all__ = ["CountTable", "DurationSample", "StatisticsSource", "register_statistics"]
