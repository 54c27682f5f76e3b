"""Statistical disclosure control for published tables.

A table of counts is published with its row totals, column totals and grand total.

* **Primary suppression**: every cell with ``0 < count < threshold`` is hidden
  (zeros are published: a zero reveals nobody).
* **Secondary (complementary) suppression**: a hidden cell must not be recoverable
  from the totals. A line (row or column of the table *including* its margins) with
  exactly one hidden cell would give it away by subtraction, so each such line gets
  a second hidden cell — the smallest non-zero visible one, which costs the least
  information. Margins take part as cells of the augmented table (a hidden row total
  is protected against the grand total the same way).
* That rule of thumb is not enough on its own (several lines together can still pin a
  cell down), so the result is then checked exactly: a hidden value is derivable iff
  its unit vector lies in the row space of the published equations. While any is,
  one more cell next to it is hidden, until none is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

DEFAULT_THRESHOLD = 10


@dataclass(frozen=True)
class ProtectedTable:
    """A table of counts after disclosure control. ``None`` marks a suppressed value."""

    rows: list[str]
    columns: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    grand_total: int | None
    threshold: int
    primary: int
    secondary: int

    def as_records(self, row_label: str, column_label: str) -> list[dict[str, object]]:
        """Long format: one record per cell, with a ``suppressed`` flag."""
        out: list[dict[str, object]] = []
        for i, r in enumerate(self.rows):
            for j, c in enumerate(self.columns):
                v = self.cells[i][j]
                out.append({row_label: r, column_label: c, "count": v, "suppressed": v is None})
        return out


def protect(
    rows: Sequence[str],
    columns: Sequence[str],
    counts: Sequence[Sequence[int]] | npt.NDArray[np.int64],
    threshold: int = DEFAULT_THRESHOLD,
) -> ProtectedTable:
    """Apply primary and secondary suppression to a rows × columns table of counts."""
    table = np.asarray(counts, dtype=np.int64).reshape(len(rows), len(columns))
    if table.shape != (len(rows), len(columns)):
        raise ValueError(f"counts shape {table.shape} != ({len(rows)}, {len(columns)})")
    if (table < 0).any():
        raise ValueError("counts must be non-negative")
    n, m = table.shape
    # The augmented table: cells, then the row-total column, then the column-total row.
    full = np.zeros((n + 1, m + 1), dtype=np.int64)
    full[:n, :m] = table
    full[:n, m] = table.sum(axis=1)
    full[n, :m] = table.sum(axis=0)
    full[n, m] = table.sum()
    hidden = (full > 0) & (full < threshold)
    primary = int(hidden[:n, :m].sum())

    def fix_line(values: npt.NDArray[np.int64], mask: npt.NDArray[np.bool_]) -> bool:
        # A line with one hidden cell leaks it; hide the smallest non-zero visible one too.
        if mask.sum() != 1:
            return False
        candidates = [(int(values[k]), k) for k in range(len(values)) if not mask[k] and values[k] > 0]
        if not candidates:
            return False  # every other value is a published zero: the line total equals the hidden cell
        mask[min(candidates)[1]] = True
        return True

    changed = True
    while changed:
        changed = False
        for i in range(n + 1):
            row_mask = hidden[i, :]
            if fix_line(full[i, :], row_mask):
                hidden[i, :] = row_mask
                changed = True
        for j in range(m + 1):
            col_mask = hidden[:, j]
            if fix_line(full[:, j], col_mask):
                hidden[:, j] = col_mask
                changed = True
        # A lone hidden cell in a line whose other cells are all zero cannot be protected by a
        # partner; hide the line's total too (and let the loop protect that total in turn).
        for i in range(n):
            if hidden[i, :m].sum() == 1 and not hidden[i, m] and (full[i, :m][~hidden[i, :m]] == 0).all():
                hidden[i, m] = True
                changed = True
        for j in range(m):
            if hidden[:n, j].sum() == 1 and not hidden[n, j] and (full[:n, j][~hidden[:n, j]] == 0).all():
                hidden[n, j] = True
                changed = True

    # Exact check: hide more until no hidden value follows from the published ones.
    while True:
        leaks = _derivable(full, hidden)
        if not leaks:
            break
        i, j = leaks[0]
        line = [(int(full[i, k]), i, k) for k in range(m + 1) if not hidden[i, k] and full[i, k] > 0]
        line += [(int(full[k, j]), k, j) for k in range(n + 1) if not hidden[k, j] and full[k, j] > 0]
        if not line:  # nothing left to hide beside it: hide everything in its lines
            hidden[i, :] = True
            hidden[:, j] = True
            continue
        _, a, b = min(line)
        hidden[a, b] = True

    def val(i: int, j: int) -> int | None:
        return None if hidden[i, j] else int(full[i, j])

    total_hidden = int(hidden[:n, :m].sum())
    return ProtectedTable(
        rows=list(rows),
        columns=list(columns),
        cells=[[val(i, j) for j in range(m)] for i in range(n)],
        row_totals=[val(i, m) for i in range(n)],
        column_totals=[val(n, j) for j in range(m)],
        grand_total=val(n, m),
        threshold=threshold,
        primary=primary,
        secondary=total_hidden - primary,
    )


def _derivable(full: npt.NDArray[np.int64], hidden: npt.NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Positions of the augmented table whose hidden value follows from the visible ones."""
    n1, m1 = full.shape
    unknowns = [(i, j) for i in range(n1) for j in range(m1) if hidden[i, j] and full[i, j] > 0]
    zeros_hidden = [(i, j) for i in range(n1) for j in range(m1) if hidden[i, j] and full[i, j] == 0]
    allu = unknowns + zeros_hidden
    if not allu:
        return []
    index = {u: k for k, u in enumerate(allu)}
    eqs = []
    for i in range(n1):
        eq = np.zeros(len(allu))
        for j in range(m1):
            if (i, j) in index:
                eq[index[(i, j)]] += -1.0 if j == m1 - 1 else 1.0
        eqs.append(eq)
    for j in range(m1):
        eq = np.zeros(len(allu))
        for i in range(n1):
            if (i, j) in index:
                eq[index[(i, j)]] += -1.0 if i == n1 - 1 else 1.0
        eqs.append(eq)
    a = np.array(eqs)
    rank = np.linalg.matrix_rank(a)
    out = []
    for u in unknowns:
        e = np.zeros(len(allu))
        e[index[u]] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            out.append(u)
    return out


def derivable_cells(table: ProtectedTable) -> list[tuple[int, int]]:
    """Hidden inner cells whose exact value follows from the published values.

    Unknowns are the hidden values of the augmented table; equations are the row sums,
    column sums and the grand total. A hidden cell is derivable iff its unit vector lies
    in the row space of the equations restricted to the unknowns.
    """
    n, m = len(table.rows), len(table.columns)
    grid: list[list[int | None]] = [[*table.cells[i], table.row_totals[i]] for i in range(n)]
    grid.append([*table.column_totals, table.grand_total])
    unknowns = [(i, j) for i in range(n + 1) for j in range(m + 1) if grid[i][j] is None]
    if not unknowns:
        return []
    index = {u: k for k, u in enumerate(unknowns)}
    equations: list[list[float]] = []
    for i in range(n + 1):  # each row: sum of its cells equals its total (last column)
        eq = [0.0] * len(unknowns)
        for j in range(m + 1):
            if (i, j) in index:
                eq[index[(i, j)]] += -1.0 if j == m else 1.0
        equations.append(eq)
    for j in range(m + 1):  # each column: sum of its cells equals its total (last row)
        eq = [0.0] * len(unknowns)
        for i in range(n + 1):
            if (i, j) in index:
                eq[index[(i, j)]] += -1.0 if i == n else 1.0
        equations.append(eq)
    a = np.array(equations)
    rank = np.linalg.matrix_rank(a)
    derivable = []
    for (i, j), k in index.items():
        if i == n or j == m:
            continue
        e = np.zeros(len(unknowns))
        e[k] = 1.0
        if np.linalg.matrix_rank(np.vstack([a, e])) == rank:
            derivable.append((i, j))
    return derivable
