import numpy as np
import pytest

from tenohira.opendata.disclosure import derivable_cells, protect


def test_small_cells_are_suppressed_and_large_published() -> None:
    t = protect(["a", "b"], ["x", "y", "z"], [[3, 40, 50], [20, 30, 60]], threshold=10)
    assert t.cells[0][0] is None
    assert t.primary == 1
    # every published inner value is 0 or at least the threshold
    for row in t.cells:
        for v in row:
            assert v is None or v == 0 or v >= 10


def test_a_single_suppressed_cell_cannot_be_recovered_from_totals() -> None:
    t = protect(["a", "b"], ["x", "y", "z"], [[3, 40, 50], [20, 30, 60]], threshold=10)
    assert t.secondary >= 1
    assert derivable_cells(t) == []
    # without secondary suppression the row total would give it away: 93 - 40 - 50 = 3
    assert t.row_totals[0] == 93


def test_zero_row_partner_protects_through_totals() -> None:
    # the only non-zero in the row is small: its row total would reveal it
    t = protect(["a", "b", "c"], ["x", "y"], [[4, 0], [30, 40], [50, 60]], threshold=10)
    assert t.cells[0][0] is None
    assert t.row_totals[0] is None
    assert derivable_cells(t) == []


@pytest.mark.parametrize("seed", range(200))
def test_random_tables_leak_no_suppressed_cell(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, m = rng.integers(1, 7), rng.integers(1, 7)
    counts = rng.choice([0, 1, 2, 5, 9, 10, 15, 40, 120], size=(n, m))
    t = protect([f"r{i}" for i in range(n)], [f"c{j}" for j in range(m)], counts, threshold=10)
    for i in range(n):
        for j in range(m):
            v = t.cells[i][j]
            assert v is None or v == 0 or v >= 10, "primary suppression"
            if v is not None:
                assert v == counts[i][j]
    assert derivable_cells(t) == [], "secondary suppression"


def test_threshold_is_configurable() -> None:
    t = protect(["a"], ["x", "y"], [[12, 30]], threshold=20)
    assert t.cells[0][0] is None
    assert t.cells[0][1] is None  # partner in the row
    assert derivable_cells(t) == []


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError):
        protect(["a"], ["x"], [[1, 2]])
    with pytest.raises(ValueError):
        protect(["a"], ["x"], [[-1]])
