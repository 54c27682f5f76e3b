"""First start of the hub (idempotent): member CA, hub key, in-process members, the birth story's services.

In the embedded platform the palm and the three reference agencies (and the card issuer)
run in one process but are members like any other: each gets its own key and certificate
under ``data_dir/members/<id>/`` and reaches the others only through hub HTTP.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from tenohira.core.cities import cities, city_settings, city_url
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.core.progress import ProgressFn
from tenohira.hub import repository as repo
from tenohira.hub import service as svc
from tenohira.hub.events import allow_publisher, subscribe_member
from tenohira.hub.pki import (
    HUB_MEMBER_ID,
    MemberCA,
    MemberCredentials,
    cert_pem,
    hub_dir,
    key_pem,
    load_cert,
    member_dir,
    new_key,
)
from tenohira.hub.runtime import ensure_admin_token, ensure_ticket_key


@dataclass(frozen=True)
class InProcessMember:
    id: str
    name: str
    mount: str | None  # where its services answer in the embedded platform
    roles: tuple[str, ...] = ()
    url: str | None = None  # where it answers when deployed apart (overrides the mount)


IN_PROCESS_MEMBERS = (
    # the palm's base URL is the platform root: the hub delivers events to /api/palm/events
    InProcessMember("palm", "手のひら（住民向け窓口）", "", ("resolve-cards", "read-history")),
    InProcessMember(
        "municipality",
        "手のひら市 住民基本台帳システム",
        "/agencies/municipality",
        ("register-subjects", "link-cards"),
    ),
    InProcessMember("hospital", "手のひら市民病院", "/agencies/hospital", ("resolve-cards",)),
    InProcessMember("insurer", "手のひら健康保険組合", "/agencies/insurer", ("resolve-cards",)),
    InProcessMember("card-issuer", "カード発行機関（J-LIS 相当）", None, ("link-cards",)),
    # the open-data publisher asks for counts only (no person is ever named in its exchanges)
    InProcessMember("opendata", "手のひら市 オープンデータ公開システム", None, ()),
)


@dataclass(frozen=True)
class ServiceSpec:
    provider: str
    name: str
    method: str
    path: str
    legal_basis: str
    description: str
    reveals_third_party: bool = False
    openapi: dict[str, object] = field(default_factory=dict)


def _subject_op(
    summary: str, response: dict[str, object], request: dict[str, object] | None = None
) -> dict[str, object]:
    op: dict[str, object] = {
        "summary": summary,
        "parameters": [
            {
                "name": "Hub-Subject",
                "in": "header",
                "required": True,
                "description": "the person, by the caller's agency code (translated by the hub)",
                "schema": {"type": "string"},
            }
        ],
        "responses": {"200": {"content": {"application/json": {"schema": response}}}},
    }
    if request is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": request}}}
    return op


_OBJ: dict[str, object] = {"type": "object"}

# Legal bases are cited as understood late 2026; "(check)" marks ones not yet confirmed
# against e-Gov 法令検索, as the domain notes ask. Confirmed (issue 15, sources in docs/rules.md):
# 行政手続法 6・7・8, 健康保険法 101 and 施行規則 38 (5 days), 番号法 19条8号 (情報提供ネットワークシステム).
# Second pass (issue 15): 子ども医療費助成 rests on each municipality's ordinance (条例, no national
# law: the domain notes' birth table; the catalogue's child_medical_subsidy) — unmarked.
# Still "(check)" — the web shows them as 未確認 — and what was tried: the domain notes give no source
# for 住民基本台帳法 第7条 / 第30条の15, 番号法 別表 and 第19条第16号 相当 (the tables were reorganised
# in 2023), 地方税法 第22条, デジタル手続法 第6条, 官民データ活用推進基本法 第11条 / 統計法 第2条,
# 国民健康保険法 第58条 (the notes themselves mark it unconfirmed), 本人の求め / 本人の同意 as a basis,
# and the 直接支払制度 and 支援措置, which are administrative notices (実施要綱, 住民基本台帳事務処理要領),
# not laws; the first pass searched the web for each without finding the text (docs/rules.md).
# Where an entry pairs a confirmed article with an unconfirmed one, the mark stands for the
# unconfirmed part: 健康保険法 101 / 国保法 58; 健康保険法 102 (confirmed in the catalogue's
# maternity_allowance) / 番号法 別表; 児童手当法 7 (the notes cite 6-8 for the claim) with 住民基本台帳法 7
# or 本人の求め.
BIRTH_STORY_SERVICES = (
    ServiceSpec(
        "municipality",
        "basic-facts",
        "GET",
        "/services/basic-facts",
        "住民基本台帳法 第30条の15 / 番号法 第19条 (check)",
        "基本4情報（氏名・住所・生年月日・性別）とふりがな",
        openapi=_subject_op("Basic facts of the person", _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "household",
        "GET",
        "/services/household",
        "住民基本台帳法 第7条 / 番号法 別表 (check)",
        "世帯構成（世帯主との続柄、同一世帯の者）",
        reveals_third_party=True,
        openapi=_subject_op("Household composition", _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "resident-tax-status",
        "GET",
        "/services/resident-tax-status",
        "地方税法 第22条の例外としての番号法 第19条第8号 (check)",
        "住民税の課税・非課税の別と所得区分",
        openapi=_subject_op("Resident-tax status", _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "eligibility-facts",
        "GET",
        "/services/eligibility-facts",
        "住民基本台帳法 第7条 / 地方税法 第22条の例外としての番号法 第19条第8号 "
        "（児童手当法 第7条等の認定に必要な世帯・課税情報） (check)",
        "受給資格の確認に必要な事実（世帯構成と住民税の課税・非課税）を一度に",
        reveals_third_party=True,
        openapi=_subject_op("Household composition and resident-tax status in one answer", _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "birth-notification",
        "POST",
        "/services/birth-notifications",
        "戸籍法 第49条〜第52条",
        "出生届の受付（出生証明書の SD-JWT を添えて）",
        openapi=_subject_op("Receive a birth notification", _OBJ, _OBJ),
    ),
    ServiceSpec(
        "hospital",
        "births",
        "GET",
        "/services/births",
        "出産育児一時金等の直接支払制度 (check)",
        "分娩の事実（日付・施設、氏名なし）",
        openapi=_subject_op("The person's births: dates and facility", _OBJ),
    ),
    ServiceSpec(
        "hospital",
        "birth-certificate",
        "GET",
        "/services/birth-certificate",
        "戸籍法 第49条第3項（出生証明書）",
        "出生証明書（SD-JWT VC、親に束縛）",
        openapi=_subject_op("The digital birth certificate for the parent", _OBJ),
    ),
    ServiceSpec(
        "insurer",
        "insurance-type",
        "GET",
        "/services/insurance-type",
        "健康保険法 / 番号法 第19条第8号",
        "加入している医療保険の種別（被用者保険・国保）",
        openapi=_subject_op("Insurance type of the person", _OBJ),
    ),
    ServiceSpec(
        "insurer",
        "add-dependant",
        "POST",
        "/services/dependants",
        "健康保険法施行規則 第38条",
        "被扶養者（異動）届",
        openapi=_subject_op("Add a dependant to the insured person", _OBJ, _OBJ),
    ),
    ServiceSpec(
        "insurer",
        "lump-sum",
        "POST",
        "/services/lump-sum",
        "健康保険法 第101条 / 国民健康保険法 第58条 (check)",
        "出産育児一時金（直接支払制度の請求と状況）",
        openapi=_subject_op("Childbirth lump sum: claim and status", _OBJ, _OBJ),
    ),
    # Applications filed from the palm (issue 5): each deciding agency verifies the card
    # signature over the manifest and decides (rules) or queues for staff.
    ServiceSpec(
        "municipality",
        "presentation-nonce",
        "GET",
        "/services/presentation-nonce",
        "戸籍法 第49条第3項（出生証明書の提示）",
        "資格情報の提示用 nonce（出生証明書を市へ提示するとき）",
        openapi=_subject_op("A nonce for presenting a credential to the municipality", _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "application-intake",
        "POST",
        "/services/applications",
        "行政手続オンライン化法（デジタル手続法）第6条 / 各手続の根拠法 (check)",
        "電子申請の受付（本人の署名付きマニフェストと申請書）と審査",
        openapi=_subject_op("File a signed application (document + manifest + signature)", _OBJ, _OBJ),
    ),
    ServiceSpec(
        "insurer",
        "application-intake",
        "POST",
        "/services/applications",
        "デジタル手続法 第6条 / 健康保険法 (check)",
        "電子申請の受付（被扶養者届・出産育児一時金・出産手当金）と審査",
        openapi=_subject_op("File a signed application (document + manifest + signature)", _OBJ, _OBJ),
    ),
)

# Digital supporters and the staff console (issue 7): the palm asks whether a resident is
# under an address-protection measure before a supporter acts, and staff review the queue.
SUPPORT_SERVICES = (
    ServiceSpec(
        "municipality",
        "protection-status",
        "GET",
        "/services/protection-status",
        "住民基本台帳事務における支援措置（住民基本台帳事務処理要領） (check)",
        "支援措置（DV等）の対象かどうか（はい・いいえのみ）",
        openapi=_subject_op("Whether the person is under an address-protection measure", _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "review-queue",
        "GET",
        "/services/review/queue",
        "行政手続法 第6条（標準処理期間）",
        "職員審査待ちの申請（参照番号・手続・期限・規則の所見のみ）",
        openapi={"summary": "Applications waiting for staff review", "responses": {"200": {}}},
    ),
    ServiceSpec(
        "municipality",
        "review-case",
        "POST",
        "/services/review/case",
        "行政手続法 第7条（審査）",
        "職員審査: 申請書と規則による判定の説明",
        openapi=_subject_op("One queued application with the rules' explanation", _OBJ, _OBJ),
    ),
    ServiceSpec(
        "municipality",
        "review-decision",
        "POST",
        "/services/review/decision",
        "行政手続法 第8条（理由の提示）",
        "職員審査の決定（承認・却下と理由）",
        openapi=_subject_op("Decide a queued application with a reason", _OBJ, _OBJ),
    ),
)
SUPPORT_RIGHTS = (
    (
        "palm",
        "municipality.protection-status",
        "supporter-delegation",
        "支援措置対象者の保護（住民基本台帳事務処理要領） (check)",
        False,
    ),
    ("palm", "municipality.review-queue", "staff-review", "行政手続法 第6条", False),
    ("palm", "municipality.review-case", "staff-review", "行政手続法 第7条", True),
    ("palm", "municipality.review-decision", "staff-review", "行政手続法 第8条", False),
)

# Open data (issue 8): aggregate counts for publication after disclosure control.
OPEN_DATA_SERVICES = (
    ServiceSpec(
        "municipality",
        "statistics",
        "POST",
        "/services/statistics",
        "官民データ活用推進基本法 第11条 / 統計法 第2条 (check)",
        "集計表（件数のみ、個人を特定する情報なし）",
        openapi={"summary": "A table of counts for open data", "responses": {"200": {}}},
    ),
)
OPEN_DATA_RIGHTS = (
    ("opendata", "municipality.statistics", "open-data", "官民データ活用推進基本法 第11条 (check)", False),
)

# (client, service, purpose, legal basis, reveals a third party's affairs)
BIRTH_STORY_RIGHTS = (
    ("palm", "municipality.basic-facts", "prefill", "本人の求め（番号法 第19条第16号 相当） (check)", False),
    ("palm", "municipality.household", "eligibility-check", "本人の求め（児童手当法 第7条） (check)", True),
    ("palm", "municipality.resident-tax-status", "eligibility-check", "本人の求め (check)", False),
    (
        "palm",
        "municipality.eligibility-facts",
        "eligibility-check",
        "本人の求め（児童手当法 第7条 / 番号法 第19条第16号 相当） (check)",
        True,
    ),
    ("palm", "municipality.birth-notification", "birth-notification", "戸籍法 第49条", False),
    ("palm", "hospital.birth-certificate", "birth-notification", "戸籍法 第49条第3項", False),
    ("palm", "insurer.insurance-type", "prefill", "本人の求め (check)", False),
    ("palm", "insurer.add-dependant", "dependant-application", "健康保険法施行規則 第38条", False),
    ("palm", "insurer.lump-sum", "lump-sum-claim", "健康保険法 第101条", False),
    ("municipality", "hospital.birth-certificate", "birth-notification-check", "戸籍法 第49条第3項", False),
    (
        "municipality",
        "insurer.insurance-type",
        "child-medical-subsidy",
        "各市区町村の子ども医療費助成条例",
        False,
    ),
    ("insurer", "municipality.basic-facts", "dependant-check", "番号法 別表 健康保険法関係 (check)", False),
    ("insurer", "municipality.household", "dependant-check", "番号法 別表 健康保険法関係 (check)", True),
    (
        "insurer",
        "municipality.resident-tax-status",
        "dependant-check",
        "番号法 別表 健康保険法関係 (check)",
        False,
    ),
    ("hospital", "insurer.insurance-type", "direct-payment", "出産育児一時金等の直接支払制度 (check)", False),
    ("hospital", "insurer.lump-sum", "direct-payment", "出産育児一時金等の直接支払制度 (check)", False),
    ("insurer", "hospital.births", "direct-payment", "出産育児一時金等の直接支払制度 (check)", False),
    # palm applications (issue 5): prefill once only, presentation nonce, filing
    ("palm", "municipality.household", "prefill", "本人の求め（番号法 第19条第16号 相当） (check)", True),
    ("palm", "municipality.presentation-nonce", "birth-notification", "戸籍法 第49条第3項", False),
    ("palm", "municipality.application-intake", "application", "デジタル手続法 第6条 (check)", False),
    ("palm", "insurer.application-intake", "application", "デジタル手続法 第6条 (check)", False),
    (
        "insurer",
        "municipality.household",
        "benefit-decision",
        "健康保険法 第102条 / 番号法 別表 (check)",
        True,
    ),
    # push (issue 5): after a life event the palm works out what applies to the household
    ("palm", "insurer.insurance-type", "eligibility-check", "本人の求め (check)", False),
)

# Events across the hub: (publisher, topic, legal basis) and (subscriber, topic, path, legal basis).
EVENT_PUBLISHERS = (
    ("municipality", "birth.registered", "戸籍法 第49条 / 住民基本台帳法 第8条（出生による住民票の記載）"),
)
EVENT_SUBSCRIPTIONS = (
    (
        "palm",
        "birth.registered",
        "/api/palm/events",
        "本人への通知（出生に伴う手続の案内）: 本人の同意 (check)",
    ),
)


# The other cities of core/cities.toml: each is the municipality member system again, under its
# own member id, with these of the municipality's services and the palm's rights to them.
CITY_SERVICES = frozenset({"basic-facts", "household", "application-intake"})


def city_members(settings: Settings) -> tuple[tuple[InProcessMember, Settings], ...]:
    """A member per non-primary city, with the settings its credentials are kept under."""
    return tuple(
        (
            InProcessMember(
                c.member,
                f"{c.name_ja} 住民基本台帳システム",
                f"/agencies/cities/{c.code}",
                ("register-subjects", "link-cards"),
                city_url(settings, c),
            ),
            city_settings(settings, c),
        )
        for c in cities(settings)
        if not c.primary
    )


def city_services(settings: Settings) -> tuple[ServiceSpec, ...]:
    """The services each non-primary city publishes (the municipality's, under its member id)."""
    return tuple(
        ServiceSpec(
            member.id,
            s.name,
            s.method,
            s.path,
            s.legal_basis,
            s.description,
            s.reveals_third_party,
            s.openapi,
        )
        for member, _ in city_members(settings)
        for s in BIRTH_STORY_SERVICES
        if s.provider == "municipality" and s.name in CITY_SERVICES
    )


def city_rights(settings: Settings) -> tuple[tuple[str, str, str, str, bool], ...]:
    """The palm's rights to each non-primary city's services (as to the primary city's)."""
    return tuple(
        (client, f"{member.id}.{service_id.partition('.')[2]}", purpose, basis, third)
        for member, _ in city_members(settings)
        for client, service_id, purpose, basis, third in BIRTH_STORY_RIGHTS
        if client == "palm"
        and service_id.startswith("municipality.")
        and service_id.partition(".")[2] in CITY_SERVICES
    )


def move_services(settings: Settings) -> tuple[ServiceSpec, ...]:
    """Every city (the primary one too) receives the move-out facts of people moving in."""
    return tuple(
        ServiceSpec(
            c.member,
            "move-out-facts",
            "POST",
            "/services/move-out-facts",
            "住民基本台帳法 第24条の2（特例転入: 転出地から転入地への通知） (check)",
            "転出証明情報の受付（転出地の市区町村から、転入予定の方について）",
            openapi=_subject_op("Receive the move-out facts of a person moving here", _OBJ, _OBJ),
        )
        for c in cities(settings)
    )


def move_rights(settings: Settings) -> tuple[tuple[str, str, str, str, bool], ...]:
    """Each city may send the move-out facts to each other city (and only that)."""
    return tuple(
        (
            old.member,
            f"{new.member}.move-out-facts",
            "move-out-notice",
            "住民基本台帳法 第24条の2第2項 (check)",
            False,
        )
        for old in cities(settings)
        for new in cities(settings)
        if old.code != new.code
    )


def _hub_keys(settings: Settings, ca: MemberCA) -> None:
    directory = hub_dir(settings)
    if (directory / "hub.key").exists():
        return
    key = new_key()
    cert = ca.issue(HUB_MEMBER_ID, "tenohira hub", key.public_key())
    from tenohira.hub.pki import _write_private

    _write_private(directory / "hub.key", key_pem(key))
    (directory / "hub.pem").write_bytes(cert_pem(cert))


def _prepare_files(settings: Settings) -> MemberCA:
    hub_dir(settings).mkdir(parents=True, exist_ok=True)
    ca = MemberCA.load(settings) if MemberCA.exists(settings) else MemberCA.create(settings)
    _hub_keys(settings, ca)
    ensure_admin_token(settings)
    ensure_ticket_key(settings)
    return ca


async def bootstrap(settings: Settings, progress: ProgressFn) -> None:
    """Create the member CA, the hub key, the in-process members and the birth story's catalogue."""
    settings.ensure_data_dir()
    ca = await asyncio.to_thread(_prepare_files, settings)
    hub_cert = load_cert((hub_dir(settings) / "hub.pem").read_bytes())
    base = settings.resolved_base_url
    total = (
        len(IN_PROCESS_MEMBERS)
        + len(BIRTH_STORY_SERVICES + SUPPORT_SERVICES + OPEN_DATA_SERVICES)
        + len(BIRTH_STORY_RIGHTS + SUPPORT_RIGHTS + OPEN_DATA_RIGHTS)
        + len(EVENT_PUBLISHERS)
        + len(EVENT_SUBSCRIPTIONS)
    )
    done = 0
    members = [(spec, settings) for spec in IN_PROCESS_MEMBERS] + list(city_members(settings))
    services = (
        BIRTH_STORY_SERVICES
        + SUPPORT_SERVICES
        + OPEN_DATA_SERVICES
        + city_services(settings)
        + move_services(settings)
    )
    rights = (
        BIRTH_STORY_RIGHTS + SUPPORT_RIGHTS + OPEN_DATA_RIGHTS + city_rights(settings) + move_rights(settings)
    )
    total += len(members) - len(IN_PROCESS_MEMBERS) + len(services) + len(rights)
    total -= len(BIRTH_STORY_SERVICES + SUPPORT_SERVICES + OPEN_DATA_SERVICES)
    total -= len(BIRTH_STORY_RIGHTS + SUPPORT_RIGHTS + OPEN_DATA_RIGHTS)
    async with get_database(settings).session() as session:
        for spec, own in members:
            base_url = spec.url or (base + spec.mount if spec.mount is not None else None)
            existing = await repo.get_member(session, spec.id)
            # a city's keys are kept with its own data (data_dir/cities/<code>/members/<id>/)
            directory = member_dir(own, spec.id)
            if existing is None or not (directory / "key.pem").exists():
                key = new_key()
                member = await svc.register_member(
                    session,
                    ca,
                    member_id=spec.id,
                    name=spec.name,
                    public_key=key.public_key(),
                    base_url=base_url,
                    roles=spec.roles,
                )
                MemberCredentials(
                    spec.id, key, load_cert(member.certificate_pem), hub_cert, ca.certificate
                ).save(directory)
            else:
                # the port may differ from the last start: keep the embedded base URLs current
                existing.base_url = base_url
                existing.roles = sorted(set(existing.roles or ()) | set(spec.roles))
                (directory / "hub.pem").write_bytes(cert_pem(hub_cert))
            done += 1
            progress("hub: members", done, total)
        await session.flush()
        for s in services:
            await svc.publish_service(
                session,
                provider_id=s.provider,
                name=s.name,
                method=s.method,
                path=s.path,
                legal_basis=s.legal_basis,
                description=s.description,
                openapi=dict(s.openapi),
                reveals_third_party=s.reveals_third_party,
            )
            done += 1
            progress("hub: members", done, total)
        for client, service_id, purpose, basis, third in rights:
            if await repo.find_right(session, client, service_id, purpose) is None:
                await svc.grant(
                    session,
                    client_id=client,
                    service_id=service_id,
                    purpose=purpose,
                    legal_basis=basis,
                    reveals_third_party=third,
                )
            done += 1
            progress("hub: members", done, total)
        for member_id, topic, basis in EVENT_PUBLISHERS:
            await allow_publisher(session, member_id, topic, basis)
            done += 1
            progress("hub: members", done, total)
        for member_id, topic, path, basis in EVENT_SUBSCRIPTIONS:
            await subscribe_member(session, member_id, topic, path, basis)
            done += 1
            progress("hub: members", done, total)
