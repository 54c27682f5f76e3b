"""Population mode: every benefit for every household of a municipality at once, over numpy arrays.

The input is columnar (:class:`Population`: one array per attribute, persons grouped by household),
so any registry can feed it without the rules knowing where the data lives. Each benefit is a
handful of whole-array operations — grouping by household with ``bincount``/``reduceat`` and
ranking children with one ``lexsort`` — not a loop over households. The single-household mode in
``service.py`` is the reference: tests check both give the same eligibility and amounts.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from tenohira.core.progress import ProgressFn, no_progress
from tenohira.rules.dates import (
    date_key,
    fiscal_year,
    from_days,
    school_cohort_v,
    split_dates,
    through_birthday_month_v,
    to_days,
    under_age_at_month_start_v,
)
from tenohira.rules.household import Household, Member
from tenohira.rules.income import (
    DEPENDANT_INCOME_LIMIT,
    allowance_income_v,
    maternity_daily_v,
    percent,
    round10_v,
)
from tenohira.rules.params import BENEFIT_IDS, BenefitParameters, load_parameters

I64 = npt.NDArray[np.int64]
B = npt.NDArray[np.bool_]

ROLE_PARENT, ROLE_CHILD, ROLE_OTHER = 0, 1, 2
INSURANCE_NONE, INSURANCE_EMPLOYEE, INSURANCE_NHI = 0, 1, 2
NO_DATE = -(2**40)  # "no date" in day-number columns (far before any real date)

_ROLES = {"parent": ROLE_PARENT, "child": ROLE_CHILD, "other": ROLE_OTHER}
_ROLE_NAMES = {v: k for k, v in _ROLES.items()}
_INSURANCE = {"none": INSURANCE_NONE, "employee": INSURANCE_EMPLOYEE, "nhi": INSURANCE_NHI}
_INSURANCE_NAMES = {v: k for k, v in _INSURANCE.items()}


@dataclass
class Population:
    """Residents as columns. Person arrays have one entry per person, grouped by ``household``
    (0..H-1, non-decreasing, every household non-empty); ``hh_*`` arrays have one entry per household.

    Day columns are days since 1970-01-01; ``NO_DATE`` means none. ``insured_person`` is -1 for
    "derive from income", ``standard_monthly`` -1 for "annual income / 12", ``birth_weight_g`` 0 for unknown.
    """

    household: I64
    role: npt.NDArray[np.int8]
    birth: I64
    female: B
    insurance: npt.NDArray[np.int8]
    employment_insured: B
    income: I64
    supported: B
    birth_weight_g: I64
    weak_vitality: B
    disabled: B
    due: I64
    expected_babies: I64
    obstetric: B
    insured_person: npt.NDArray[np.int8]
    standard_monthly: I64
    leave_days: I64
    pregnancy_ended: I64
    birth_leave_days: I64
    reduced_wage: I64
    hh_municipality: I64
    hh_single_parent: B
    municipalities: list[str]
    member_ids: list[str] | None = None

    @property
    def persons(self) -> int:
        return int(self.household.shape[0])

    @property
    def households(self) -> int:
        return int(self.hh_single_parent.shape[0])

    def validate(self) -> None:
        """Check shapes and the grouping the vectorised code relies on."""
        p, h = self.persons, self.households
        for name in (
            "role birth female insurance employment_insured income supported birth_weight_g weak_vitality "
            "disabled due expected_babies obstetric insured_person standard_monthly leave_days "
            "pregnancy_ended birth_leave_days reduced_wage"
        ).split():
            if getattr(self, name).shape != (p,):
                raise ValueError(f"column {name} must have one entry per person")
        if self.hh_municipality.shape != (h,):
            raise ValueError("hh_municipality must have one entry per household")
        if p == 0:
            return
        if np.any(np.diff(self.household) < 0) or self.household[0] != 0 or self.household[-1] != h - 1:
            raise ValueError("persons must be grouped by household 0..H-1 in order")
        if np.any(np.diff(self.household) > 1):
            raise ValueError("every household must have at least one person")

    @classmethod
    def from_columns(
        cls,
        *,
        household: npt.ArrayLike,
        role: npt.ArrayLike,
        birth: npt.ArrayLike,
        municipalities: list[str],
        hh_municipality: npt.ArrayLike | None = None,
        hh_single_parent: npt.ArrayLike | None = None,
        member_ids: list[str] | None = None,
        **columns: npt.ArrayLike,
    ) -> Population:
        """Columns from any registry: the three required person columns, anything else defaulted.

        Optional person columns (as named on this class): female, insurance, employment_insured,
        income, supported, birth_weight_g, weak_vitality, disabled, due, expected_babies, obstetric,
        insured_person, standard_monthly, leave_days, pregnancy_ended, birth_leave_days, reduced_wage
        (0 for none).
        """
        hh = np.asarray(household, dtype=np.int64)
        n = int(hh.shape[0])
        h = int(hh[-1]) + 1 if n else 0
        defaults: dict[str, tuple[Any, Any]] = {
            "female": (False, np.bool_),
            "insurance": (INSURANCE_NHI, np.int8),
            "employment_insured": (False, np.bool_),
            "income": (0, np.int64),
            "supported": (True, np.bool_),
            "birth_weight_g": (0, np.int64),
            "weak_vitality": (False, np.bool_),
            "disabled": (False, np.bool_),
            "due": (NO_DATE, np.int64),
            "expected_babies": (1, np.int64),
            "obstetric": (True, np.bool_),
            "insured_person": (-1, np.int8),
            "standard_monthly": (-1, np.int64),
            "leave_days": (0, np.int64),
            "pregnancy_ended": (NO_DATE, np.int64),
            "birth_leave_days": (0, np.int64),
            "reduced_wage": (0, np.int64),
        }
        unknown = set(columns) - set(defaults)
        if unknown:
            raise TypeError(f"unknown columns: {', '.join(sorted(unknown))}")
        values = {
            name: np.asarray(columns[name], dtype=dtype) if name in columns else np.full(n, fill, dtype=dtype)
            for name, (fill, dtype) in defaults.items()
        }
        pop = cls(
            household=hh,
            role=np.asarray(role, dtype=np.int8),
            birth=np.asarray(birth, dtype=np.int64),
            hh_municipality=np.zeros(h, np.int64)
            if hh_municipality is None
            else np.asarray(hh_municipality, dtype=np.int64),
            hh_single_parent=np.zeros(h, np.bool_)
            if hh_single_parent is None
            else np.asarray(hh_single_parent, dtype=np.bool_),
            municipalities=municipalities,
            member_ids=member_ids,
            **values,
        )
        pop.validate()
        return pop

    @classmethod
    def from_households(cls, households: Sequence[Household]) -> Population:
        """Columns from household documents (keeps member order; used by tests and small batches)."""
        municipalities = sorted({h.municipality for h in households})
        code_index = {c: i for i, c in enumerate(municipalities)}
        rows: list[tuple[int, Member]] = [(i, m) for i, h in enumerate(households) for m in h.members]

        def col(fn: Any, dtype: Any) -> Any:
            return np.array([fn(i, m) for i, m in rows], dtype=dtype)

        return cls(
            household=col(lambda i, m: i, np.int64),
            role=col(lambda i, m: _ROLES[m.role], np.int8),
            birth=col(lambda i, m: to_days(m.birth_date), np.int64),
            female=col(lambda i, m: m.sex == "female", np.bool_),
            insurance=col(lambda i, m: _INSURANCE[m.insurance], np.int8),
            employment_insured=col(lambda i, m: m.employment_insured, np.bool_),
            income=col(lambda i, m: m.annual_income, np.int64),
            supported=col(lambda i, m: m.supported, np.bool_),
            birth_weight_g=col(lambda i, m: m.birth_weight_g or 0, np.int64),
            weak_vitality=col(lambda i, m: m.weak_vitality, np.bool_),
            disabled=col(lambda i, m: m.disabled, np.bool_),
            due=col(
                lambda i, m: to_days(m.expecting_due_date) if m.expecting_due_date else NO_DATE, np.int64
            ),
            expected_babies=col(lambda i, m: m.expected_babies, np.int64),
            obstetric=col(lambda i, m: m.obstetric_compensation_scheme, np.bool_),
            insured_person=col(
                lambda i, m: -1 if m.insured_person is None else int(m.insured_person), np.int8
            ),
            standard_monthly=col(
                lambda i, m: (
                    -1 if m.standard_monthly_remuneration is None else m.standard_monthly_remuneration
                ),
                np.int64,
            ),
            leave_days=col(lambda i, m: m.childcare_leave_days, np.int64),
            pregnancy_ended=col(
                lambda i, m: to_days(m.pregnancy_ended_on) if m.pregnancy_ended_on else NO_DATE, np.int64
            ),
            birth_leave_days=col(lambda i, m: m.birth_leave_days, np.int64),
            reduced_wage=col(lambda i, m: m.reduced_hours_monthly_wage or 0, np.int64),
            hh_municipality=np.array([code_index[h.municipality] for h in households], dtype=np.int64),
            hh_single_parent=np.array([h.single_parent for h in households], dtype=np.bool_),
            municipalities=municipalities,
            member_ids=[m.id for _, m in rows],
        )

    def household_document(self, index: int) -> Household:
        """One household back as a document (for explanations of a screened household)."""
        lo = int(np.searchsorted(self.household, index, side="left"))
        hi = int(np.searchsorted(self.household, index, side="right"))
        members = []
        for r in range(lo, hi):
            members.append(
                Member(
                    id=self.member_ids[r] if self.member_ids else f"m{r - lo + 1}",
                    role=_ROLE_NAMES[int(self.role[r])],  # type: ignore[arg-type]
                    birth_date=from_days(int(self.birth[r])),
                    sex="female" if self.female[r] else "male",
                    insurance=_INSURANCE_NAMES[int(self.insurance[r])],  # type: ignore[arg-type]
                    employment_insured=bool(self.employment_insured[r]),
                    annual_income=int(self.income[r]),
                    supported=bool(self.supported[r]),
                    birth_weight_g=int(self.birth_weight_g[r]) or None,
                    weak_vitality=bool(self.weak_vitality[r]),
                    disabled=bool(self.disabled[r]),
                    expecting_due_date=None if self.due[r] == NO_DATE else from_days(int(self.due[r])),
                    expected_babies=int(self.expected_babies[r]),
                    obstetric_compensation_scheme=bool(self.obstetric[r]),
                    insured_person=None if self.insured_person[r] < 0 else bool(self.insured_person[r]),
                    standard_monthly_remuneration=None
                    if self.standard_monthly[r] < 0
                    else int(self.standard_monthly[r]),
                    childcare_leave_days=int(self.leave_days[r]),
                    pregnancy_ended_on=None
                    if self.pregnancy_ended[r] == NO_DATE
                    else from_days(int(self.pregnancy_ended[r])),
                    birth_leave_days=int(self.birth_leave_days[r]),
                    reduced_hours_monthly_wage=int(self.reduced_wage[r]) or None,
                )
            )
        return Household(
            municipality=self.municipalities[int(self.hh_municipality[index])],
            single_parent=bool(self.hh_single_parent[index]),
            members=members,
        )


@dataclass
class HouseholdResults:
    """Per household: eligible, and the amount (monthly, lump sum, or — in kind — members covered)."""

    eligible: dict[str, B] = field(default_factory=dict)
    amount: dict[str, I64] = field(default_factory=dict)
    extra: dict[str, I64] = field(default_factory=dict)


class _Frame:
    """Derived columns shared by the rules, computed once per evaluation."""

    def __init__(self, pop: Population, on: date) -> None:
        pop.validate()
        self.pop = pop
        self.on = on
        self.d = to_days(on)
        self.h = pop.households
        hh = pop.household
        self.starts = np.flatnonzero(np.r_[True, hh[1:] != hh[:-1]]) if pop.persons else np.zeros(0, np.int64)
        self.year, self.month, self.day = split_dates(pop.birth)
        self.grade = fiscal_year(on) - school_cohort_v(self.year, self.month, self.day)
        self.born = pop.birth <= self.d
        self.is_child = (pop.role == ROLE_CHILD) & self.born
        nonchild = (pop.role != ROLE_CHILD) & self.born
        self.has_claimant = self.count(nonchild) > 0
        self.claimant_gross = self.max(pop.income, nonchild, -1)
        self.claimant_income = allowance_income_v(np.maximum(self.claimant_gross, 0))
        low = self.born & (pop.income <= DEPENDANT_INCOME_LIMIT) & ((pop.role != ROLE_CHILD) | pop.supported)
        claimant_low = self.has_claimant & (self.claimant_gross <= DEPENDANT_INCOME_LIMIT)
        self.dependants = self.count(low) - claimant_low.astype(np.int64)
        female_parent = np.flatnonzero((pop.role == ROLE_PARENT) & pop.female)
        first = (
            female_parent[np.r_[True, hh[female_parent][1:] != hh[female_parent][:-1]]]
            if len(female_parent)
            else female_parent
        )
        self.mother = np.full(self.h, -1, dtype=np.int64)
        self.mother[hh[first]] = first
        self.has_mother = self.mother >= 0
        self._infant: B | None = None
        self.cache: dict[str, Any] = {}
        self.next_key = int(date_key(*_next_day(on)))

    def count(self, mask: B) -> I64:
        return np.bincount(self.pop.household[mask], minlength=self.h).astype(np.int64)

    def sum(self, values: I64, mask: B) -> I64:
        hh = self.pop.household[mask]
        return np.bincount(hh, weights=values[mask], minlength=self.h).round().astype(np.int64)

    def max(self, values: I64, mask: B, fill: int) -> I64:
        if self.pop.persons == 0:
            return np.zeros(0, np.int64)
        result: I64 = np.maximum.reduceat(np.where(mask, values, fill), self.starts)
        return result

    def mother_col(self, column: I64, default: int = 0) -> I64:
        safe = np.maximum(self.mother, 0)
        result: I64 = np.where(self.has_mother, column[safe] if len(column) else default, default)
        return result

    def recent(self, window_days: int) -> B:
        result: B = self.is_child & (self.d <= self.pop.birth + window_days)
        return result

    @property
    def infant(self) -> B:
        if self._infant is None:
            # Before the first birthday: compare YYYYMMDD keys. A 29 February birth needs no special
            # case: in a common year no date lies between 28 February and the (missing) 29th.
            on_key = self.on.year * 10_000 + self.on.month * 100 + self.on.day
            self._infant = self.is_child & (on_key < date_key(self.year + 1, self.month, self.day))
        infant: B = self._infant
        return infant


def _next_day(on: date) -> tuple[int, int, int]:
    nxt = from_days(to_days(on) + 1)
    return nxt.year, nxt.month, nxt.day


def _version_index(p: BenefitParameters, days: I64) -> I64:
    result: I64 = np.searchsorted(p.starts(), days, side="right") - 1
    return result


def _child_allowance(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    rows = _child_allowance_rows(f, p)
    if rows is None:
        zero = np.zeros(f.h, np.int64)
        return zero.astype(np.bool_), zero
    paid, amount = rows
    monthly = f.sum(np.where(paid, amount, 0), paid)
    eligible = f.has_claimant & (monthly > 0)
    return eligible, np.where(eligible, monthly, 0)


def _child_allowance_rows(f: _Frame, p: BenefitParameters) -> tuple[B, I64] | None:
    """Per person: paid by the child allowance, and the monthly amount (computed once per frame)."""
    if "child_allowance" in f.cache:
        cached: tuple[B, I64] = f.cache["child_allowance"]
        return cached
    v = p.at(f.on)
    if v is None:
        return None
    pop = f.pop
    counted = f.is_child & pop.supported & (f.grade < int(v["counted_until_school_year_of_age"]))
    paid = counted & (f.grade < int(v["paid_until_school_year_of_age"]))
    idx = np.flatnonzero(counted)
    hh_c, birth_c = pop.household[idx], pop.birth[idx]
    # Rank by (household, birth date, member order); skip the sort when the data are already in that order.
    if len(idx) > 1 and not np.all((np.diff(hh_c) > 0) | ((np.diff(hh_c) == 0) & (np.diff(birth_c) >= 0))):
        order = np.lexsort((idx, birth_c, hh_c))
        idx, hh_c = idx[order], hh_c[order]
    group_start = np.flatnonzero(np.r_[True, hh_c[1:] != hh_c[:-1]]) if len(idx) else np.zeros(0, np.int64)
    sizes = np.diff(np.r_[group_start, len(idx)])
    rank = np.zeros(pop.persons, np.int64)
    rank[idx] = np.arange(len(idx)) - np.repeat(group_start, sizes) + 1
    third = rank >= 3
    under3 = through_birthday_month_v(f.year, f.month, 3, f.on)
    amount = np.where(
        under3,
        np.where(third, int(v["under3_third_plus"]), int(v["under3_amount"])),
        np.where(
            f.grade < int(v["primary_end_age"]),
            np.where(third, int(v["primary_third_plus"]), int(v["primary_first_second"])),
            int(v["junior_high"]),
        ),
    )
    if v["income_limit"]:
        per = int(v["limit_per_dependant"])
        special = f.claimant_income >= int(v["income_limit_base"]) + per * f.dependants
        nothing = np.zeros(f.h, np.bool_)
        if v["upper_limit_base"] is not None:
            nothing = f.claimant_income >= int(v["upper_limit_base"]) + per * f.dependants
        hh = pop.household
        amount = np.where(special[hh], int(v["special_payment"]), amount)
        amount = np.where(nothing[hh], 0, amount)
    rows = (paid, np.where(paid, amount, 0).astype(np.int64))
    f.cache["child_allowance"] = rows
    return rows


def _childbirth_lump_sum(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    pop = f.pop
    recent = f.recent(int(p.setting("claim_window_days")))
    vi = _version_index(p, pop.birth)
    in_scheme, outside = p.column("in_scheme"), p.column("outside_scheme")
    safe = np.maximum(vi, 0)
    per_child = np.where(vi >= 0, np.where(pop.obstetric, in_scheme[safe], outside[safe]), 0).astype(np.int64)
    total = f.sum(per_child, recent)
    due = f.mother_col(pop.due, NO_DATE)
    due_vi = _version_index(p, due)
    expecting = (due != NO_DATE) & (due_vi >= 0)
    babies = f.mother_col(pop.expected_babies, 1)
    total += np.where(expecting, in_scheme[np.maximum(due_vi, 0)].astype(np.int64) * babies, 0)
    # The mother's own insurance, or (employee insurance only) as a dependant on another parent's.
    mother_insured = f.mother_col(pop.insurance.astype(np.int64), INSURANCE_NONE) != INSURANCE_NONE
    insured = mother_insured | (
        f.count((pop.role == ROLE_PARENT) & (pop.insurance == INSURANCE_EMPLOYEE)) > 0
    )
    eligible = f.has_mother & insured & (total > 0)
    return eligible, np.where(eligible, total, 0)


def _pregnancy_support(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    pop = f.pop
    v_now = p.at(f.on)
    window = int(p.setting("claim_window_days"))
    recent = f.recent(window)
    vi = _version_index(p, pop.birth)
    first_col, second = p.column("first_payment"), p.column("second_payment_per_baby")
    per_child = np.where(vi >= 0, second[np.maximum(vi, 0)], 0).astype(np.int64)
    total = f.sum(per_child, recent)
    babies = f.mother_col(pop.expected_babies, 1)
    if v_now is not None:
        due = f.mother_col(pop.due, NO_DATE)
        expecting = due != NO_DATE
        total += np.where(expecting, int(v_now["first_payment"]), 0)
        before = v_now.values.get("second_from_days_before_due")
        if before is not None:
            notified = expecting & (f.d >= due - int(before))
            total += np.where(notified, int(v_now["second_payment_per_baby"]) * babies, 0)
    # A pregnancy that ended without a live birth: both payments, the second per fetus notified.
    ended = f.mother_col(pop.pregnancy_ended, NO_DATE)
    evi = _version_index(p, ended)
    esafe = np.maximum(evi, 0)
    covered = p.column("loss_covered")[esafe] > 0
    loss = (ended != NO_DATE) & (ended <= f.d) & (f.d <= ended + window) & (evi >= 0) & covered
    total += np.where(loss, (first_col[esafe] + second[esafe] * babies).astype(np.int64), 0)
    eligible = f.has_mother & (total > 0)
    return eligible, np.where(eligible, total, 0)


def _child_medical_subsidy(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    pop = f.pop
    k = len(pop.municipalities)
    configured = np.zeros(k, np.bool_)
    until = np.zeros(k, np.int64)
    base = np.full(k, -1, np.int64)
    per = np.zeros(k, np.int64)
    for i, code in enumerate(pop.municipalities):
        scheme = p.municipalities.get(code)
        v = scheme.at(f.on) if scheme else None
        if v is not None:
            configured[i] = True
            until[i] = int(v["until_school_year_of_age"])
            if v["income_limit_base"] is not None:
                base[i] = int(v["income_limit_base"])
                per[i] = int(v["limit_per_dependant"])
    m = pop.hh_municipality
    limit = base[m] + per[m] * f.dependants
    income_ok = f.has_claimant & ((base[m] < 0) | (f.claimant_income < limit))
    hh_ok = configured[m] & income_ok
    covered = f.is_child & pop.supported & (f.grade < until[m][pop.household]) & hh_ok[pop.household]
    n = f.count(covered)
    return n > 0, n


def _single_parent(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    v = p.at(f.on)
    zero = np.zeros(f.h, np.int64)
    if v is None:
        return zero.astype(np.bool_), zero
    pop = f.pop
    under20 = under_age_at_month_start_v(
        f.year, f.month, f.day, int(p.setting("disabled_child_under_age")), f.on
    )
    child = (
        f.is_child
        & pop.supported
        & ((f.grade < int(p.setting("child_until_school_year_of_age"))) | (pop.disabled & under20))
    )
    n = f.count(child)
    income = f.claimant_income
    per = int(v["limit_per_dependant"])
    full_limit = int(v["full_limit_base"]) + per * f.dependants
    partial_limit = int(v["partial_limit_base"]) + per * f.dependants
    second = (n >= 2).astype(np.int64)
    more = np.maximum(0, n - 2)
    full = int(v["first_full"]) + int(v["second_full"]) * second + int(v["third_full"]) * more
    excess = (income - full_limit).astype(np.float64)

    def part(prefix: str) -> I64:
        reduced = int(v[f"{prefix}_partial_max"]) - round10_v(excess * float(v[f"{prefix}_coef"]))
        result: I64 = np.maximum(int(v[f"{prefix}_partial_min"]), reduced)
        return result

    partial = part("first") + part("second") * second + part("third") * more
    total = np.where(income < full_limit, full, partial)
    total = np.where((n <= 0) | (income >= partial_limit), 0, total)
    eligible = pop.hh_single_parent & f.has_claimant & (total > 0)
    return eligible, np.where(eligible, total, 0)


def _maternity(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    pop = f.pop
    limit = int(p.setting("dependant_income_limit"))
    own = np.where(pop.insured_person >= 0, pop.insured_person == 1, pop.income >= limit)
    insured_row = (pop.insurance == INSURANCE_EMPLOYEE) & own
    mother_insured = f.has_mother & (f.mother_col(insured_row.astype(np.int64)) == 1)
    smr = np.where(pop.standard_monthly >= 0, pop.standard_monthly, pop.income // 12)
    daily = maternity_daily_v(f.mother_col(smr))
    before, before_multi = p.column("days_before"), p.column("days_before_multiple")
    after = p.column("days_after")
    # Births: one event per (household, birth date); twins share one event with the longer pre-birth period.
    idx = np.flatnonzero(f.recent(int(p.setting("claim_window_days"))))
    hh_b, birth_b = pop.household[idx], pop.birth[idx]
    order = np.lexsort((birth_b, hh_b))
    hh_b, birth_b = hh_b[order], birth_b[order]
    new = (
        np.r_[True, (hh_b[1:] != hh_b[:-1]) | (birth_b[1:] != birth_b[:-1])]
        if len(idx)
        else np.zeros(0, bool)
    )
    starts = np.flatnonzero(new)
    babies = np.diff(np.r_[starts, len(idx)])
    ev_hh, ev_birth = hh_b[starts], birth_b[starts]
    vi = _version_index(p, ev_birth)
    safe = np.maximum(vi, 0)
    days = np.where(babies > 1, before_multi[safe], before[safe]) + after[safe]
    ev_amount = np.where(vi >= 0, daily[ev_hh] * days.astype(np.int64), 0)
    total = np.bincount(ev_hh, weights=ev_amount, minlength=f.h).round().astype(np.int64)
    due = f.mother_col(pop.due, NO_DATE)
    dvi = _version_index(p, due)
    dsafe = np.maximum(dvi, 0)
    expected = f.mother_col(pop.expected_babies, 1)
    ddays = np.where(expected > 1, before_multi[dsafe], before[dsafe]) + after[dsafe]
    total += np.where((due != NO_DATE) & (dvi >= 0), daily * ddays.astype(np.int64), 0)
    eligible = mother_insured & (total > 0)
    return eligible, np.where(eligible, total, 0)


def _childcare_leave(f: _Frame, p: BenefitParameters) -> tuple[B, I64, I64]:
    v = p.at(f.on)
    zero = np.zeros(f.h, np.int64)
    if v is None:
        return zero.astype(np.bool_), zero, zero
    pop = f.pop
    hh = pop.household
    youngest = f.max(pop.birth, f.infant, NO_DATE)
    has_infant = youngest != NO_DATE
    insured = (pop.role == ROLE_PARENT) & pop.employment_insured & has_infant[hh]
    ei = insured & (pop.leave_days > 0)  # only leave the parent declared is paid
    daily = np.minimum(pop.income // 360, int(v["daily_wage_cap"]))
    # A mother's childcare leave begins after the 56 days of postnatal leave (出産手当金 covers those).
    start = youngest[hh] + np.where(pop.female, int(p.setting("postnatal_leave_days")) + 1, 0)
    pct = np.where(f.d - start < int(v["first_days"]), percent(v["rate_first"]), percent(v["rate_after"]))
    monthly = daily * 30 * pct // 100
    entitled = f.sum(monthly, ei)
    total = f.sum(monthly, ei & (f.d >= start))
    topup_total = zero
    pct_topup = percent(v["topup_rate"])
    if pct_topup > 0:
        min_days = int(v["topup_min_days"])
        took = pop.leave_days >= min_days
        # The spouse's leave is required only of an employment-insured spouse who is not the mother:
        # on the day after the birth the mother is on postnatal leave or not employed (exceptions).
        mother_row = np.zeros(pop.persons, np.bool_)
        mother_row[f.mother[f.has_mother]] = True
        required = insured & ~mother_row
        n_req = f.count(required)
        n_req_took = f.count(required & took)
        self_req = required.astype(np.int64)
        others_ok = (n_req_took[hh] - (required & took).astype(np.int64)) == (n_req[hh] - self_req)
        topup = daily * np.minimum(int(v["topup_max_days"]), pop.leave_days) * pct_topup // 100
        topup_total = f.sum(topup, ei & took & others_ok)
    eligible = has_infant & (entitled > 0)
    return eligible, np.where(eligible, total, 0), np.where(eligible, topup_total, 0)


def _premature(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    v = p.at(f.on)
    zero = np.zeros(f.h, np.int64)
    if v is None:
        return zero.astype(np.bool_), zero
    pop = f.pop
    light = (pop.birth_weight_g > 0) & (pop.birth_weight_g <= int(v["max_birth_weight_g"]))
    n = f.count(f.infant & (light | pop.weak_vitality))
    return n > 0, n


def _child_allowance_revision(f: _Frame, p: BenefitParameters, allowance: BenefitParameters) -> tuple[B, I64]:
    zero = np.zeros(f.h, np.int64)
    rows = _child_allowance_rows(f, allowance) if p.at(f.on) is not None else None
    if rows is None:
        return zero.astype(np.bool_), zero
    paid, amount = rows
    paid = paid & (amount > 0) & f.has_claimant[f.pop.household]
    # The earliest-born paid child per household; later-born paid children of the last year are new.
    earliest = -f.max(-f.pop.birth, paid, NO_DATE)
    window = int(p.setting("new_child_window_days"))
    new = paid & (f.pop.birth > earliest[f.pop.household]) & (f.d <= f.pop.birth + window)
    total = f.sum(amount, new)
    return total > 0, total


def _under_age(f: _Frame, years: int) -> B:
    """Born by the date and not yet ``years`` old (before the ``years``-th birthday; YYYYMMDD keys)."""
    on_key = f.on.year * 10_000 + f.on.month * 100 + f.on.day
    result: B = (f.pop.birth <= f.d) & (on_key < date_key(f.year + years, f.month, f.day))
    return result


def _age_at_least(f: _Frame, years: int) -> B:
    """Aged ``years`` or more on the date (the age is reached the day before the birthday)."""
    result: B = f.next_key >= date_key(f.year + years, f.month, f.day)
    return result


def _first_insured_pension(f: _Frame) -> B:
    """Category 1 of the national pension as far as the columns tell: 20-59 and on NHI."""
    result: B = (f.pop.insurance == INSURANCE_NHI) & _age_at_least(f, 20) & ~_age_at_least(f, 60)
    return result


def _maternity_exemption(f: _Frame, p: BenefitParameters, insured_row: B) -> tuple[B, I64]:
    pop = f.pop
    vi = _version_index(p, pop.birth)
    has_birth = f.count(f.recent(int(p.setting("window_days"))) & (vi >= 0)) > 0
    due = f.mother_col(pop.due, NO_DATE)
    has_due = (due != NO_DATE) & (_version_index(p, due) >= 0)
    insured = f.has_mother & (f.mother_col(insured_row.astype(np.int64)) == 1)
    eligible = insured & (has_birth | has_due)
    return eligible, eligible.astype(np.int64)


def _pension_childcare(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    v = p.at(f.on)
    zero = np.zeros(f.h, np.int64)
    if v is None:
        return zero.astype(np.bool_), zero
    pop = f.pop
    under = int(v["child_under_age"])
    has_infant = f.count((pop.role == ROLE_CHILD) & _under_age(f, under)) > 0
    parents = (pop.role == ROLE_PARENT) & f.born & _first_insured_pension(f) & has_infant[pop.household]
    n = f.count(parents)
    return n > 0, n


def _low_birth_weight(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    v = p.at(f.on)
    zero = np.zeros(f.h, np.int64)
    if v is None:
        return zero.astype(np.bool_), zero
    pop = f.pop
    light = (pop.birth_weight_g > 0) & (pop.birth_weight_g < int(v["under_weight_g"]))
    n = f.count(f.recent(int(p.setting("window_days"))) & light)
    return n > 0, n


def _mother_row(f: _Frame) -> B:
    row = np.zeros(f.pop.persons, np.bool_)
    row[f.mother[f.has_mother]] = True
    return row


def _birth_leave(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    pop = f.pop
    youngest = f.max(pop.birth, f.recent(int(p.setting("claim_window_days"))), NO_DATE)
    vi = _version_index(p, youngest)
    ok = (youngest != NO_DATE) & (vi >= 0)
    safe = np.maximum(vi, 0)
    cap = p.column("daily_wage_cap")[safe].astype(np.int64)
    rate = np.array([percent(r) for r in p.column("rate")], dtype=np.int64)[safe]
    hh = pop.household
    rows = (
        (pop.role == ROLE_PARENT)
        & pop.employment_insured
        & ~_mother_row(f)
        & (pop.birth_leave_days > 0)
        & ok[hh]
    )
    days = np.minimum(int(p.setting("max_days")), pop.birth_leave_days)
    daily = np.minimum(pop.income // 360, cap[hh])
    total = f.sum(daily * days * rate[hh] // 100, rows)
    return total > 0, total


def _reduced_hours(f: _Frame, p: BenefitParameters) -> tuple[B, I64]:
    v = p.at(f.on)
    zero = np.zeros(f.h, np.int64)
    if v is None:
        return zero.astype(np.bool_), zero
    pop = f.pop
    has_child = f.count((pop.role == ROLE_CHILD) & _under_age(f, int(v["child_under_age"]))) > 0
    wage, before = pop.reduced_wage, pop.income // 12
    rows = (pop.role == ROLE_PARENT) & pop.employment_insured & (wage > 0) & (wage < before)
    rows &= has_child[pop.household]
    amount = np.maximum(
        0,
        np.minimum(
            np.minimum(wage * percent(v["rate"]) // 100, before - wage), int(v["monthly_limit"]) - wage
        ),
    )
    total = f.sum(amount, rows)
    return total > 0, total


def evaluate(
    pop: Population, on: date, benefits: Sequence[str] | None = None, progress: ProgressFn = no_progress
) -> HouseholdResults:
    """Eligibility and amount of each benefit for every household of ``pop`` on ``on``."""
    params = load_parameters()
    f = _Frame(pop, on)
    out = HouseholdResults()
    wanted = list(benefits or BENEFIT_IDS)
    for i, b in enumerate(wanted):
        progress("screening", i, len(wanted))
        p = params[b]
        if b == "child_allowance":
            out.eligible[b], out.amount[b] = _child_allowance(f, p)
        elif b == "childbirth_lump_sum":
            out.eligible[b], out.amount[b] = _childbirth_lump_sum(f, p)
        elif b == "pregnancy_support_benefit":
            out.eligible[b], out.amount[b] = _pregnancy_support(f, p)
        elif b == "child_medical_subsidy":
            out.eligible[b], out.amount[b] = _child_medical_subsidy(f, p)
        elif b == "single_parent_allowance":
            out.eligible[b], out.amount[b] = _single_parent(f, p)
        elif b == "maternity_allowance":
            out.eligible[b], out.amount[b] = _maternity(f, p)
        elif b == "childcare_leave_benefit":
            out.eligible[b], out.amount[b], out.extra["childcare_leave_topup"] = _childcare_leave(f, p)
        elif b == "premature_infant_care":
            out.eligible[b], out.amount[b] = _premature(f, p)
        elif b == "child_allowance_revision":
            out.eligible[b], out.amount[b] = _child_allowance_revision(f, p, params["child_allowance"])
        elif b == "birth_childcare_leave_benefit":
            out.eligible[b], out.amount[b] = _birth_leave(f, p)
        elif b == "childcare_reduced_hours_benefit":
            out.eligible[b], out.amount[b] = _reduced_hours(f, p)
        elif b == "nhi_maternity_premium_exemption":
            out.eligible[b], out.amount[b] = _maternity_exemption(f, p, pop.insurance == INSURANCE_NHI)
        elif b == "national_pension_maternity_exemption":
            out.eligible[b], out.amount[b] = _maternity_exemption(f, p, _first_insured_pension(f))
        elif b == "national_pension_childcare_exemption":
            out.eligible[b], out.amount[b] = _pension_childcare(f, p)
        elif b == "low_birth_weight_notification":
            out.eligible[b], out.amount[b] = _low_birth_weight(f, p)
        else:
            raise KeyError(b)
    progress("screening", len(wanted), len(wanted))
    return out


@dataclass
class ScreenReport:
    """Per benefit: eligible households and the total (yen; members covered for in-kind benefits)."""

    date: date
    residents: int
    households: int
    benefits: dict[str, dict[str, Any]]
    seconds_building: float
    seconds_computing: float
    source: str

    def as_json(self) -> dict[str, Any]:
        """The ``rules screen --json`` document."""
        return {
            "date": self.date.isoformat(),
            "source": self.source,
            "residents": self.residents,
            "households": self.households,
            "benefits": self.benefits,
            "seconds": {"building_inputs": self.seconds_building, "computing": self.seconds_computing},
        }


def screen(
    pop: Population,
    on: date,
    *,
    benefits: Sequence[str] | None = None,
    source: str = "columns",
    seconds_building: float = 0.0,
    progress: ProgressFn = no_progress,
) -> ScreenReport:
    """Screen a whole population: eligible households and totals per benefit, with timings."""
    params = load_parameters()
    wanted = list(benefits or BENEFIT_IDS)
    t0 = time.perf_counter()
    results = evaluate(pop, on, wanted, progress)
    seconds = time.perf_counter() - t0
    report: dict[str, dict[str, Any]] = {}
    for b in wanted:
        kind = params[b].kind
        entry: dict[str, Any] = {
            "kind": kind,
            "eligible_households": int(results.eligible[b].sum()),
        }
        if kind == "in_kind":
            entry["members_covered"] = int(results.amount[b].sum())
            entry["total"] = None
        elif kind == "monthly":
            entry["total_monthly"] = int(results.amount[b].sum())
            entry["total"] = entry["total_monthly"]
        else:
            entry["total"] = int(results.amount[b].sum())
        if b == "childcare_leave_benefit":
            entry["additional_lump_sum_total"] = int(results.extra["childcare_leave_topup"].sum())
        report[b] = entry
    return ScreenReport(
        date=on,
        residents=pop.persons,
        households=pop.households,
        benefits=report,
        seconds_building=seconds_building,
        seconds_computing=seconds,
        source=source,
    )


def compare(
    pop: Population, before: date, after: date, benefits: Sequence[str] | None = None
) -> dict[str, Any]:
    """What a change of date (a rule change in between, people ageing) does to every household.

    Per benefit: households eligible before and after, newly eligible, no longer eligible, and the
    totals — the impact report to run when a parameter version with a new date is added.
    """
    wanted = list(benefits or BENEFIT_IDS)
    a, b = evaluate(pop, before, wanted), evaluate(pop, after, wanted)
    out: dict[str, Any] = {"before": before.isoformat(), "after": after.isoformat(), "benefits": {}}
    for name in wanted:
        ea, eb = a.eligible[name], b.eligible[name]
        out["benefits"][name] = {
            "eligible_before": int(ea.sum()),
            "eligible_after": int(eb.sum()),
            "newly_eligible": int((eb & ~ea).sum()),
            "no_longer_eligible": int((ea & ~eb).sum()),
            "amount_changed": int((a.amount[name] != b.amount[name]).sum()),
            "total_before": int(a.amount[name].sum()),
            "total_after": int(b.amount[name].sum()),
        }
    return out


def synthetic_population(
    residents: int, on: date, *, seed: int = 20261126, municipalities: Sequence[str] = ("990019", "990027")
) -> Population:
    """``residents`` synthetic people in households, deterministic for (residents, on, seed), built with
    whole-array random draws: couples and single parents with 0-4 children (some grown up, some newborn),
    singles, incomes, insurance, pregnancies, birth weights and leave days.
    """
    rng = np.random.default_rng(seed)
    n = int(residents)
    d = to_days(on)
    guess = n // 2 + 16
    adults = rng.choice(np.array([1, 2]), size=guess, p=[0.35, 0.65])
    kids = rng.choice(np.arange(5), size=guess, p=[0.45, 0.22, 0.2, 0.1, 0.03])
    size = adults + kids
    h = int(np.searchsorted(np.cumsum(size), n)) + 1
    adults, kids, size = adults[:h], kids[:h], size[:h]
    hh = np.repeat(np.arange(h, dtype=np.int64), size)[:n]
    h = int(hh[-1]) + 1 if n else 0
    adults, kids, size = adults[:h], kids[:h], size[:h]
    first_row = np.cumsum(size) - size
    pos = np.arange(n, dtype=np.int64) - first_row[hh]
    adult = pos < adults[hh]
    with_kids = kids[hh] > 0
    year = 365
    parent_age = np.where(with_kids, rng.integers(22 * year, 55 * year, size=h)[hh], 0)
    adult_age = np.where(with_kids, parent_age, rng.integers(18 * year, 90 * year, size=n))
    adult_age = adult_age + np.where(pos == 1, rng.integers(-3 * year, 3 * year, size=n), 0)
    span = np.clip(parent_age - 17 * year, year, 25 * year)
    # Children oldest first within each household, as a registry lists them, built in that order (no
    # sort): child k of K is (K - k) / K of the oldest's age, less a jitter under half a step.
    k = pos - adults[hh]
    many = np.maximum(kids[hh], 1)
    oldest = (0.3 + 0.7 * rng.random(h))[hh] * span
    step = oldest / many
    child_age = (oldest - k * step - rng.random(n) * 0.5 * step).astype(np.int64)
    youngest = k == many - 1
    newborn = youngest & (rng.random(h) < 0.06)[hh]
    child_age = np.where(newborn, np.minimum(child_age, rng.integers(0, year, size=n)), child_age)
    age = np.where(adult, adult_age, child_age)
    birth = d - age
    female = np.where(
        adult, np.where(pos == 0, rng.random(n) < 0.8, rng.random(n) < 0.1), rng.random(n) < 0.5
    )
    single_parent = (adults == 1) & (kids > 0)
    female = np.where(adult & single_parent[hh] & (pos == 0), rng.random(n) < 0.88, female)
    income = np.where(
        adult & (rng.random(n) > 0.18),
        (np.exp(rng.normal(np.log(3_200_000), 0.6, size=n)) // 1000 * 1000).astype(np.int64),
        0,
    )
    grown = ~adult & (age >= 18 * year)
    income = np.where(grown & (rng.random(n) < 0.3), rng.integers(300_000, 1_500_000, size=n), income)
    employee = adult & (income >= 1_300_000) & (rng.random(n) < 0.75)
    insurance = np.where(
        employee, INSURANCE_EMPLOYEE, np.where(rng.random(n) < 0.02, INSURANCE_NONE, INSURANCE_NHI)
    ).astype(np.int8)
    expecting = adult & female & (age >= 20 * year) & (age <= 42 * year) & (rng.random(n) < 0.03)
    return Population(
        household=hh,
        role=np.where(adult, ROLE_PARENT, ROLE_CHILD).astype(np.int8),
        birth=birth.astype(np.int64),
        female=female,
        insurance=insurance,
        employment_insured=employee & (rng.random(n) < 0.95),
        income=income.astype(np.int64),
        supported=np.where(adult, True, (age < 18 * year) | (rng.random(n) < 0.6)),
        birth_weight_g=np.where(adult, 0, np.clip(rng.normal(3050, 450, size=n), 500, 5000)).astype(np.int64),
        weak_vitality=~adult & (rng.random(n) < 0.002),
        disabled=~adult & (rng.random(n) < 0.01),
        due=np.where(expecting, d + rng.integers(1, 280, size=n), NO_DATE).astype(np.int64),
        expected_babies=np.where(rng.random(n) < 0.01, 2, 1).astype(np.int64),
        obstetric=rng.random(n) < 0.98,
        insured_person=np.full(n, -1, np.int8),
        standard_monthly=np.full(n, -1, np.int64),
        leave_days=np.where(adult & (rng.random(n) < 0.3), rng.integers(5, 60, size=n), 0).astype(np.int64),
        pregnancy_ended=np.where(
            adult & female & ~expecting & (rng.random(n) < 0.004), d - rng.integers(0, 700, size=n), NO_DATE
        ).astype(np.int64),
        birth_leave_days=np.where(
            adult & ~female & (rng.random(n) < 0.1), rng.integers(5, 29, size=n), 0
        ).astype(np.int64),
        reduced_wage=np.where(
            adult & (rng.random(n) < 0.05), (income // 12 * rng.uniform(0.6, 1.0, size=n)).astype(np.int64), 0
        ).astype(np.int64),
        hh_municipality=(rng.random(h) < 0.15).astype(np.int64),
        hh_single_parent=single_parent,
        municipalities=list(municipalities),
    )


def explain_household(pop: Population, index: int, on: date) -> Any:
    """The single-household explanation of household ``index`` of a screened population."""
    from tenohira.rules.service import explain

    return explain(pop.household_document(index), on)
