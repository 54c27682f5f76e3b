"""Commands of rules: ``tenohira rules explain`` and ``tenohira rules screen``."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

# for annotations only: the modules load in the commands that use them
if TYPE_CHECKING:
    from tenohira.core.progress import ProgressFn
    from tenohira.rules.population import ScreenReport
    from tenohira.rules.schemas import Explanation

    RegistryScreening = Callable[[str, date, ProgressFn], Coroutine[Any, Any, ScreenReport]]


app = typer.Typer(
    help="Rules as code: decide benefits with reasons, screen a population.",
    no_args_is_help=True,
)

# Screening a seeded registry (--municipality) needs the registry's own code, which lives with the
# municipality: the rules import no agency (households in, decisions out), so the composition
# root fills this hook with a loader when it loads this group (tenohira.platform.HOOKS).
registry_screening: Callable[[], object] | None = None


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value}") from None


def _amount(b: dict[str, Any]) -> str:
    value = b.get("monthly_amount", b.get("amount"))
    if value is None:
        return "—" if b["kind"] == "in_kind" else "0"
    return f"{value:,}円" + ("/月" if b["kind"] == "monthly" else "")


def print_explanation(e: Explanation, console: Console) -> None:
    """A readable table of the decisions and, under it, the reasons per member."""
    data = e.as_json()
    table = Table(title=f"{e.date.isoformat()} 市町村 {e.municipality}", show_lines=False, expand=True)
    table.add_column("benefit", no_wrap=True)
    table.add_column("制度", max_width=16)
    table.add_column("eligible", no_wrap=True)
    table.add_column("amount", justify="right", no_wrap=True)
    table.add_column("summary", ratio=1, overflow="fold")
    for b in data["benefits"]:
        table.add_row(b["id"], b["name_ja"], "yes" if b["eligible"] else "no", _amount(b), b["summary"])
    console.print(table)
    for b in data["benefits"]:
        if not b["per_member"]:
            continue
        console.print(
            f"[bold]{b['name_ja']} / {b['name_en']}[/bold]  (parameters from {b['effective_from']})"
        )
        for m in b["per_member"]:
            # Japanese has no spaces to break at: let the terminal wrap rather than rich.
            console.print(f"  {m['member']}: {m['reason']}", soft_wrap=True)
            console.print(f"  {' ' * len(m['member'])}  {m['reason_en']}", style="dim", soft_wrap=True)
        console.print("  根拠 / basis: " + "; ".join(lb["ja"] for lb in b["legal_basis"]), style="dim")


@app.command("explain")
def explain_command(
    household: Annotated[Path, typer.Option("--household", help="household JSON file", exists=True)],
    on: Annotated[str, typer.Option("--date", help="date of the decision, YYYY-MM-DD")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Decide every benefit for one household on a date, with reasons and legal basis."""
    from tenohira.core.clock import today_jst
    from tenohira.rules.household import Household
    from tenohira.rules.service import explain

    day = _date(on) if on else today_jst()
    try:
        doc = Household.model_validate_json(household.read_text(encoding="utf-8"))
    except ValidationError as exc:
        typer.echo(f"invalid household file: {exc}", err=True)
        raise typer.Exit(2) from None
    explanation = explain(doc, day)
    if as_json:
        typer.echo(json.dumps(explanation.as_json(), ensure_ascii=False, indent=2))
    else:
        print_explanation(explanation, Console())


def print_screen(report: ScreenReport, console: Console) -> None:
    """A readable table of a screening report."""
    table = Table(title=f"{report.source}: {report.residents:,} residents, {report.households:,} households")
    for col in ("benefit", "eligible households", "total"):
        table.add_column(col, justify="right" if col != "benefit" else "left")
    for b, r in report.benefits.items():
        if r["total"] is None:
            total = f"{r.get('members_covered', 0):,} covered"
        else:
            total = f"{r['total']:,}円" + ("/月" if r["kind"] == "monthly" else "")
        table.add_row(b, f"{r['eligible_households']:,}", total)
    console.print(table)
    console.print(
        f"building inputs {report.seconds_building:.3f} s, computing {report.seconds_computing:.3f} s"
    )


def print_impact(impact: dict[str, Any], console: Console) -> None:
    """A table of what changes between two dates."""
    table = Table(title=f"{impact['before']} → {impact['after']}")
    for col in ("benefit", "eligible before", "after", "new", "lost", "total before", "total after"):
        table.add_column(col, justify="left" if col == "benefit" else "right")
    for b, r in impact["benefits"].items():
        table.add_row(
            b,
            f"{r['eligible_before']:,}",
            f"{r['eligible_after']:,}",
            f"{r['newly_eligible']:,}",
            f"{r['no_longer_eligible']:,}",
            f"{r['total_before']:,}",
            f"{r['total_after']:,}",
        )
    console.print(table)


@contextmanager
def _progress(quiet: bool) -> Iterator[ProgressFn]:
    # JSON goes to stdout for other programs: no progress bar mixed into it.
    from tenohira.core.progress import no_progress, rich_progress

    if quiet:
        yield no_progress
    else:
        with rich_progress() as progress:
            yield progress


@app.command("screen")
def screen_command(
    on: Annotated[str, typer.Option("--date", help="date of the screening, YYYY-MM-DD")] = "",
    synthetic: Annotated[
        int | None, typer.Option("--synthetic", help="build N synthetic residents (deterministic)")
    ] = None,
    municipality: Annotated[
        str | None, typer.Option("--municipality", help="screen the seeded registry of this municipality")
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the synthetic population")] = 20261126,
    compare_with: Annotated[
        str | None,
        typer.Option("--compare-with", help="also report what changes between this date and --date"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Screen a whole population at once: eligible households and totals per benefit."""
    from tenohira.core.clock import today_jst
    from tenohira.rules.population import compare, screen, synthetic_population

    day = _date(on) if on else today_jst()
    if (synthetic is None) == (municipality is None):
        raise typer.BadParameter("give exactly one of --synthetic N or --municipality CODE")
    if synthetic is not None:
        t0 = time.perf_counter()
        pop = synthetic_population(synthetic, day, seed=seed)
        building = time.perf_counter() - t0
        with _progress(as_json) as progress:
            report = screen(
                pop, day, source=f"synthetic:{synthetic}", seconds_building=building, progress=progress
            )
        if compare_with:
            impact = compare(pop, _date(compare_with), day)
            if as_json:
                typer.echo(json.dumps({**report.as_json(), "impact": impact}, ensure_ascii=False, indent=2))
            else:
                print_screen(report, Console())
                print_impact(impact, Console())
            return
    else:
        if registry_screening is None:
            typer.echo(
                "--municipality needs the platform's registry (run it as `tenohira rules screen`)", err=True
            )
            raise typer.Exit(2)
        run = cast("RegistryScreening", registry_screening())
        with _progress(as_json) as progress:
            report = asyncio.run(run(cast(str, municipality), day, progress))
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print_screen(report, Console())


@app.command("screen-national")
def screen_national_command(
    residents: Annotated[
        int, typer.Option("--residents", help="synthetic residents in the nation")
    ] = 10_000_000,
    municipalities: Annotated[
        int, typer.Option("--municipalities", help="partitions, one per municipality")
    ] = 1_741,
    dask: Annotated[
        str | None,
        typer.Option(
            "--dask",
            help="'local' for a Dask LocalCluster on this machine, or a scheduler address (tcp://host:8786); "
            "without it, every partition runs in this process",
        ),
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="worker processes of a local cluster")
    ] = None,
    on: Annotated[str, typer.Option("--date", help="date of the screening, YYYY-MM-DD")] = "",
    seed: Annotated[int, typer.Option(help="seed of the synthetic nation")] = 20261126,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Screen a synthetic nation partitioned by municipality, in one process or on Dask."""
    from tenohira.core.clock import today_jst
    from tenohira.rules.national import national_partitions, screen_on_dask, screen_single_process

    day = _date(on) if on else today_jst()
    try:
        partitions = national_partitions(residents, municipalities=municipalities, seed=seed)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None
    with _progress(as_json) as progress:
        if dask is None:
            report = screen_single_process(partitions, day, progress=progress)
        else:
            try:
                report = screen_on_dask(partitions, day, scheduler=dask, workers=workers, progress=progress)
            except (RuntimeError, OSError) as exc:  # no Dask installed, or no scheduler at that address
                typer.echo(f"cannot screen on Dask: {exc}", err=True)
                raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
        return
    console = Console()
    table = Table(
        title=f"{report.engine}: {report.residents:,} residents, {report.households:,} households, "
        f"{report.partitions:,} municipalities"
    )
    for col in ("benefit", "eligible households", "total"):
        table.add_column(col, justify="right" if col != "benefit" else "left")
    for b, r in report.benefits.items():
        total = (
            f"{r.get('members_covered', 0):,} covered"
            if r["total"] is None
            else f"{r['total']:,}円" + ("/月" if r["kind"] == "monthly" else "")
        )
        table.add_row(b, f"{r['eligible_households']:,}", total)
    console.print(table)
    console.print(
        f"{report.seconds:.2f} s; largest partition's columns {report.column_bytes_max / 2**20:.1f} MiB, "
        f"median {report.column_bytes_median / 2**20:.2f} MiB; worker peak RSS "
        f"{report.worker_peak_rss_max / 2**20:.0f} MiB"
    )
