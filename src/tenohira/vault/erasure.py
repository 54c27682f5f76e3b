"""Erase one person everywhere: crypto-shred their data key at every holder that keeps data about them.

Each holder seals what it keeps about a person under its own key id for them (docs/vault.md):

=============  ==============================================  ===================================
holder         key ids                                         found from
=============  ==============================================  ===================================
registry       ``R0000123`` (the resident id)                  the request itself
insurer        ``I00000001`` … (insured person / dependant)    ``ins_persons.hub_code``
hospital       ``P000001`` (patient; her birth records too)    ``hosp_patients.hub_code``
palm           the palm code                                   the hub's code for member ``palm``
notify         ``notify:<recipient>``                          ``palm:<code>``, the registry id,
                                                               ``card:<serial>`` (their cards)
assistant      ``assistant:<owner>``                           ``palm:<code>``, ``holder:<id>``,
                                                               ``card:<serial>``
supporters     ``supporters:<code>``                           the palm code
hub            ``hub-subject:<subject>`` (log digests)         the hub's subject
=============  ==============================================  ===================================

The holders know the person by unlinkable codes; the only place that links them is the hub's
mapping (subject → each member's code, and the cards linked to the subject). So the
orchestration goes *through the hub's mapping*: registry id → the municipality's hub code →
the subject → every member's code → each holder's own ids; then each holder's keys are
shredded in the vault. In the embedded deployment the holders share one vault, so that is
one ``Vault.shred`` per key id. Only the id and code columns of the holders' tables are read
(never a personal column), and nothing is written to them.

Legal retention is respected, not pretended away: a holder with a retention rule
(:data:`RETENTION`) keeps its key and is reported as ``kept`` with the legal basis.

The erasure is recorded in the transparency log as ``vault:erase`` with a random erasure id as
subject and only per-holder outcomes and counts as attributes: no person id, no code, no name.
The log stays verifiable (its tree is over entry digests, nothing in it is removed).

Running it again is harmless: keys already destroyed are reported ``already erased``.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from tenohira.audit import append_event
from tenohira.core.config import Settings
from tenohira.core.db import get_database
from tenohira.vault.service import Vault, open_vault

__all__ = ["HOLDERS", "RETENTION", "Erasure", "HolderOutcome", "erase_everywhere", "resolve_holders"]

# The holders, in the order they are reported.
HOLDERS = ("registry", "insurer", "hospital", "palm", "notify", "assistant", "supporters", "hub")

# Holders that must keep their records by law: they are not shredded, the outcome says why.
RETENTION: dict[str, str] = {
    # a current resident's 住民票 is the registry itself; a removed one becomes a 除票, kept 150 years
    "registry": (
        "住民基本台帳法 第6条（住民票の作成・記録）、同法施行令 第34条第1項（除票の保存期間 150年）"
        " — the resident registry must keep the record"
    ),
}

# Member ids of the holders in the hub's mapping (tenohira.hub.bootstrap.IN_PROCESS_MEMBERS).
MUNICIPALITY, INSURER, HOSPITAL, PALM = "municipality", "insurer", "hospital", "palm"


@dataclass
class HolderOutcome:
    """What happened at one holder: ``erased``, ``already erased``, ``kept``, ``no data`` or ``failed``."""

    holder: str
    outcome: str
    keys: int = 0  # key ids of this person at this holder
    shredded: int = 0  # destroyed by this run
    legal_basis: str | None = None
    detail: str | None = None


@dataclass
class Erasure:
    """The report of one erase-everywhere run."""

    erasure_id: str
    person: str
    holders: list[HolderOutcome] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every holder either erased, had nothing, or keeps the data on a legal basis."""
        return all(h.outcome != "failed" for h in self.holders)

    def as_dict(self) -> dict[str, Any]:
        return {"erasure_id": self.erasure_id, "person": self.person, "complete": self.complete} | {
            "holders": [asdict(h) for h in self.holders]
        }


async def _column(settings: Settings, sql: str, **params: Any) -> list[str]:
    """One id column of a holder's table (its own short read; an absent table reads as no rows)."""
    try:
        async with get_database(settings).session() as session:
            return [str(v) for v in (await session.execute(sa.text(sql), params)).scalars() if v is not None]
    except DBAPIError as exc:  # the module is not deployed here (no such table)
        if "no such table" in str(exc) or "does not exist" in str(exc):
            return []
        raise


async def resolve_holders(settings: Settings, resident_id: str) -> dict[str, list[str]]:
    """Every holder's key ids for the resident ``resident_id``, found through the hub's mapping
    (and, for the palm side's references, the cards issued to them)."""
    keys: dict[str, list[str]] = {h: [] for h in HOLDERS}
    keys["registry"] = await _column(settings, "SELECT id FROM muni_residents WHERE id = :r", r=resident_id)
    # the cards issued to them (identity knows the holder by the registry id): a session of such a
    # card may be addressed as ``card:<serial>`` or by the registry id where the palm cannot resolve it
    cards = await _column(
        settings,
        "SELECT serial FROM identity_certificates WHERE holder_ref = :r AND kind = 'auth'",
        r=resident_id,
    )
    palm_codes: list[str] = []
    muni = await _column(settings, "SELECT code FROM muni_hub_codes WHERE resident_id = :r", r=resident_id)
    subjects = (
        await _column(
            settings,
            "SELECT subject_id FROM hub_agency_codes WHERE member_id = :m AND code = :c",
            m=MUNICIPALITY,
            c=muni[0],
        )
        if muni
        else []
    )
    if subjects:  # introduced to the hub: the other members may know them
        subject = subjects[0]
        keys["hub"] = [f"hub-subject:{subject}"]

        async def code_of(member: str) -> list[str]:
            return await _column(
                settings,
                "SELECT code FROM hub_agency_codes WHERE member_id = :m AND subject_id = :s",
                m=member,
                s=subject,
            )

        linked = await _column(
            settings, "SELECT card_serial FROM hub_card_links WHERE subject_id = :s", s=subject
        )
        cards = list(dict.fromkeys([*cards, *linked]))
        for code in await code_of(INSURER):
            keys["insurer"] += await _column(
                settings, "SELECT id FROM ins_persons WHERE hub_code = :c", c=code
            )
        for code in await code_of(HOSPITAL):
            keys["hospital"] += await _column(
                settings, "SELECT id FROM hosp_patients WHERE hub_code = :c", c=code
            )
        palm_codes = await code_of(PALM)
    keys["palm"] = list(palm_codes)
    # notify's recipients: palm:<code>, the card, the registry id (identity's holder reference);
    # the assistant's owners: palm:<code>, holder:<registry id>, card:<serial>
    cards_refs = [f"card:{s}" for s in cards]
    palm_refs = [f"palm:{c}" for c in palm_codes]
    keys["notify"] = [f"notify:{r}" for r in [*palm_refs, resident_id, *cards_refs]]
    keys["assistant"] = [f"assistant:{r}" for r in [*palm_refs, f"holder:{resident_id}", *cards_refs]]
    keys["supporters"] = [f"supporters:{c}" for c in palm_codes]
    return keys


def _shred_holder(vault: Vault, holder: str, ids: Sequence[str]) -> HolderOutcome:
    states = vault.key_states(ids)
    live = [p for p, s in states.items() if s == "live"]
    gone = [p for p, s in states.items() if s == "shredded"]
    known = len(live) + len(gone)
    if not known:
        return HolderOutcome(holder, "no data", keys=0)
    if holder in RETENTION:
        if live:
            return HolderOutcome(holder, "kept", keys=known, legal_basis=RETENTION[holder])
        return HolderOutcome(holder, "already erased", keys=known, legal_basis=RETENTION[holder])
    for pid in live:
        vault.shred(pid)
    return HolderOutcome(holder, "erased" if live else "already erased", keys=known, shredded=len(live))


async def erase_everywhere(
    settings: Settings, resident_id: str, *, actor: str, dry_run: bool = False
) -> Erasure:
    """Erase the resident ``resident_id`` at every holder (where the law allows) and log it.

    Returns the per-holder report. Idempotent. With ``dry_run`` nothing is shredded or logged
    (the report says what would happen: outcomes ``would erase`` / ``kept`` / ``no data``).
    """

    vault = await open_vault(settings)
    keys = await resolve_holders(settings, resident_id)
    report = Erasure(erasure_id="E" + secrets.token_hex(8), person=resident_id)
    for holder in HOLDERS:
        ids = keys.get(holder, [])
        try:
            if dry_run:
                states = await asyncio.to_thread(vault.key_states, ids)
                known = sum(1 for s in states.values() if s != "none")
                live = sum(1 for s in states.values() if s == "live")
                outcome = (
                    "no data"
                    if not known
                    else "kept"
                    if holder in RETENTION and live
                    else "would erase"
                    if live
                    else "already erased"
                )
                report.holders.append(
                    HolderOutcome(holder, outcome, keys=known, legal_basis=RETENTION.get(holder))
                )
                continue
            report.holders.append(await asyncio.to_thread(_shred_holder, vault, holder, ids))
        except Exception as exc:  # one holder's failure is reported, the others still run
            report.holders.append(HolderOutcome(holder, "failed", keys=len(ids), detail=type(exc).__name__))
    if dry_run:
        return report
    attributes = {h.holder: f"{h.outcome}:{h.shredded}/{h.keys}" for h in report.holders}
    attributes["complete"] = "yes" if report.complete else "no"
    async with get_database(settings).session() as session:
        await append_event(
            session, type="vault:erase", actor=actor, subject=report.erasure_id, attributes=attributes
        )
    return report
