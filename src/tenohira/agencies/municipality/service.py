"""What the municipality answers and decides: no HTTP, no commit (the caller's unit of work).

- basic facts (基本4情報) of a resident, household composition, resident-tax status;
- intake of the birth notification (出生届): the child's name and reading are checked, the
  digital birth certificate (出生証明書, SD-JWT VC) presented by the parent is verified, the
  child is registered in the mother's household, the mother's due date is cleared, and a
  late filing is accepted but flagged.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import holidays
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.agencies.municipality import repository
from tenohira.agencies.municipality.bootstrap import REGISTERED_SEQ_BASE
from tenohira.agencies.municipality.repository import ResidentRecord
from tenohira.agencies.synthetic import individual_number_for, resident_id
from tenohira.core.clock import JST, today_jst
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.names import check_given_name, check_reading
from tenohira.core.problems import FieldError, Problem
from tenohira.credentials import BIRTH_CERTIFICATE_VCT, VerifiedCredential, load_trust_list, verify

BIRTH_NOTIFICATION_DAYS = 14  # 戸籍法 49: within 14 days, the day of birth counting as day 1 (戸籍法 43)
PRESENTATION_NONCE_TTL = 600
REQUIRED_BIRTH_CLAIMS = ("sex", "birth_datetime", "birth_place", "certifier", "mother_name")


def not_found(resident: str) -> Problem:
    """The resident is not (or no longer) in the registry. Nothing else is revealed."""
    return Problem(
        status=404,
        slug="resident-not-found",
        title="No such resident",
        title_ja="該当する住民が見つかりません",
        detail=f"{resident} is not a current resident.",
        detail_ja=f"{resident} は現在の住民として登録されていません。",
    )


async def current_resident(session: AsyncSession, settings: Settings, rid: str) -> ResidentRecord:
    """The resident ``rid`` if currently registered, else a 404 problem."""
    record = await repository.get(session, rid, city=settings.municipality_name_ja)
    if record is None or record.status != "resident":
        raise not_found(rid)
    return record


# --- basic facts and household -------------------------------------------------------------


def basic_facts(record: ResidentRecord) -> dict[str, Any]:
    """基本4情報 (name, address, date of birth, sex) plus the reading of the name."""
    return {
        "name": record.name,
        "name_kana": record.name_kana,
        "address": record.address,
        "postal_code": record.postal_code,
        "birth_date": record.birth_date.isoformat(),
        "sex": record.sex,
    }


async def household_composition(session: AsyncSession, settings: Settings, rid: str) -> dict[str, Any]:
    """The household of resident ``rid``: head first, each member's relation, name, birth date, sex.

    Members are described, not identified: no registry ids or numbers leave the municipality.
    ``is_subject`` marks the person the question was about.
    """
    record = await current_resident(session, settings, rid)
    return household_of(record, await _members(session, settings, record))


async def _members(session: AsyncSession, settings: Settings, record: ResidentRecord) -> list[ResidentRecord]:
    return await repository.household_members(
        session, record.household_id, city=settings.municipality_name_ja
    )


def household_of(record: ResidentRecord, members: list[ResidentRecord]) -> dict[str, Any]:
    """:func:`household_composition` from the records already read."""
    rid = record.id
    return {
        "address": record.address,
        "members": [
            {
                "relation": m.relation,
                "name": m.name,
                "name_kana": m.name_kana,
                "birth_date": m.birth_date.isoformat(),
                "sex": m.sex,
                "is_subject": m.id == rid,
                "insurance": m.insurance,
                "employment_insured": m.employment_insured,
                "annual_income": m.annual_income,
                "expecting_due_date": m.expecting_due_date.isoformat() if m.expecting_due_date else None,
            }
            for m in members
        ],
    }


# --- resident tax status (住民税 課税・非課税) -------------------------------------------------------

# Non-taxable limits of 地方税法 295 and 施行令 47の3, as most ordinances set them for 1級地.
# 手のひら市 is fictional; its grade is taken to be 1級地. Amounts are 合計所得金額 (income after
# the employment-income deduction), which is what ``annual_income`` holds.
PER_CAPITA_BASE = 350_000  # 均等割: 35万円 × 人数 + 10万円 (+ 21万円 with dependants)
PER_CAPITA_ADD = 100_000
PER_CAPITA_DEPENDANT_ADD = 210_000
INCOME_LEVY_DEPENDANT_ADD = 320_000  # 所得割: 35万円 × 人数 + 10万円 (+ 32万円 with dependants)
DEPENDANT_INCOME_LIMIT = 580_000  # 扶養親族・同一生計配偶者: 合計所得 58万円以下 (令和7年分〜, check)
MINOR_SINGLE_PARENT_LIMIT = 1_350_000  # 未成年者・ひとり親・寡婦・障害者: 135万円以下は非課税
TAX_SOURCE = (
    "地方税法 24の5・295, 地方税法施行令 47の3 (1級地の基準); 令和7年度税制改正の扶養要件 58万円 (check)"
)


def _dependants(record: ResidentRecord, members: list[ResidentRecord]) -> int:
    """Household members this person supports: the highest earner claims every low earner."""
    if not members:
        return 0
    top = max(members, key=lambda m: (m.annual_income, m.relation == "head"))
    if top.id != record.id:
        return 0
    return sum(1 for m in members if m.id != record.id and m.annual_income <= DEPENDANT_INCOME_LIMIT)


async def resident_tax_status(
    session: AsyncSession, settings: Settings, rid: str, fiscal_year: int | None = None
) -> dict[str, Any]:
    """Whether the resident is taxed for 住民税 in ``fiscal_year`` (on last year's income).

    ``status`` is ``non_taxable`` (neither levy), ``per_capita_only`` (均等割のみ) or ``taxable``.
    The registry's income is last year's, so any fiscal year other than this one is refused.
    """
    record = await current_resident(session, settings, rid)
    fy = _fiscal_year(fiscal_year)
    return tax_status_of(record, await _members(session, settings, record), fy)


def _fiscal_year(asked: int | None) -> int:
    """The fiscal year asked for (default: the current one); any other than the current is refused."""
    today = today_jst()
    current_fy = today.year if today.month >= 6 else today.year - 1  # 住民税の年度 starts in June
    fy = asked or current_fy
    if fy != current_fy:
        raise Problem(
            status=422,
            slug="fiscal-year-unavailable",
            title="Only the current fiscal year is available",
            title_ja="現年度のみ照会できます",
            errors=[FieldError("fiscal_year", f"Use {current_fy}", f"{current_fy}年度を指定してください")],
        )
    return fy


def tax_status_of(record: ResidentRecord, members: list[ResidentRecord], fy: int) -> dict[str, Any]:
    """:func:`resident_tax_status` from the records already read, for fiscal year ``fy``."""
    dependants = _dependants(record, members)
    people = 1 + dependants
    income = record.annual_income
    age_at_new_year = record.age_on(date(fy, 1, 1))
    single_parent = (
        record.relation == "head"
        and any(m.relation == "child" for m in members)
        and not any(m.relation == "spouse" for m in members)
    )
    per_capita_limit = (
        PER_CAPITA_BASE * people + PER_CAPITA_ADD + (PER_CAPITA_DEPENDANT_ADD if dependants else 0)
    )
    income_levy_limit = (
        PER_CAPITA_BASE * people + PER_CAPITA_ADD + (INCOME_LEVY_DEPENDANT_ADD if dependants else 0)
    )
    if age_at_new_year < 18 and income <= MINOR_SINGLE_PARENT_LIMIT:
        status, reason = "non_taxable", "minor"
    elif single_parent and income <= MINOR_SINGLE_PARENT_LIMIT:
        status, reason = "non_taxable", "single_parent"
    elif income <= per_capita_limit:
        status, reason = "non_taxable", "income_below_limit"
    elif income <= income_levy_limit:
        status, reason = "per_capita_only", "income_below_income_levy_limit"
    else:
        status, reason = "taxable", "income_above_limits"
    return {
        "fiscal_year": fy,
        "income_year": fy - 1,
        "status": status,
        "reason": reason,
        "total_income": income,
        "dependants": dependants,
        "per_capita_limit": per_capita_limit,
        "income_levy_limit": income_levy_limit,
        "legal_basis": TAX_SOURCE,
    }


# --- presentation nonces ----------------------------------------------------------------------


@lru_cache(maxsize=8)
def _nonce_secret(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(secrets.token_bytes(32))
        path.chmod(0o600)
    return path.read_bytes()


def verifier_audience(settings: Settings) -> str:
    """The identifier the holder's Key Binding JWT must name as ``aud``."""
    return f"urn:tenohira:municipality:{settings.municipality_code}"


def issue_presentation_nonce(settings: Settings, now: float | None = None) -> dict[str, Any]:
    """A fresh nonce for presenting a credential to this municipality (stateless: time + HMAC).

    Replaying a whole presentation cannot register twice: a certificate is accepted only once.
    """
    now = now if now is not None else time.time()
    secret = _nonce_secret(settings.data_dir / "municipality" / "presentation-nonce.key")
    body = f"{int(now)}.{secrets.token_urlsafe(12)}"
    tag = hmac.new(secret, body.encode(), hashlib.sha256).hexdigest()[:32]
    return {
        "nonce": f"{body}.{tag}",
        "audience": verifier_audience(settings),
        "expires_at": datetime.fromtimestamp(now + PRESENTATION_NONCE_TTL, UTC).isoformat(),
    }


def check_presentation_nonce(settings: Settings, nonce: str, now: float | None = None) -> None:
    """Refuse a nonce this municipality did not issue or that has expired."""
    now = now if now is not None else time.time()
    secret = _nonce_secret(settings.data_dir / "municipality" / "presentation-nonce.key")
    stamp, _, rest = nonce.partition(".")
    rand, _, tag = rest.rpartition(".")
    expected = hmac.new(secret, f"{stamp}.{rand}".encode(), hashlib.sha256).hexdigest()[:32]
    valid = stamp.isdigit() and rand and hmac.compare_digest(tag, expected)
    if not valid or not (0 <= now - int(stamp) <= PRESENTATION_NONCE_TTL):
        raise Problem(
            status=422,
            slug="presentation-nonce-invalid",
            title="The presentation nonce is unknown or expired",
            title_ja="提示用の番号（nonce）が無効か期限切れです。取得し直してください",
            errors=[FieldError("nonce", "Request a new nonce", "nonce を取得し直してください")],
        )


# --- birth notification (出生届) ---------------------------------------------------------------


def _closed(day: date) -> bool:
    """行政機関の休日: weekends, national holidays, 29 December – 3 January."""
    if day.weekday() >= 5 or day in holidays.country_holidays("JP", years=day.year):
        return True
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


def birth_notification_deadline(birth: date) -> date:
    """The last day to file: the 14th day counting the birth day (戸籍法 43·49), moved past closures."""
    deadline = birth + timedelta(days=BIRTH_NOTIFICATION_DAYS - 1)
    while _closed(deadline):
        deadline += timedelta(days=1)
    return deadline


@dataclass(frozen=True)
class BirthRegistration:
    """The outcome of an accepted 出生届."""

    notification_id: str
    child: ResidentRecord
    birth_date: date
    filed_on: date
    deadline: date
    late: bool
    certificate_issuer: str
    child_code: str | None = None  # the child's hub code, when registered with the hub


def _invalid(errors: list[FieldError]) -> Problem:
    return Problem(
        status=422,
        slug="invalid-birth-notification",
        title="The birth notification cannot be accepted as filed",
        title_ja="出生届の内容に誤りがあります",
        detail="; ".join(e.message for e in errors),
        detail_ja="；".join(e.message_ja for e in errors),
        errors=errors,
    )


def verify_birth_certificate(
    settings: Settings, presentation: str, nonce: str, now: datetime
) -> VerifiedCredential:
    """Verify a presented 出生証明書: registered hospital, signature, validity, key binding."""
    check_presentation_nonce(settings, nonce, now.timestamp())
    trust = load_trust_list(settings.data_dir, "hospital")
    return verify(
        presentation,
        issuers=trust.keys(),
        audience=verifier_audience(settings),
        nonce=nonce,
        expected_vct=BIRTH_CERTIFICATE_VCT,
        now=now,
        require_key_binding=True,
    )


def _birth_moment(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise _invalid(
            [FieldError("birth_certificate", "The birth time is malformed", "出生日時の形式が不正です")]
        ) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=JST)
    return moment.astimezone(JST)


async def register_birth(
    session: AsyncSession,
    settings: Settings,
    *,
    filer_id: str,
    given_name: str,
    given_name_kana: str,
    presentation: str,
    nonce: str,
    now: datetime | None = None,
    mint_code: Callable[[], Awaitable[str]] | None = None,
) -> BirthRegistration:
    """Accept a 出生届 filed by a parent who presents the hospital's birth certificate.

    The child is registered in the mother's household with the family's surname. A filing
    after the deadline is accepted and flagged ``late`` (the registrar then notifies the
    summary court, 戸籍法 137 / 戸籍法施行規則 — handled by staff).

    ``mint_code`` registers the child with the hub; it is awaited after every check and
    before anything is written, so that an embedded SQLite database is not locked while the
    hub (same database) records the new subject.
    """
    now = now or datetime.now(UTC)
    filer = await current_resident(session, settings, filer_id)
    name, name_errors = check_given_name(given_name)
    reading, reading_errors = check_reading(given_name_kana)
    if name_errors or reading_errors:
        raise _invalid(name_errors + reading_errors)

    credential = verify_birth_certificate(settings, presentation, nonce, now)
    missing = [c for c in REQUIRED_BIRTH_CLAIMS if c not in credential.claims]
    if missing:
        raise _invalid(
            [
                FieldError(
                    "birth_certificate",
                    f"The certificate must disclose: {', '.join(missing)}",
                    f"出生証明書の次の項目を開示してください：{'、'.join(missing)}",
                )
            ]
        )
    if await repository.birth_notification_by_digest(session, credential.digest) is not None:
        raise Problem(
            status=409,
            slug="birth-already-registered",
            title="This birth certificate has already been used for a notification",
            title_ja="この出生証明書による出生届はすでに受理されています",
        )
    claims = credential.claims
    members = await repository.household_members(
        session, filer.household_id, city=settings.municipality_name_ja
    )
    mother = next((m for m in members if m.name == claims["mother_name"] and m.sex == "female"), None)
    if (
        mother is None
        or filer.relation not in ("head", "spouse")
        or mother.relation not in ("head", "spouse")
    ):
        raise Problem(
            status=403,
            slug="not-a-parent",
            title="The filer is not a parent of the child named in the certificate",
            title_ja="届出人が出生証明書の子の父母として確認できません",
            detail="The mother named in the certificate must live in the filer's household, and the filer "
            "must be the mother or her spouse.",
            detail_ja="出生証明書の母が届出人の世帯に属し、届出人が母またはその配偶者である必要があります。",
        )
    sex = claims["sex"]
    if sex not in ("male", "female"):
        raise _invalid(
            [FieldError("birth_certificate", "The child's sex is malformed", "子の性別が不正です")]
        )
    born = _birth_moment(claims["birth_datetime"])
    birth_date = born.date()
    filed_on = now.astimezone(JST).date()
    if birth_date > filed_on:
        raise _invalid([FieldError("birth_certificate", "The birth is in the future", "出生日が未来です")])
    deadline = birth_notification_deadline(birth_date)
    late = filed_on > deadline

    child_code = await mint_code() if mint_code is not None else None
    seq = max(await repository.max_seq(session), REGISTERED_SEQ_BASE) + 1
    surname, _, _ = mother.name.partition("\u3000")
    surname_kana, _, _ = mother.name_kana.partition("\u3000")
    head = next((m for m in members if m.relation == "head"), mother)
    created = now.astimezone(UTC)
    child_id = resident_id(seq)
    await repository.add_residents(
        session,
        [
            repository.resident_row(
                id=child_id,
                seq=seq,
                household_id=filer.household_id,
                relation="child",
                name=f"{surname}\u3000{name}",
                name_kana=f"{surname_kana}\u3000{reading}",
                birth_date=birth_date,
                sex=str(sex),
                # In reality J-LIS assigns the number; here it comes from the same unique sequence.
                individual_number=individual_number_for(seq),
                # Until the insurer confirms the dependant, the registry assumes the head's scheme.
                insurance=head.insurance,
                employment_insured=False,
                annual_income=0,
                expecting_due_date=None,
                hospital_id=None,
                moved_in=birth_date,
                created_at=created,
            )
        ],
    )
    if child_code is not None:
        await repository.add_hub_code(session, child_id, child_code, created)
    await repository.clear_expecting(session, mother.id)
    notification_id = "BN" + secrets.token_hex(8)
    await repository.add_birth_notification(
        session,
        {
            "id": notification_id,
            "parent_resident_id": filer.id,
            "child_resident_id": child_id,
            "birth_date": birth_date,
            "filed_on": filed_on,
            "deadline": deadline,
            "late": late,
            "certificate_issuer": credential.issuer,
            "certificate_digest": credential.digest,
            "claims": {k: v for k, v in claims.items() if k in credential.disclosed},
            "received_at": created,
        },
    )
    child = await repository.get(session, child_id, city=settings.municipality_name_ja)
    assert child is not None
    return BirthRegistration(
        notification_id=notification_id,
        child=child,
        birth_date=birth_date,
        filed_on=filed_on,
        deadline=deadline,
        late=late,
        certificate_issuer=credential.issuer,
        child_code=child_code,
    )


# --- hub codes ----------------------------------------------------------------------------------


async def hub_code(
    session: AsyncSession, settings: Settings, rid: str, register: Callable[[], Awaitable[str]]
) -> str:
    """The resident's hub code, registering the resident with the hub on first need.

    Call before writing anything in the caller's unit of work (the hub shares an embedded
    SQLite database and must be able to write while we wait for it); the code itself is
    stored in a transaction of its own.
    """
    code = await repository.hub_code_of(session, rid)
    if code is not None:
        return code
    await current_resident(session, settings, rid)
    code = await register()
    # The hub has registered the person whatever the caller does next: keep the code in a
    # transaction of its own, so the caller's unit of work holds no write lock meanwhile.

    async with get_database(settings).session() as own:
        await repository.add_hub_code(own, rid, code, datetime.now(UTC))
    return code


async def resident_for_code(session: AsyncSession, settings: Settings, code: str | None) -> ResidentRecord:
    """The current resident a hub code names; 404 without detail for anything else."""
    rid = await repository.resident_of_code(session, code) if code else None
    if rid is None:
        raise Problem(
            status=404,
            slug="unknown-subject",
            title="The person is not known here",
            title_ja="該当する方の記録がありません",
        )
    return await current_resident(session, settings, rid)


async def eligibility_facts(
    session: AsyncSession, settings: Settings, record: ResidentRecord, fiscal_year: int | None = None
) -> dict[str, Any]:
    """Household and resident-tax status of ``record`` (a current resident) from one read of the
    household: the same answers as :func:`household_composition` and :func:`resident_tax_status`."""
    fy = _fiscal_year(fiscal_year)
    members = await _members(session, settings, record)
    return {
        "household": household_of(record, members),
        "resident_tax_status": tax_status_of(record, members, fy),
    }
