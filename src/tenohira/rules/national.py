"""National screening: the population mode partitioned by municipality, run on Dask.

Japan has about 125 M residents in 1,741 municipalities. One municipality's columns fit a worker
easily; the nation's do not fit one process comfortably, and one core screens it too slowly. So a
screening is a set of partitions, one per municipality: each partition's columns are *built where
they are screened* (on a Dask worker, never shipped from the client), screened with
:func:`tenohira.rules.population.screen`, and only the per-benefit counts and totals travel back.
The totals are integers summed exactly, so the result is the same as screening the concatenated
population in one pass (tests check it), whatever the number of workers or the order they finish.

Dask (``dask.distributed``) is the engine: a ``LocalCluster`` of worker processes on one machine,
or the address of a scheduler for many. It is imported only when a cluster is asked for, so the
single-process mode and the CLI's start-up do not pay for it.
"""

from __future__ import annotations

import resource
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from tenohira.core.identifiers import local_government_code_check_digit
from tenohira.core.progress import ProgressFn, no_progress
from tenohira.rules.params import BENEFIT_IDS
from tenohira.rules.population import Population, screen, synthetic_population

MUNICIPALITIES = 1_741  # 市町村 (792 市, 743 町, 183 村, 23 特別区 counted as 1,741 since 2014)
DEMO_CITIES = ("990019", "990027")  # the demo cities, whose own parameters (e.g. 子ども医療費) exist
# Summed per benefit across partitions; every other key of a screening entry is the same everywhere.
_SUMMED = ("eligible_households", "total", "total_monthly", "members_covered", "additional_lump_sum_total")


@dataclass(frozen=True)
class Partition:
    """One municipality's share of a synthetic nation: its code, how many residents, its own seed."""

    municipality: str
    residents: int
    seed: int


@dataclass
class PartitionResult:
    """What travels back from a worker: the screening of one partition, and what it cost there."""

    municipality: str
    residents: int
    households: int
    benefits: dict[str, dict[str, Any]]
    seconds_building: float
    seconds_computing: float
    column_bytes: int  # the partition's input columns (the memory a partition needs, before temporaries)
    worker_peak_rss: int  # the process's peak resident set so far, bytes


@dataclass
class NationalReport:
    """The sum over every partition, and per-partition costs."""

    date: date
    engine: str
    partitions: int
    residents: int
    households: int
    benefits: dict[str, dict[str, Any]]
    seconds: float
    column_bytes_max: int
    column_bytes_median: int
    worker_peak_rss_max: int
    results: list[PartitionResult] = field(default_factory=list, repr=False)

    def as_json(self) -> dict[str, Any]:
        """The ``rules screen --national`` document."""
        return {
            "date": self.date.isoformat(),
            "engine": self.engine,
            "partitions": self.partitions,
            "residents": self.residents,
            "households": self.households,
            "benefits": self.benefits,
            "seconds": self.seconds,
            "memory": {
                "partition_columns_max_bytes": self.column_bytes_max,
                "partition_columns_median_bytes": self.column_bytes_median,
                "worker_peak_rss_max_bytes": self.worker_peak_rss_max,
            },
        }


def synthetic_codes(count: int) -> list[str]:
    """``count`` distinct, valid local government codes: the demo cities first, then fictional ones.

    Fictional codes use prefecture numbers 48–98 (no real prefecture has them) with the official
    check digit, so they can never be mistaken for a real municipality.
    """
    codes = list(DEMO_CITIES[:count])
    pref, city = 48, 1
    while len(codes) < count:
        first_five = f"{pref:02d}{city:03d}"
        code = first_five + str(local_government_code_check_digit(first_five))
        if code not in codes:
            codes.append(code)
        city += 1
        if city == 1000:
            pref, city = pref + 1, 1
    return codes


def national_partitions(
    residents: int, *, municipalities: int = MUNICIPALITIES, seed: int = 20261126
) -> list[Partition]:
    """A deterministic nation of ``residents`` in ``municipalities`` partitions of unequal size.

    Sizes follow a log-normal spread (a few large cities, many small towns and villages, as in
    Japan, where the largest 市 has ~3.8 M people and the smallest 村 a few hundred) and add up to
    ``residents`` exactly.
    """
    if residents < 0 or municipalities < 1:
        raise ValueError("residents must be ≥ 0 and municipalities ≥ 1")
    rng = np.random.default_rng(seed)
    weights = rng.lognormal(mean=0.0, sigma=1.6, size=municipalities)
    sizes = np.floor(weights / weights.sum() * residents).astype(np.int64)
    sizes[: residents - int(sizes.sum())] += 1  # hand out the rounding remainder, one each
    codes = synthetic_codes(municipalities)
    seeds = rng.integers(0, 2**31 - 1, size=municipalities)
    return [
        Partition(municipality=codes[i], residents=int(sizes[i]), seed=int(seeds[i]))
        for i in range(municipalities)
    ]


def build_partition(part: Partition, on: date) -> Population:
    """The synthetic residents of one partition, every household in its municipality."""
    pop = synthetic_population(part.residents, on, seed=part.seed)
    pop.municipalities = [part.municipality]
    pop.hh_municipality = np.zeros(pop.households, np.int64)
    return pop


def _peak_rss() -> int:
    # ru_maxrss is in KiB on Linux; a forked worker inherits its parent's peak, so read the high-water
    # mark of this process's own memory map instead where /proc has it
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _column_bytes(pop: Population) -> int:
    return sum(v.nbytes for v in vars(pop).values() if isinstance(v, np.ndarray))


def screen_partition(part: Partition, on: date, benefits: Sequence[str] | None = None) -> PartitionResult:
    """Build and screen one partition where this runs (a Dask task, or the single-process loop)."""
    t0 = time.perf_counter()
    pop = build_partition(part, on)
    building = time.perf_counter() - t0
    report = screen(pop, on, benefits=benefits, source=part.municipality, seconds_building=building)
    return PartitionResult(
        municipality=part.municipality,
        residents=report.residents,
        households=report.households,
        benefits=report.benefits,
        seconds_building=building,
        seconds_computing=report.seconds_computing,
        column_bytes=_column_bytes(pop),
        worker_peak_rss=_peak_rss(),
    )


def merge_benefits(parts: Iterable[dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per-benefit entries of several screenings summed into one (``total`` stays None for in-kind)."""
    merged: dict[str, dict[str, Any]] = {}
    for benefits in parts:
        for name, entry in benefits.items():
            into = merged.setdefault(name, {k: v for k, v in entry.items() if k not in _SUMMED})
            for key in _SUMMED:
                if key in entry and entry[key] is not None:
                    into[key] = into.get(key, 0) + entry[key]
                elif key in entry:
                    into.setdefault(key, None)
    return merged


def concat(pops: Sequence[Population]) -> Population:
    """Several populations as one (households renumbered, municipality indices re-based).

    Used to check that the partitioned screening equals one pass over the whole.
    """
    if not pops:
        raise ValueError("nothing to concatenate")
    names = [n for n, v in vars(pops[0]).items() if isinstance(v, np.ndarray)]
    columns: dict[str, Any] = {}
    hh_offset = 0
    code_index: dict[str, int] = {}
    households, hh_muni = [], []
    for pop in pops:
        households.append(pop.household + hh_offset)
        hh_offset += pop.households
        local = np.array([code_index.setdefault(c, len(code_index)) for c in pop.municipalities], np.int64)
        hh_muni.append(local[pop.hh_municipality] if pop.households else pop.hh_municipality)
    for name in names:
        columns[name] = np.concatenate([getattr(p, name) for p in pops])
    columns["household"] = np.concatenate(households)
    columns["hh_municipality"] = np.concatenate(hh_muni)
    return Population(**columns, municipalities=list(code_index), member_ids=None)


def _report(on: date, engine: str, results: list[PartitionResult], seconds: float) -> NationalReport:
    column_bytes = sorted(r.column_bytes for r in results) or [0]
    return NationalReport(
        date=on,
        engine=engine,
        partitions=len(results),
        residents=sum(r.residents for r in results),
        households=sum(r.households for r in results),
        benefits=merge_benefits(r.benefits for r in results),
        seconds=seconds,
        column_bytes_max=column_bytes[-1],
        column_bytes_median=column_bytes[len(column_bytes) // 2],
        worker_peak_rss_max=max((r.worker_peak_rss for r in results), default=0),
        # a stable order whatever order the workers finished in
        results=sorted(results, key=lambda r: r.municipality),
    )


def screen_single_process(
    partitions: Sequence[Partition],
    on: date,
    *,
    benefits: Sequence[str] | None = None,
    progress: ProgressFn = no_progress,
) -> NationalReport:
    """Every partition one after another in this process (the reference for the Dask mode)."""
    wanted = list(benefits or BENEFIT_IDS)
    t0 = time.perf_counter()
    results = []
    for i, part in enumerate(partitions):
        progress("screening municipalities", i, len(partitions))
        results.append(screen_partition(part, on, wanted))
    progress("screening municipalities", len(partitions), len(partitions))
    return _report(on, "single-process", results, time.perf_counter() - t0)


def batches(partitions: Sequence[Partition], count: int) -> list[list[Partition]]:
    """``partitions`` grouped into at most ``count`` tasks of near-equal residents (largest first into
    the lightest task): a task per small town would cost more in scheduling than in screening."""
    count = max(1, min(count, len(partitions)))
    tasks: list[list[Partition]] = [[] for _ in range(count)]
    load = [0] * count
    for part in sorted(partitions, key=lambda p: (-p.residents, p.municipality)):
        lightest = min(range(count), key=load.__getitem__)
        tasks[lightest].append(part)
        load[lightest] += part.residents
    return [t for t in tasks if t]


def screen_batch(parts: Sequence[Partition], on: date, benefits: Sequence[str]) -> list[PartitionResult]:
    """One Dask task: several municipalities screened one after another on a worker."""
    return [screen_partition(p, on, benefits) for p in parts]


def screen_on_dask(
    partitions: Sequence[Partition],
    on: date,
    *,
    scheduler: str = "local",
    workers: int | None = None,
    tasks_per_worker: int = 8,
    benefits: Sequence[str] | None = None,
    progress: ProgressFn = no_progress,
) -> NationalReport:
    """Every partition screened on Dask: ``scheduler`` is ``"local"`` (a ``LocalCluster`` of ``workers``
    single-threaded worker processes on this machine) or a scheduler address (``tcp://host:8786``).

    Partitions go out in ``tasks_per_worker`` tasks per worker of near-equal size (see
    :func:`batches`); each result still comes back per municipality.
    """
    try:
        from dask.distributed import Client, LocalCluster, as_completed
    except ImportError as exc:  # the optional extra is not installed
        raise RuntimeError("Dask is not installed: pip install 'tenohira[cluster]'") from exc

    wanted = list(benefits or BENEFIT_IDS)
    t0 = time.perf_counter()
    cluster = None
    if scheduler == "local":
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = Client(cluster)
    else:
        client = Client(scheduler)
    try:
        n_workers = len(client.scheduler_info()["workers"]) or 1
        engine = f"dask-local:{n_workers}-workers" if cluster is not None else f"dask:{scheduler}"
        groups = batches(partitions, n_workers * tasks_per_worker)
        futures = client.map(screen_batch, groups, on=on, benefits=wanted, pure=False)
        results: list[PartitionResult] = []
        progress("screening municipalities", 0, len(partitions))
        for future in as_completed(futures):
            results.extend(future.result())
            progress("screening municipalities", len(results), len(partitions))
        return _report(on, engine, results, time.perf_counter() - t0)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
