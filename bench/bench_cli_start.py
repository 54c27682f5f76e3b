"""How long the ``tenohira`` command takes to start, against a bare ``python -c "import typer"``.

Each command is run as its own process (what a user waits for), ``BENCH_CLI_REPEAT`` times
(default 5), interleaved with the baseline so that both see the same load; the median and
the best are reported, and the ratio of the medians to the baseline's. Measured: the
top-level ``tenohira --help`` and every module group's ``tenohira <group> --help``.

Environment: ``BENCH_CLI_REPEAT`` (default 5), ``BENCH_CLI_GROUPS`` (comma-separated groups,
default all of ``tenohira.cli.SUBCOMMANDS``).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.report import median, write

TENOHIRA = [sys.executable, "-c", "from tenohira.cli import main; main()"]
BASELINE = [sys.executable, "-c", "import typer"]


def _seconds(argv: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t


def _load() -> float:
    return os.getloadavg()[0]


def main() -> None:
    from tenohira.cli import SUBCOMMANDS

    repeat = int(os.environ.get("BENCH_CLI_REPEAT", "5"))
    groups = [g for g in os.environ.get("BENCH_CLI_GROUPS", ",".join(SUBCOMMANDS)).split(",") if g]
    commands: dict[str, list[str]] = {"--help": [*TENOHIRA, "--help"]}
    commands |= {f"{g} --help": [*TENOHIRA, g, "--help"] for g in groups}
    load_before = _load()
    baseline: list[float] = []
    times: dict[str, list[float]] = {name: [] for name in commands}
    _seconds(BASELINE)  # warm the file cache once for both sides
    _seconds(commands["--help"])
    for _ in range(repeat):
        for name, argv in commands.items():
            baseline.append(_seconds(BASELINE))
            times[name].append(_seconds(argv))
    base = median(baseline)
    results: dict[str, Any] = {
        "load_average_before": round(load_before, 2),
        "load_average_after": round(_load(), 2),
        "repeat": repeat,
        "baseline_import_typer_s": {"median": round(base, 3), "best": round(min(baseline), 3)},
        "commands": {
            f"tenohira {name}": {
                "median_s": round(median(t), 3),
                "best_s": round(min(t), 3),
                "ratio_to_baseline": round(median(t) / base, 1),
            }
            for name, t in times.items()
        },
    }
    results["worst_ratio"] = max(c["ratio_to_baseline"] for c in results["commands"].values())
    write("cli_start", results)


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    main()
