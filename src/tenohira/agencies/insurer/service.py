"""The insurer's work: enrolment from the demo world, insurance type, dependants, the lump sum.

No HTTP and no commit here (the caller's unit of work).
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.insurer.models import (
    InsuredPerson,
    Insurer,
    InsurerMeta,
    LumpSumClaim,
    name_birth_index,
)
from tenohira.agencies.membership import SchemaShelf, get_meta, set_meta
from tenohira.agencies.synthetic import HouseholdPlan, Person, iter_world, load_world
from tenohira.core.clock import today_jst
from tenohira.core.config import Settings, get_settings
from tenohira.core.problems import FieldError, Problem
from tenohira.core.progress import ProgressFn
from tenohira.vault import open_vault


@dataclass(frozen=True)
class InsurerSpec:
    id: str
    scheme: str
    number: str
    name_ja: str
    name_en: str


# One employees' health insurance society stands for every employer's scheme of the demo,
# and the city's National Health Insurance for everyone else. Numbers are fictional but
# shaped like real 保険者番号 (健保組合: 06 + 6 digits; 国保: 6 digits).
INSURERS = (
    InsurerSpec(
        "tenohira-kenpo", "employee", "06990019", "手のひら健康保険組合", "Tenohira Health Insurance Society"
    ),
    InsurerSpec(
        "tenohira-nhi", "nhi", "990019", "手のひら市国民健康保険", "Tenohira City National Health Insurance"
    ),
)
SCHEME_INSURER = {s.scheme: s.id for s in INSURERS}


# --- the childbirth lump sum (出産育児一時金) ----------------------------------------------------


@dataclass(frozen=True)
class LumpSumRate:
    """Amounts per baby for births from ``since`` (dated parameter with its source)."""

    since: date
    with_scheme: int  # at an institution in the obstetric compensation scheme (産科医療補償制度), ≥ 22 weeks
    without_scheme: int
    source: str


LUMP_SUM_RATES = (
    LumpSumRate(
        date(2015, 1, 1),
        420_000,
        404_000,
        "健康保険法施行令 第36条 (2015-01-01施行の改正: 40.4万円、産科医療補償制度の加算1.6万円)",
    ),
    LumpSumRate(
        date(2022, 1, 1),
        420_000,
        408_000,
        # 40.8万円 outside the scheme is confirmed by insurers' pages (rules/parameters/childbirth_lump_sum
        # .yaml: yuken-kenpo.or.jp, okb-kenpo.or.jp); the 2022-01-01 start is not: it stays marked.
        "健康保険法施行令 第36条 (令和3年政令改正、2022-01-01施行: 掛金 1.2万円) (check)",
    ),
    LumpSumRate(
        date(2023, 4, 1),
        500_000,
        488_000,
        "健康保険法 第101条・同施行令 第36条 (令和5年政令第31号、2023-04-01施行); 国民健康保険法 第58条; "
        "厚生労働省「出産育児一時金の支給額・支払方法について」",
    ),
)
MIN_PREGNANCY_DAYS = 85  # 妊娠85日（4か月）以上の出産 (死産・流産を含む)
SCHEME_MIN_WEEKS = 22  # 産科医療補償制度の対象は在胎週数22週以降の出生


def lump_sum_per_baby(birth_date: date, compensation_scheme: bool, gestational_weeks: int) -> tuple[int, str]:
    """The lump sum per baby for a birth on ``birth_date``, and the source of the amount."""
    rate = next((r for r in reversed(LUMP_SUM_RATES) if r.since <= birth_date), None)
    if rate is None:
        raise Problem(
            status=422,
            slug="birth-too-old",
            title="Births before 2015 are not handled",
            title_ja="2015年より前の出産には対応していません",
        )
    covered = compensation_scheme and gestational_weeks >= SCHEME_MIN_WEEKS
    return (rate.with_scheme if covered else rate.without_scheme), rate.source


def _end_of_next_month(day: date) -> date:
    first_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return (first_next + timedelta(days=32)).replace(day=1) - timedelta(days=1)


# --- enrolment from the demo world -----------------------------------------------------------


async def ensure_insurers(session: AsyncSession) -> None:
    """Record the insurers this system runs."""
    known = set((await session.execute(sa.select(Insurer.id))).scalars())
    for spec in INSURERS:
        if spec.id not in known:
            session.add(
                Insurer(
                    id=spec.id,
                    scheme=spec.scheme,
                    number=spec.number,
                    name_ja=spec.name_ja,
                    name_en=spec.name_en,
                )
            )
    await session.flush()


def _enrol_household(plan: HouseholdPlan, next_seq: Callable[[], int], now: datetime) -> list[InsuredPerson]:
    """The insurer's records for one household: employees insured in their own right with their
    dependants (被扶養者), everyone else individually in NHI with the household head as 世帯主."""
    out: list[InsuredPerson] = []
    by_person: dict[int, InsuredPerson] = {}
    employees = [p for p in plan.members if p.employer_insured]
    earner = next((p for p in employees if p.relation in ("head", "spouse")), None)
    nhi_head: InsuredPerson | None = None

    def record(
        p: Person, insurer: str, role: str, insured: InsuredPerson | None, relation: str
    ) -> InsuredPerson:
        seq = next_seq()
        symbol_holder = insured
        if role == "insured" and insurer == SCHEME_INSURER["employee"]:
            symbol_holder = None
        number = symbol_holder.number if symbol_holder else f"{seq:07d}"
        branch = f"{sum(1 for x in out if x.number == number):02d}"
        rec = InsuredPerson(
            id=f"I{seq:08d}",
            seq=seq,
            insurer_id=insurer,
            role=role,
            insured_id=insured.id if insured else None,
            symbol=f"{(seq // 10_000) + 1:04d}",
            number=number,
            branch=branch,
            relation=relation,
            name=p.name,
            name_kana=p.name_kana,
            birth_date=p.birth_date,
            sex=p.sex,
            qualified_from=max(p.birth_date, p.moved_in or p.birth_date),
            created_at=now,
        )
        if symbol_holder is not None:
            rec.symbol = symbol_holder.symbol
        out.append(rec)
        by_person[p.seq] = rec
        return rec

    for p in employees:
        record(p, SCHEME_INSURER["employee"], "insured", None, "self")
    for p in plan.members:
        if p.seq in by_person:
            continue
        if p.insurance == "employee" and earner is not None:
            relation = "spouse" if p.relation in ("head", "spouse") else p.relation
            record(p, SCHEME_INSURER["employee"], "dependant", by_person[earner.seq], relation)
        else:
            rec = record(p, SCHEME_INSURER["nhi"], "insured", nhi_head, "self")
            if nhi_head is None:
                nhi_head = rec
                rec.insured_id = None
            else:
                rec.insured_id = nhi_head.id  # 世帯主 of the NHI household (who files and is paid)
    return out


async def enrol_from_world(session: AsyncSession, settings: Settings, progress: ProgressFn) -> int:
    """Take in the demo world's insured people (idempotent: resumes after the last household).

    The insurer learns of people from employers' enrolment and NHI applications; here, from
    the synthetic world — never from the municipality's registry.
    """
    state = load_world(settings.data_dir, settings.seed)
    done = int(await get_meta(session, InsurerMeta, "enrolled_households") or 0)
    if state.households <= done:
        return 0
    seq = int((await session.execute(sa.select(sa.func.max(InsuredPerson.seq)))).scalar_one() or 0)
    counter = [seq]

    def next_seq() -> int:
        counter[0] += 1
        return counter[0]

    now = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    plans = iter_world(state, start_household=done + 1)
    # every member gets one record, numbered in order: create their data keys in one batch
    vault = await open_vault(get_settings())
    total = sum(len(plan.members) for plan in plans)
    vault.ensure_keys(f"I{s:08d}" for s in range(seq + 1, seq + total + 1))
    columns = [a.key for a in sa.inspect(InsuredPerson).column_attrs]
    for i, plan in enumerate(plans, start=1):
        for rec in _enrol_household(plan, next_seq, now):
            rows.append({key: getattr(rec, key) for key in columns})
        if i % 2000 == 0:
            progress("insurer: enrolment", i, len(plans))
    for start in range(0, len(rows), 5000):
        await session.execute(sa.insert(InsuredPerson), rows[start : start + 5000])
    await set_meta(session, InsurerMeta, "enrolled_households", str(state.households))
    progress("insurer: enrolment", len(plans), len(plans))
    return len(rows)


# --- people by hub code -------------------------------------------------------------------------


def unknown_person() -> Problem:
    """Not insured here (no detail: the hub never reveals who is known where)."""
    return Problem(
        status=404,
        slug="not-insured-here",
        title="The person is not insured with this insurer",
        title_ja="当保険者にこの方の加入記録はありません",
    )


def _norm_name(name: str) -> str:
    return " ".join(name.replace("\u3000", " ").split()).replace(" ", "\u3000")


FactsLookup = Callable[[], Awaitable[dict[str, Any] | None]]


async def person_for(
    session: AsyncSession, code: str | None, hint: dict[str, Any] | None, lookup: FactsLookup | None = None
) -> InsuredPerson:
    """The person a hub code names; at first contact matched once by name and date of birth.

    The facts come from ``hint`` or, failing that, from ``lookup`` (the municipality's basic
    facts through the hub). Call before writing anything in the unit of work.
    """
    if not code:
        raise unknown_person()
    await open_vault(get_settings())  # before any write: its first start writes its catalogue
    found = (
        await session.execute(sa.select(InsuredPerson).where(InsuredPerson.hub_code == code))
    ).scalar_one_or_none()
    if found is not None:
        return found
    facts = hint if hint and hint.get("name") and hint.get("birth_date") else None
    if facts is None and lookup is not None:
        facts = await lookup()
    if not facts:
        raise unknown_person()
    try:
        birth_date = date.fromisoformat(str(facts["birth_date"]))
    except (ValueError, KeyError) as exc:
        raise unknown_person() from exc
    q = sa.select(InsuredPerson).where(
        InsuredPerson.name_birth_index == name_birth_index(_norm_name(str(facts["name"])), birth_date),
        # linked meanwhile by a concurrent first contact with the same code: that is a match too
        sa.or_(InsuredPerson.hub_code.is_(None), InsuredPerson.hub_code == code),
    )
    matches = list((await session.execute(q)).scalars())
    if len(matches) != 1:
        raise unknown_person()
    if matches[0].hub_code != code:
        matches[0].hub_code = code
        await session.flush()
    return matches[0]


async def insurance_type(session: AsyncSession, person: InsuredPerson) -> dict[str, Any]:
    """The person's public health insurance: scheme, insurer, and whether insured or dependant.

    The member numbers (記号・番号) are not included: they are for the person, not for agencies.
    """
    insurer = await session.get(Insurer, person.insurer_id)
    assert insurer is not None
    return {
        "insurance": insurer.scheme,
        "insurer_number": insurer.number,
        "insurer_name": insurer.name_ja,
        "role": person.role,
        "qualified_from": person.qualified_from.isoformat(),
    }


# --- adding a dependant (被扶養者異動届 / 国保加入) ---------------------------------------------------

# 年間収入130万円未満 (60歳以上・障害者は180万円未満). Unconfirmed: no source in the facts files (they
# do not give the dependant test); the rules use the same 1,300,000 (parameters/maternity_allowance.yaml,
# also unconfirmed there). A 2025 change for dependants aged 19-22 (150万円) is recalled, not modelled.
DEPENDANT_INCOME_LIMIT = 1_300_000
DEPENDANT_INCOME_LIMIT_60 = 1_800_000
DEPENDANT_NOTICE_DAYS = 5  # 健康保険法施行規則 第38条: 5日以内 (事業主経由)
NHI_NOTICE_DAYS = 14  # 国民健康保険法施行規則: 14日以内


@dataclass(frozen=True)
class NewDependant:
    name: str
    name_kana: str
    birth_date: date
    sex: str
    relation: str
    expected_income: int
    reason: str  # birth / other


def _invalid(field: str, en: str, ja: str) -> Problem:
    return Problem(
        status=422,
        slug="invalid-dependant",
        title="The dependant cannot be added as filed",
        title_ja="被扶養者の届出内容に誤りがあります",
        detail=en,
        detail_ja=ja,
        errors=[FieldError(field, en, ja)],
    )


async def add_dependant(
    session: AsyncSession,
    insured: InsuredPerson,
    new: NewDependant,
    *,
    code: str | None = None,
    today: date | None = None,
) -> tuple[InsuredPerson, dict[str, Any]]:
    """Cover ``new`` under ``insured``: a dependant in the employees' scheme, or a new NHI member
    of the household in NHI. Returns the record and the notice facts (deadline, lateness)."""
    today = today or today_jst()
    if insured.role != "insured":
        raise Problem(
            status=409,
            slug="not-the-insured",
            title="Only the insured person can add a dependant",
            title_ja="被扶養者の届出は被保険者が行います",
        )
    insurer = await session.get(Insurer, insured.insurer_id)
    assert insurer is not None
    if new.birth_date > today:
        raise _invalid("birth_date", "The date of birth is in the future", "生年月日が未来の日付です")
    age = (
        today.year
        - new.birth_date.year
        - ((today.month, today.day) < (new.birth_date.month, new.birth_date.day))
    )
    if insurer.scheme == "employee":
        limit = DEPENDANT_INCOME_LIMIT_60 if age >= 60 else DEPENDANT_INCOME_LIMIT
        if new.expected_income >= limit:
            raise _invalid(
                "expected_income",
                f"A dependant's expected annual income must be under ¥{limit:,}",
                f"被扶養者の年間収入見込みは{limit // 10_000}万円未満である必要があります",
            )
    head_id = insured.insured_id or insured.id
    duplicate = (
        await session.execute(
            sa.select(sa.func.count())
            .select_from(InsuredPerson)
            .where(
                InsuredPerson.name_birth_index == name_birth_index(_norm_name(new.name), new.birth_date),
                sa.or_(InsuredPerson.insured_id == head_id, InsuredPerson.id == head_id),
            )
        )
    ).scalar_one()
    if duplicate:
        raise Problem(
            status=409,
            slug="already-covered",
            title="This person is already covered",
            title_ja="この方はすでに加入しています",
        )
    seq = int((await session.execute(sa.select(sa.func.max(InsuredPerson.seq)))).scalar_one() or 0) + 1
    branches = (
        await session.execute(
            sa.select(sa.func.count())
            .select_from(InsuredPerson)
            .where(InsuredPerson.number == insured.number, InsuredPerson.insurer_id == insured.insurer_id)
        )
    ).scalar_one()
    qualified_from = new.birth_date if new.reason == "birth" else today
    record = InsuredPerson(
        id=f"I{seq:08d}",
        seq=seq,
        insurer_id=insured.insurer_id,
        role="dependant" if insurer.scheme == "employee" else "insured",
        insured_id=head_id,
        symbol=insured.symbol,
        number=insured.number,
        branch=f"{int(branches):02d}",
        relation=new.relation,
        name=_norm_name(new.name),
        name_kana=_norm_name(new.name_kana),
        birth_date=new.birth_date,
        sex=new.sex,
        qualified_from=qualified_from,
        hub_code=code,
        created_at=datetime.now(UTC),
    )
    session.add(record)
    await session.flush()
    days = DEPENDANT_NOTICE_DAYS if insurer.scheme == "employee" else NHI_NOTICE_DAYS
    deadline = qualified_from + timedelta(days=days)
    notice = {
        "insurer_name": insurer.name_ja,
        "insurer_number": insurer.number,
        "insurance": insurer.scheme,
        "role": record.role,
        "symbol": record.symbol,
        "number": record.number,
        "branch": record.branch,
        "qualified_from": qualified_from.isoformat(),
        "deadline": deadline.isoformat(),
        "late": today > deadline,
        # no paper card since 2024-12-02: 資格情報のお知らせ (or 資格確認書) is sent instead
        "document": "資格情報のお知らせ",
    }
    return record, notice


# --- the lump sum claim -------------------------------------------------------------------------


# The babies of one birth the insurer takes (a hospital's lump-sum claim, an application's number
# of babies): the bounds its published maternity-allowance schema sets, i.e. the catalogue's, so
# the palm refuses the same numbers before the card signs.
MIN_BABIES, MAX_BABIES = SchemaShelf.of("tenohira.agencies.insurer").bounds(
    "maternity_allowance", "number_of_babies"
)


@dataclass(frozen=True)
class LumpSumClaimIn:
    birth_date: date
    babies: int
    gestational_weeks: int
    facility: str
    compensation_scheme: bool
    charges: int | None


def claim_view(claim: LumpSumClaim) -> dict[str, Any]:
    """A claim as its status is shown (to the insured through the palm, or to the hospital)."""
    return {
        "claim_id": claim.id,
        "birth_date": claim.birth_date.isoformat(),
        "babies": claim.babies,
        "facility": claim.facility,
        "direct_payment": claim.direct_payment,
        "amount": claim.amount,
        "to_hospital": claim.to_hospital,
        "to_insured": claim.to_insured,
        "status": claim.status,
        "payment_due": claim.payment_due.isoformat() if claim.payment_due else None,
        "legal_basis": claim.basis,
    }


async def claim_lump_sum(
    session: AsyncSession,
    mother: InsuredPerson,
    data: LumpSumClaimIn,
    *,
    claimed_by: str,
    direct_payment: bool,
    today: date | None = None,
) -> LumpSumClaim:
    """Decide a 出産育児一時金 claim for the birth ``mother`` gave.

    With the direct payment system (the hospital claims) the insurer pays the hospital up to
    its charges; any remainder is the insured's (差額). Otherwise the insured is paid it all.
    Paid to (or for) the insured: the mother herself, or the insured she is a dependant of
    (家族出産育児一時金); in NHI the household head.
    """
    today = today or today_jst()
    if not MIN_BABIES <= data.babies <= MAX_BABIES:
        raise _invalid(
            "babies",
            f"Number of babies must be {MIN_BABIES} to {MAX_BABIES}",
            f"出生児数は{MIN_BABIES}〜{MAX_BABIES}で入力してください",
        )
    if data.gestational_weeks * 7 < MIN_PREGNANCY_DAYS:
        raise _invalid(
            "gestational_weeks",
            "The lump sum is paid for births after at least 85 days of pregnancy",
            "出産育児一時金は妊娠85日（4か月）以上の出産が対象です",
        )
    if data.birth_date > today:
        raise _invalid("birth_date", "The birth date is in the future", "出産日が未来の日付です")
    if (today - data.birth_date).days > 2 * 365:
        raise _invalid(
            "birth_date", "The claim is time-barred (2 years)", "請求期限（出産の翌日から2年）を過ぎています"
        )
    existing = (
        await session.execute(
            sa.select(LumpSumClaim).where(
                LumpSumClaim.mother_id == mother.id, LumpSumClaim.birth_date == data.birth_date
            )
        )
    ).scalar_one_or_none()
    if existing is not None:
        raise Problem(
            status=409,
            slug="lump-sum-already-claimed",
            title="The lump sum for this birth has already been claimed",
            title_ja="この出産の出産育児一時金はすでに請求されています",
            extra={"claim": claim_view(existing)},
        )
    per_baby, source = lump_sum_per_baby(data.birth_date, data.compensation_scheme, data.gestational_weeks)
    amount = per_baby * data.babies
    if direct_payment:
        charges = data.charges if data.charges is not None else amount
        to_hospital = min(amount, max(0, charges))
    else:
        to_hospital = 0
    claim = LumpSumClaim(
        id="LS" + secrets.token_hex(8),
        insurer_id=mother.insurer_id,
        insured_id=mother.insured_id or mother.id,
        mother_id=mother.id,
        birth_date=data.birth_date,
        babies=data.babies,
        gestational_weeks=data.gestational_weeks,
        facility=data.facility,
        compensation_scheme=data.compensation_scheme,
        direct_payment=direct_payment,
        claimed_by=claimed_by,
        charges=data.charges,
        amount=amount,
        to_hospital=to_hospital,
        to_insured=amount - to_hospital,
        status="approved",
        basis=source,
        payment_due=_end_of_next_month(today),
        created_at=datetime.now(UTC),
    )
    session.add(claim)
    await session.flush()
    return claim


async def claims_of(session: AsyncSession, person: InsuredPerson) -> list[LumpSumClaim]:
    """Claims about births of ``person`` or paid to them, newest first."""
    q = (
        sa.select(LumpSumClaim)
        .where(sa.or_(LumpSumClaim.mother_id == person.id, LumpSumClaim.insured_id == person.id))
        .order_by(LumpSumClaim.birth_date.desc())
    )
    return list((await session.execute(q)).scalars())


async def seal_legacy_rows(session: AsyncSession) -> int:
    """Seal insured persons stored before the insurer used the vault (migration ``insurer_0003``):
    their plaintext (kept as bytes by the migration) is encrypted and the blind index filled in."""
    q = sa.select(InsuredPerson).where(InsuredPerson.name_birth_index.is_(None))
    legacy = list((await session.scalars(q)).all())
    if not legacy:
        return 0
    (await open_vault(get_settings())).ensure_keys(p.id for p in legacy)
    for p in legacy:
        # reading gives the legacy plaintext, assigning seals it (and fills the blind index)
        p.name, p.name_kana, p.birth_date = p.name, p.name_kana, p.birth_date
    await session.flush()
    return len(legacy)
