"""National screening: 10,000,000 synthetic residents in 1,741 municipality partitions, on Dask.

Measured in the same run (issue 22, "National scale for screening"):
- baseline: one pass over the whole population in this process (``synthetic_population`` +
  ``screen``, the existing single-process mode) — the floor on one core, but it needs the whole
  nation's columns in one process;
- the partitioned screening in this process, one municipality after another (same results as the
  Dask mode, the reference it is tested against);
- the partitioned screening on a ``dask.distributed`` LocalCluster with 1 and 2 single-threaded
  worker processes (start-up of the cluster included).
Each reports seconds, and the partitioned runs the memory a partition needs (its input columns)
and the workers' peak resident set. ``TENOHIRA_BENCH_RESIDENTS`` changes the population.
"""

from __future__ import annotations

import os
import resource
import time
from datetime import date

from bench.report import write
from tenohira.rules import screen, synthetic_population
from tenohira.rules.national import national_partitions, screen_on_dask, screen_single_process

ON = date(2026, 11, 26)
MIB = 2**20


def main() -> None:
    residents = int(os.environ.get("TENOHIRA_BENCH_RESIDENTS", "10000000"))
    parts = national_partitions(residents)
    load_before = os.getloadavg()

    t0 = time.perf_counter()
    whole = synthetic_population(residents, ON)
    one_pass = screen(whole, ON)
    one_pass_s = time.perf_counter() - t0
    del whole
    one_pass_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    single = screen_single_process(parts, ON)
    runs = {}
    for workers in (1, 2):
        report = screen_on_dask(parts, ON, workers=workers)
        assert report.benefits == single.benefits, "Dask and single-process results differ"
        runs[workers] = report

    def partitioned(r: object) -> dict[str, float]:
        return {
            "seconds": round(r.seconds, 2),  # type: ignore[attr-defined]
            "partition_columns_max_mib": round(r.column_bytes_max / MIB, 1),  # type: ignore[attr-defined]
            "partition_columns_median_mib": round(r.column_bytes_median / MIB, 3),  # type: ignore[attr-defined]
            "process_peak_rss_mib": round(r.worker_peak_rss_max / MIB),  # type: ignore[attr-defined]
        }

    write(
        "national",
        {
            "residents": residents,
            "municipalities": len(parts),
            "largest_partition_residents": max(p.residents for p in parts),
            "one_pass_single_process": {
                "seconds": round(one_pass_s, 2),
                "process_peak_rss_mib": round(one_pass_rss / MIB),
                "residents": one_pass.residents,
            },
            "partitioned_single_process": partitioned(single),
            "dask_local_1_worker": partitioned(runs[1]),
            "dask_local_2_workers": partitioned(runs[2]),
            "ratios": {
                "dask_2_workers_vs_partitioned_single_process": round(single.seconds / runs[2].seconds, 2),
                "dask_2_workers_vs_1_worker": round(runs[1].seconds / runs[2].seconds, 2),
                "dask_2_workers_vs_one_pass": round(one_pass_s / runs[2].seconds, 2),
            },
            "results_equal": True,
            "load_average_before_after": [round(load_before[0], 2), round(os.getloadavg()[0], 2)],
        },
    )


if __name__ == "__main__":
    main()
