"""Health insurer: insured persons, dependants, childbirth lump sum (出産育児一時金).

Reachable only through the hub (services ``insurer.insurance-type``, ``insurer.add-dependant``,
``insurer.lump-sum``). Runs an employees' health insurance society and the city's NHI.
Nothing here is imported by other agencies.
"""

from tenohira.agencies.insurer.service import LUMP_SUM_RATES, lump_sum_per_baby

__all__ = ["LUMP_SUM_RATES", "lump_sum_per_baby"]
