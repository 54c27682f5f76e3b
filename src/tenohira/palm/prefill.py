"""Prefill, once only: every field an agency already holds is fetched through the hub, never asked.

The catalogue names, for each field, who holds it (``prefill: {member, service}``). Those
names describe the data, not wire services, so this module maps them onto the hub services
the palm is entitled to (purpose ``prefill``) or onto what the resident already filed in the
palm (the birth notification's certificate). A source that has no system here (an employer,
Hello Work, the public-funds account registry…) is not pretended: the field is asked.

Agency-code fields (a person "as the agency knows them") are filled with a reference the
deciding agency resolves itself — ``hub-subject`` (the applicant, whom the hub names by the
agency's own code) or ``newborn`` (the child registered by the applicant's birth notification)
— because the palm never holds another agency's code.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import structlog

from tenohira.credentials import b64url_decode, split
from tenohira.hub import HubClient, HubResponseError
from tenohira.procedures import FieldSpec, Procedure

log = structlog.get_logger("tenohira.palm.prefill")

SELF = "hub-subject"
NEWBORN = "newborn"


@dataclass
class PrefillContext:
    """What one prefill run may use: the palm's codes and a cache of hub answers (one fetch each)."""

    client: HubClient
    code: str
    child_code: str | None = None
    birth_fields: dict[str, Any] = field(default_factory=dict)  # the filed birth notification's fields
    birth_reference: str | None = None  # the municipality's acceptance of that notification
    answers: dict[tuple[str, str], dict[str, Any] | None] = field(default_factory=dict)
    exchanges: list[str] = field(default_factory=list)

    async def fetch(
        self, service: str, subject: str | None, purpose: str = "prefill"
    ) -> dict[str, Any] | None:
        """One hub answer per (service, subject) for the whole run; None when refused or unknown."""
        if subject is None:
            return None
        key = (service, subject)
        if key not in self.answers:
            try:
                answer = await self.client.call(service, subject_code=subject, purpose=purpose, method="GET")
            except (HubResponseError, OSError) as exc:
                log.warning("prefill fetch failed", service=service, error=str(exc))
                self.answers[key] = None
                return None
            if answer.exchange_id:
                self.exchanges.append(answer.exchange_id)
            self.answers[key] = answer.json() if answer.ok else None
            if not answer.ok:
                log.info("prefill source refused", service=service, status=answer.status)
        return self.answers[key]


def certificate_claims(presentation: str) -> dict[str, Any]:
    """The claims disclosed in an SD-JWT presentation (read for prefill only; the municipality verifies)."""
    try:
        jwt, disclosures, _ = split(presentation)
        claims: dict[str, Any] = {}
        payload = json.loads(b64url_decode(jwt.split(".")[1]))
        claims.update({k: v for k, v in payload.items() if not k.startswith("_")})
        for enc in disclosures:
            item = json.loads(b64url_decode(enc))
            if isinstance(item, list) and len(item) == 3:
                claims[str(item[1])] = item[2]
        return claims
    except Exception:  # malformed input is reported by the municipality's verification
        return {}


def fields_from_certificate(claims: dict[str, Any]) -> dict[str, Any]:
    """The birth notification fields the hospital's certificate answers."""
    out: dict[str, Any] = {}
    if claims.get("sex") in ("male", "female"):
        out["child_sex"] = claims["sex"]
    moment = str(claims.get("birth_datetime") or "")
    if len(moment) >= 16:
        out["birth_date"], out["birth_time"] = moment[:10], moment[11:16]
    place = claims.get("birth_place")
    if isinstance(place, dict):
        out["birth_place"] = " ".join(str(place.get(k)) for k in ("address", "name") if place.get(k))
    if claims.get("birth_weight_g") is not None:
        out["birth_weight_g"] = claims["birth_weight_g"]
    plurality = claims.get("plurality")
    if isinstance(plurality, dict) and plurality.get("count"):
        out["number_of_babies"] = plurality["count"]
    return out


_PERSON_REFERENCES = {
    "mother_resident": SELF,
    "mother": SELF,
    "claimant": SELF,
    "recipient": SELF,  # 児童手当 額改定: the parent receiving files it
    "insured_person": SELF,
    "head_of_household": "household:head",
    "household": "household",
    "child": NEWBORN,
}


async def _value(spec: FieldSpec, ctx: PrefillContext) -> tuple[Any, str] | None:
    """The value of one field from its source, and a description of the source; None: ask."""
    assert spec.prefill is not None
    member, service = spec.prefill.member, spec.prefill.service
    name = spec.name
    if (member, service) == ("palm", "card_basic_facts"):
        facts = await ctx.fetch("municipality.basic-facts", ctx.code)
        if facts is None:
            return None
        value = facts.get("address") if name.endswith("address") else facts.get("name")
        return (value, "municipality.basic-facts") if value else None
    if (member, service) == ("municipality", "household_members"):
        household = await ctx.fetch("municipality.household", ctx.code)
        if household is None:
            return None
        if name == "child":
            return (NEWBORN, "municipality.household") if ctx.child_code else None
        return _PERSON_REFERENCES.get(name, "household"), "municipality.household"
    if (member, service) == ("municipality", "resident_record"):
        if name.startswith("child") or name == "relation":
            facts = await ctx.fetch("municipality.basic-facts", ctx.child_code)
            if facts is None:
                return None
            value = {
                "child": NEWBORN,
                "child_name": facts.get("name"),
                "child_name_kana": facts.get("name_kana"),
                "child_birth_date": facts.get("birth_date"),
                "child_sex": facts.get("sex"),
                "relation": "child",
            }.get(name)
            return (value, "municipality.basic-facts (child)") if value else None
        if name in _PERSON_REFERENCES:
            facts = await ctx.fetch("municipality.basic-facts", ctx.code)
            return (_PERSON_REFERENCES[name], "municipality.basic-facts") if facts else None
        return None
    if (member, service) == ("insurer", "insurance_status"):
        subject = ctx.child_code if name.startswith("child") else ctx.code
        kind = await ctx.fetch("insurer.insurance-type", subject)
        if kind is None:
            return None
        if spec.type == "choice":
            return kind.get("insurance"), "insurer.insurance-type"
        return (NEWBORN if name.startswith("child") else SELF), "insurer.insurance-type"
    if (member, service) == ("hospital", "birth_certificate"):
        # what the resident already filed: the certificate presented with the birth notification
        if name == "birth_certificate" and ctx.birth_reference:
            return {"registered_birth": ctx.birth_reference}, "municipality (birth notification accepted)"
        value = ctx.birth_fields.get(name)
        if value is None and name == "due_date":
            return None
        return (value, "hospital.birth-certificate (as filed)") if value is not None else None
    return None  # no system holds it here: ask the resident


async def prefill(procedure: Procedure, fields: dict[str, Any], ctx: PrefillContext) -> dict[str, str]:
    """Fill every empty field a source holds (in place); return field → source for those filled."""
    sources: dict[str, str] = {}
    for spec in procedure.fields:
        if spec.prefill is None or fields.get(spec.name) not in (None, ""):
            continue
        found = await _value(spec, ctx)
        if found is not None and found[0] not in (None, ""):
            fields[spec.name], sources[spec.name] = found
    return sources
