"""The synthetic world the demo agencies observe.

Every household is generated from ``(seed, household sequence number)`` alone, so the
same household comes out the same whichever agency asks and however the population was
grown. The municipality records everybody; the insurer records its insured; the hospital
records the mothers booked with it. They never read each other's tables: each derives
what it would know from this world, as real agencies each learn from the real one.

Ages, due dates and move-in dates are relative to the world's reference date, chosen once
per installation and kept in ``data_dir/demo-world.json`` together with how far the
population has been grown.
"""

from __future__ import annotations

import json
import random
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

from tenohira.agencies.synthetic.names import (
    DISTRICTS,
    FEMALE_NAMES,
    HOSPITALS,
    MALE_NAMES,
    SURNAMES,
    era_of,
    to_katakana,
)
from tenohira.core.clock import today_jst
from tenohira.core.identifiers import individual_number_check_digit

Sex = Literal["male", "female"]
Insurance = Literal["employee", "nhi"]

# Multipliers for turning a resident sequence number into a unique 11-digit stem:
# x -> (A·x + B) mod 10^11 is a bijection because A is coprime to 10, so numbers never collide.
_IN_A = 73_856_093_117
_IN_B = 31_415_926_535
_IN_MOD = 10**11

# Household types, shares from the 2020 census
# (単独 38%, 夫婦のみ 20%, 夫婦と子 25%, ひとり親と子 9%, その他 8%).
_HOUSEHOLD_TYPES = (("single", 38), ("couple", 20), ("family", 25), ("single_parent", 9), ("three_gen", 8))


@dataclass(frozen=True)
class Person:
    """One synthetic person as the world knows them."""

    seq: int  # resident sequence number in the registry (R%07d)
    relation: str  # head / spouse / child / parent
    surname: str
    given_name: str
    surname_kana: str
    given_name_kana: str
    sex: Sex
    birth_date: date
    individual_number: str
    insurance: Insurance
    employment_insured: bool
    annual_income: int
    employer_insured: bool  # insured in their own right by an employer's scheme (not a dependant)
    expecting_due_date: date | None = None
    hospital_id: str | None = None
    moved_in: date | None = None

    @property
    def resident_id(self) -> str:
        return resident_id(self.seq)

    @property
    def name(self) -> str:
        return f"{self.surname}\u3000{self.given_name}"

    @property
    def name_kana(self) -> str:
        return f"{self.surname_kana}\u3000{self.given_name_kana}"


@dataclass(frozen=True)
class HouseholdPlan:
    """One synthetic household: where it lives and who lives there (head first)."""

    seq: int
    district_code: str  # 町字ID suffix, see DISTRICTS
    address_line: str
    members: tuple[Person, ...] = field(default_factory=tuple)

    @property
    def household_id(self) -> str:
        return household_id(self.seq)


def resident_id(seq: int) -> str:
    """The registry id of resident number ``seq`` (``R0000001``)."""
    return f"R{seq:07d}"


def household_id(seq: int) -> str:
    """The registry id of household number ``seq`` (``H000001``)."""
    return f"H{seq:06d}"


def individual_number_for(seq: int) -> str:
    """A unique, well-formed 個人番号 for resident number ``seq`` (valid check digit)."""
    stem = f"{(_IN_A * seq + _IN_B) % _IN_MOD:011d}"
    return stem + str(individual_number_check_digit(stem))


def _age_in(rng: random.Random, bands: tuple[tuple[int, int, int], ...]) -> int:
    lo, hi, _ = rng.choices(bands, weights=[b[2] for b in bands])[0]
    return rng.randint(lo, hi)


def _birth_date(rng: random.Random, age: int, reference: date) -> date:
    """A birth date such that the person is exactly ``age`` on ``reference``."""
    latest = _years_before(reference, age)  # turned ``age`` today at the latest
    return latest - timedelta(days=rng.randint(0, 364))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _given(rng: random.Random, sex: Sex, birth_year: int) -> tuple[str, str]:
    pool = (MALE_NAMES if sex == "male" else FEMALE_NAMES)[era_of(birth_year)]
    kanji, reading = rng.choice(pool)
    return kanji, to_katakana(reading)


@dataclass
class _Draft:
    relation: str
    sex: Sex
    age: int
    work: str = "none"  # employee / self / student / none / retired
    income: int = 0


def _employment(rng: random.Random, d: _Draft) -> None:
    """Work and income, by age and sex (shares rounded from the labour force survey)."""
    age = d.age
    if age < 15:
        d.work = "none"
    elif age < 23:
        d.work = "student" if rng.random() < 0.75 else "employee"
    elif age < 65:
        r = rng.random()
        employed_share = 0.86 if d.sex == "male" else 0.68
        if r < employed_share:
            d.work = "employee"
        elif r < employed_share + 0.09:
            d.work = "self"
        else:
            d.work = "none"
    elif age < 75:
        d.work = "employee" if rng.random() < 0.3 else "retired"
    else:
        d.work = "retired"
    if d.work == "employee":
        base = 4_600_000 if d.sex == "male" else 3_100_000
        peak = 1.0 + 0.5 * max(0.0, 1 - abs(age - 52) / 30)  # earnings rise towards the fifties
        d.income = int(rng.lognormvariate(0, 0.35) * base * peak * (0.5 if age < 23 else 1.0))
    elif d.work == "self":
        d.income = int(rng.lognormvariate(0, 0.6) * 3_000_000)
    elif d.work == "retired":
        d.income = int(rng.uniform(700_000, 2_800_000))  # public pension
    elif d.work == "student":
        d.income = int(rng.choice((0, 0, rng.uniform(100_000, 1_000_000))))  # part-time work
    elif d.work == "none" and d.age >= 18:
        d.income = int(rng.choice((0, 0, rng.uniform(300_000, 1_200_000))))  # part-time below thresholds
    d.income = d.income // 1000 * 1000


def _drafts(rng: random.Random, kind: str) -> list[_Draft]:
    if kind == "single":
        age = _age_in(
            rng, ((18, 24, 10), (25, 34, 14), (35, 49, 13), (50, 64, 16), (65, 79, 27), (80, 99, 20))
        )
        sex: Sex = "female" if (rng.random() < (0.62 if age >= 65 else 0.45)) else "male"
        return [_Draft("head", sex, age)]
    if kind == "couple":
        age = _age_in(rng, ((24, 34, 8), (35, 49, 7), (50, 64, 20), (65, 79, 42), (80, 95, 23)))
        return [_Draft("head", "male", age), _Draft("spouse", "female", max(20, age - rng.randint(-2, 5)))]
    if kind in ("family", "three_gen"):
        age = _age_in(rng, ((27, 34, 10), (35, 44, 30), (45, 54, 38), (55, 64, 22)))
        mother_age = max(22, age - rng.randint(-2, 5))
        drafts = [_Draft("head", "male", age), _Draft("spouse", "female", mother_age)]
        drafts += _children(rng, mother_age)
        if kind == "three_gen":
            drafts.append(
                _Draft("parent", "female" if rng.random() < 0.7 else "male", age + rng.randint(25, 34))
            )
        return drafts
    # single parent (ひとり親): mostly mothers
    age = _age_in(rng, ((24, 34, 15), (35, 44, 40), (45, 55, 45)))
    sex = "female" if rng.random() < 0.86 else "male"
    return [_Draft("head", sex, age), *_children(rng, age, most=2)]


def _children(rng: random.Random, mother_age: int, most: int = 3) -> list[_Draft]:
    count = min(most, rng.choices((1, 2, 3), weights=(45, 42, 13))[0])
    # first births between 22 and 40, children stay at home until 24 at the latest
    hi = max(0, min(mother_age - 22, 24))
    oldest = rng.randint(min(max(0, mother_age - 40), hi), hi)
    ages = [oldest]
    for _ in range(count - 1):
        nxt = ages[-1] - rng.randint(1, 4)
        if nxt < 0:
            break
        ages.append(nxt)
    return [_Draft("child", "male" if rng.random() < 0.512 else "female", a) for a in ages]


def _district(rng: random.Random) -> str:
    return rng.choices([d[0] for d in DISTRICTS], weights=[d[4] for d in DISTRICTS])[0]


def generate_household(seed: int, seq: int, first_resident_seq: int, reference: date) -> HouseholdPlan:
    """Household number ``seq``; its members are numbered from ``first_resident_seq``.

    Household 1 is always the demo family of the birth story: a young couple with a
    three-year-old, the mother due three days before the reference date at the city hospital.
    """
    rng = random.Random(f"tenohira-world:{seed}:{seq}")
    if seq == 1:
        drafts = [
            _Draft("head", "male", 34, "employee", 5_200_000),
            _Draft("spouse", "female", 32, "employee", 3_400_000),
            _Draft("child", "female", 3),
        ]
    else:
        kind = rng.choices([k for k, _ in _HOUSEHOLD_TYPES], weights=[w for _, w in _HOUSEHOLD_TYPES])[0]
        drafts = _drafts(rng, kind)
        for d in drafts:
            _employment(rng, d)
    surname, surname_reading = rng.choice(SURNAMES)
    surname_kana = to_katakana(surname_reading)
    # Dependants follow the insured earner: children and non-working spouses of an employee
    # are covered by the employee's scheme (被扶養者), otherwise everyone is in NHI.
    earner_is_employee = any(d.work == "employee" and d.relation in ("head", "spouse") for d in drafts)
    born_here = rng.random() < 0.4
    arrival_age = rng.randint(0, 30)
    members: list[Person] = []
    for i, d in enumerate(drafts):
        birth = _birth_date(rng, d.age, reference)
        given, given_kana = _given(rng, d.sex, birth.year)
        own_scheme = d.work == "employee"
        dependant = not own_scheme and d.relation in ("spouse", "child") and earner_is_employee
        if d.relation == "child" and d.age >= 18 and d.work == "employee":
            dependant = False
        insurance: Insurance = "employee" if own_scheme or dependant else "nhi"
        if d.relation == "head" or not members:
            moved_in = birth if born_here else _years_before(reference, max(0, d.age - arrival_age))
            moved_in = max(moved_in, birth)
        else:
            moved_in = max(members[0].moved_in or birth, birth)
        due: date | None = None
        hospital: str | None = None
        if seq == 1 and d.relation == "spouse":
            due, hospital = reference - timedelta(days=3), HOSPITALS[0][0]
        elif (
            d.sex == "female" and d.relation in ("head", "spouse") and 22 <= d.age <= 42 and len(drafts) >= 2
        ):
            youngest = min((x.age for x in drafts if x.relation == "child"), default=99)
            if youngest >= 1 and rng.random() < 0.12:
                due = reference + timedelta(days=rng.randint(-10, 250))
                hospital = rng.choices([h for h, _ in HOSPITALS], weights=[w for _, w in HOSPITALS])[0]
        members.append(
            Person(
                seq=first_resident_seq + i,
                relation=d.relation,
                surname=surname,
                given_name=given,
                surname_kana=surname_kana,
                given_name_kana=given_kana,
                sex=d.sex,
                birth_date=birth,
                individual_number=individual_number_for(first_resident_seq + i),
                insurance=insurance,
                employment_insured=d.work == "employee" and rng.random() < 0.95,
                annual_income=d.income,
                employer_insured=own_scheme,
                expecting_due_date=due,
                hospital_id=hospital,
                moved_in=moved_in,
            )
        )
    if seq == 1:  # the demo family: both employed and insured for employment
        members = [m if m.relation == "child" else _with(m, employment_insured=True) for m in members]
    block, house = rng.randint(1, 28), rng.randint(1, 24)
    line = f"{block}番{house}号"
    if rng.random() < 0.35:  # flats: 集合住宅の部屋番号
        line += f"-{rng.randint(1, 6)}0{rng.randint(1, 8)}"
    return HouseholdPlan(seq=seq, district_code=_district(rng), address_line=line, members=tuple(members))


def _with(p: Person, **changes: object) -> Person:
    data = asdict(p)
    data.update(changes)
    return Person(**data)  # type: ignore[arg-type]


# --- the world file -------------------------------------------------------------------------


@dataclass
class WorldState:
    """How far the world has been generated: its reference date and its households.

    ``truncated`` maps a household sequence number to how many of its members were kept
    when a population target fell inside it, so that every agency sees the same people.
    """

    seed: int
    reference_date: date
    households: int = 0
    residents: int = 0
    truncated: dict[int, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(
            {
                "seed": self.seed,
                "reference_date": self.reference_date.isoformat(),
                "households": self.households,
                "residents": self.residents,
                "truncated": {str(k): v for k, v in self.truncated.items()},
            },
            indent=2,
        )


def world_path(data_dir: Path) -> Path:
    """Where the world state lives."""
    return data_dir / "demo-world.json"


def load_world(data_dir: Path, seed: int, reference: date | None = None) -> WorldState:
    """The recorded world state (whatever seed made it), or a new one with ``seed`` (not yet saved)."""
    path = world_path(data_dir)
    if path.exists():
        raw = json.loads(path.read_text(encoding="utf-8"))
        if "seed" in raw and "reference_date" in raw:
            return WorldState(
                seed=int(raw["seed"]),
                reference_date=date.fromisoformat(raw["reference_date"]),
                households=int(raw.get("households", 0)),
                residents=int(raw.get("residents", 0)),
                truncated={int(k): int(v) for k, v in raw.get("truncated", {}).items()},
            )
    return WorldState(seed=seed, reference_date=reference or today_jst())


def save_world(data_dir: Path, state: WorldState) -> None:
    """Write the world state atomically."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = world_path(data_dir)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(state.to_json(), encoding="utf-8")
    tmp.replace(path)


def household_in_world(state: WorldState, seq: int, first_resident_seq: int) -> HouseholdPlan:
    """Household ``seq`` as it exists in ``state`` (truncated if the population ended inside it)."""
    plan = generate_household(state.seed, seq, first_resident_seq, state.reference_date)
    kept = state.truncated.get(seq)
    if kept is not None:
        plan = HouseholdPlan(plan.seq, plan.district_code, plan.address_line, plan.members[:kept])
    return plan


def iter_world(state: WorldState, start_household: int = 1) -> list[HouseholdPlan]:
    """Every household of ``state`` from ``start_household`` on (resident numbers continue)."""
    out: list[HouseholdPlan] = []
    next_resident = 1
    for seq in range(1, state.households + 1):
        plan = household_in_world(state, seq, next_resident)
        next_resident += len(plan.members)
        if seq >= start_household:
            out.append(plan)
    return out


def grow(state: WorldState, residents: int) -> list[HouseholdPlan]:
    """Add households until the world holds ``residents`` people; return the new households.

    Mutates ``state`` (the caller saves it once the households are stored).
    """
    added: list[HouseholdPlan] = []
    while state.residents < residents:
        seq = state.households + 1
        plan = generate_household(state.seed, seq, state.residents + 1, state.reference_date)
        room = residents - state.residents
        if len(plan.members) > room:
            plan = HouseholdPlan(plan.seq, plan.district_code, plan.address_line, plan.members[:room])
            state.truncated[seq] = room
        state.households = seq
        state.residents += len(plan.members)
        added.append(plan)
    return added
