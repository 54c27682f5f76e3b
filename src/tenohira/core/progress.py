"""Progress of long work (seeding, screening, rotation), reported to whoever watches.

Services take a :data:`ProgressFn` and call it as work advances; the CLI renders a
progress bar from it, the API keeps a status record.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

ProgressFn = Callable[[str, int, int], None]
"""``progress(description, done, total)``."""


def no_progress(_description: str, _done: int, _total: int) -> None:
    """A progress sink that ignores everything."""


@contextmanager
def rich_progress() -> Iterator[ProgressFn]:
    """A progress bar on the terminal (stderr), one bar per description."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn

    bars: dict[str, TaskID] = {}
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as progress:

        def report(description: str, done: int, total: int) -> None:
            task = bars.get(description)
            if task is None:
                task = bars[description] = progress.add_task(description, total=total)
            progress.update(task, completed=done, total=total)

        yield report
