"""Open data: aggregates with disclosure control, DCAT catalogue, CKAN-compatible API, portal.

Public face for the modules that hold the data: a count table or a sample of durations, and
:func:`register_statistics` by which such a module (the palm) offers its counts to the
publisher without open data importing it.
"""

from tenohira.opendata.sources import CountTable, DurationSample, StatisticsSource, register_statistics

__all__ = ["CountTable", "DurationSample", "StatisticsSource", "register_statistics"]
