"""Income as the allowances count it, and the rounding rules, in scalar and vectorised form.

The allowances test 所得 (income after the employment income deduction, 給与所得控除), less a flat
80,000 yen (社会保険料等相当額) — not the gross annual income people usually know. Households give
gross income; this derives the allowance income from it the same way in both modes.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

# A member whose gross income is at most this counts as a dependant (扶養親族) of the claimant.
DEPENDANT_INCOME_LIMIT = 1_030_000
FLAT_DEDUCTION = 80_000


def employment_income(gross: int) -> int:
    """給与所得 from gross salary with the 2020–2024 employment income deduction table.

    Not modelled (see docs/rules.md): the 4,000-yen rounding table below 6,600,000 and the higher
    minimum deduction for 2025 income.
    """
    if gross <= 1_625_000:
        return max(0, gross - 550_000)
    if gross <= 1_800_000:
        return gross * 6 // 10 + 100_000
    if gross <= 3_600_000:
        return gross * 7 // 10 - 80_000
    if gross <= 6_600_000:
        return gross * 8 // 10 - 440_000
    if gross <= 8_500_000:
        return gross * 9 // 10 - 1_100_000
    return gross - 1_950_000


def allowance_income(gross: int) -> int:
    """所得額 compared with the allowance income limits."""
    return max(0, employment_income(gross) - FLAT_DEDUCTION)


def allowance_income_v(gross: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Vectorised :func:`allowance_income`."""
    g = gross.astype(np.int64)
    emp = np.select(
        [g <= 1_625_000, g <= 1_800_000, g <= 3_600_000, g <= 6_600_000, g <= 8_500_000],
        [
            np.maximum(0, g - 550_000),
            g * 6 // 10 + 100_000,
            g * 7 // 10 - 80_000,
            g * 8 // 10 - 440_000,
            g * 9 // 10 - 1_100_000,
        ],
        g - 1_950_000,
    )
    result: npt.NDArray[np.int64] = np.maximum(0, emp - FLAT_DEDUCTION)
    return result


def round10(value: float) -> int:
    """Round half up to 10 yen (10円未満四捨五入)."""
    return int(np.floor(value / 10 + 0.5)) * 10


def round10_v(values: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Vectorised :func:`round10`."""
    return (np.floor(values / 10 + 0.5) * 10).astype(np.int64)


def maternity_daily(standard_monthly: int) -> int:
    """出産手当金 daily amount: standard monthly ÷ 30 to the nearest 10 yen, then × 2/3 to the nearest yen."""
    per_day = (standard_monthly + 150) // 300 * 10
    return (4 * per_day + 3) // 6


def maternity_daily_v(standard_monthly: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Vectorised :func:`maternity_daily`."""
    per_day = (standard_monthly + 150) // 300 * 10
    return (4 * per_day + 3) // 6


def percent(rate: float) -> int:
    """A rate such as 0.67 as whole percent, so amounts are computed in integers in both modes."""
    return round(rate * 100)
