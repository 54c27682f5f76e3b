"""National screening: partitions by municipality on Dask give exactly the single-process results."""

from __future__ import annotations

from datetime import date

import pytest

from tenohira.core.identifiers import validate_local_government_code
from tenohira.rules import screen
from tenohira.rules.national import (
    build_partition,
    concat,
    national_partitions,
    screen_on_dask,
    screen_single_process,
    synthetic_codes,
)

ON = date(2026, 11, 26)


def test_partitions_add_up_and_are_deterministic() -> None:
    parts = national_partitions(123_457, municipalities=200, seed=7)
    assert sum(p.residents for p in parts) == 123_457
    assert parts == national_partitions(123_457, municipalities=200, seed=7)
    assert parts != national_partitions(123_457, municipalities=200, seed=8)
    sizes = sorted(p.residents for p in parts)
    assert sizes[-1] > 10 * sizes[len(sizes) // 2]  # a few big cities, many small towns


def test_codes_are_valid_distinct_and_fictional() -> None:
    codes = synthetic_codes(1_741)
    assert len(set(codes)) == 1_741
    assert codes[:2] == ["990019", "990027"]
    for code in codes:
        assert validate_local_government_code(code) == code
        assert int(code[:2]) >= 48  # no real prefecture has these numbers


def test_partitioned_equals_one_pass_over_the_whole() -> None:
    parts = national_partitions(30_000, municipalities=40, seed=3)
    partitioned = screen_single_process(parts, ON)
    whole = concat([build_partition(p, ON) for p in parts])
    whole.validate()
    one_pass = screen(whole, ON)
    assert partitioned.benefits == one_pass.benefits
    assert (partitioned.residents, partitioned.households) == (one_pass.residents, one_pass.households)
    # the demo city's own child-medical scheme applies in its partition, so the sum is not trivially 0
    assert partitioned.benefits["child_medical_subsidy"]["members_covered"] > 0
    assert partitioned.benefits["child_allowance"]["eligible_households"] > 0


def test_bad_arguments() -> None:
    with pytest.raises(ValueError):
        national_partitions(-1)
    with pytest.raises(ValueError):
        national_partitions(10, municipalities=0)


@pytest.mark.timeout(240)
def test_dask_local_cluster_equals_single_process() -> None:
    parts = national_partitions(40_000, municipalities=25, seed=11)
    seen: list[tuple[int, int]] = []
    on_dask = screen_on_dask(
        parts, ON, workers=2, progress=lambda _d, done, total: seen.append((done, total))
    )
    single = screen_single_process(parts, ON)
    assert on_dask.benefits == single.benefits
    assert on_dask.engine == "dask-local:2-workers"
    assert [r.municipality for r in on_dask.results] == [r.municipality for r in single.results]
    assert seen[-1] == (25, 25)
    assert on_dask.column_bytes_max > 0 and on_dask.worker_peak_rss_max > 0


def test_batches_cover_every_partition_once_and_balance() -> None:
    from tenohira.rules.national import batches

    parts = national_partitions(1_000_000, municipalities=1_741, seed=5)
    groups = batches(parts, 16)
    assert len(groups) == 16
    flat = [p for g in groups for p in g]
    assert sorted(flat, key=lambda p: p.municipality) == sorted(parts, key=lambda p: p.municipality)
    loads = sorted(sum(p.residents for p in g) for g in groups)
    assert loads[-1] - loads[0] <= max(p.residents for p in parts)  # greedy bound: within one partition
    assert batches(parts[:3], 16) == [[p] for p in sorted(parts[:3], key=lambda p: -p.residents)]
