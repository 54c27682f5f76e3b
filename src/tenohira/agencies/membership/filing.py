"""What every deciding agency checks on a signed application filed through the hub.

Neutral ground for the agencies' intake services (municipality, insurer): the body of a filing,
the envelope check (the document's digest in the signed manifest) and the card signature
verification with only public material (CA chain + CRL), and the signer-is-the-applicant check.
"""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from tenohira.core.problems import FieldError, Problem
from tenohira.core.signed_documents import EnvelopeError, check_envelope
from tenohira.identity import SignerInfo, TrustStore, verify_document_signature

M = TypeVar("M", bound=BaseModel)


class IntakeIn(BaseModel):
    """One application filed through the hub: the document, the signed manifest, the signature."""

    model_config = ConfigDict(extra="forbid")

    application_id: str = Field(min_length=1, max_length=64, description="the filer's own reference")
    procedure: str = Field(min_length=1, max_length=64)
    document: str = Field(max_length=200_000, description="canonical JSON document, base64")
    manifest: str = Field(max_length=200_000, description="the manifest signed once, base64")
    signature: str = Field(max_length=50_000, description="detached CMS signature over the manifest, base64")


def parse_body(model: type[M], body: Any) -> M:
    """``body`` (a hub request's JSON) as ``model``, or a 422 problem naming each invalid field."""
    try:
        return model.model_validate(body or {})
    except ValidationError as exc:
        raise Problem(
            status=422,
            slug="invalid-input",
            title="Invalid input",
            title_ja="入力内容に誤りがあります",
            errors=[
                FieldError(".".join(str(p) for p in e["loc"]) or "body", e["msg"], "入力内容に誤りがあります")
                for e in exc.errors()
            ],
        ) from exc


def parse_intake(body: Any) -> IntakeIn:
    """The filing body, or a 422 problem with field errors."""
    return parse_body(IntakeIn, body)


def not_handled(procedure: str) -> Problem:
    """This agency does not decide ``procedure`` (the palm hands it over instead)."""
    return Problem(
        status=422,
        slug="procedure-not-handled",
        title="This procedure is not decided here",
        title_ja="この手続は当機関では受け付けていません",
        errors=[
            FieldError("procedure", f"{procedure} is not decided here", f"{procedure} は受け付けていません")
        ],
    )


def _b64(value: str, field: str) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise Problem(
            status=422,
            slug="invalid-input",
            title="Invalid input",
            title_ja="入力内容に誤りがあります",
            errors=[FieldError(field, "Not base64", "base64 形式ではありません")],
        ) from exc


def envelope_problem(exc: EnvelopeError) -> Problem:
    """An envelope failure as a problem (the reason is the slug)."""
    return Problem(
        status=422,
        slug=exc.reason,
        title="The signed application does not hold together",
        title_ja="署名された申請の内容が一致しません",
        detail=exc.message,
        detail_ja=exc.message_ja,
        extra={"reason": exc.reason},
    )


class Filing:
    """A verified filing: the parsed document, the raw bytes and who signed."""

    def __init__(
        self, doc: dict[str, Any], document: bytes, manifest: bytes, signature: bytes, signer: SignerInfo
    ) -> None:
        self.doc = doc
        self.document = document
        self.manifest = manifest
        self.signature = signature
        self.signer = signer

    @property
    def fields(self) -> dict[str, Any]:
        """The fields the applicant filed (and signed)."""
        return dict(self.doc.get("fields") or {})


def verify_filing(body: IntakeIn, *, agency: str, trust: TrustStore, now: datetime | None = None) -> Filing:
    """Check the envelope (digest in the manifest, addressed to ``agency``) and the card signature.

    The signature is verified against the CA chain and the CRL in ``trust`` (revoked, expired,
    untrusted or wrong-kind certificates are refused with identity's reason).
    """
    document, manifest, signature = (
        _b64(body.document, "document"),
        _b64(body.manifest, "manifest"),
        _b64(body.signature, "signature"),
    )
    try:
        doc = check_envelope(document, manifest, agency=agency)
    except EnvelopeError as exc:
        raise envelope_problem(exc) from exc
    if doc.get("application_id") != body.application_id or doc.get("procedure") != body.procedure:
        raise envelope_problem(
            EnvelopeError(
                "document-mismatch",
                "The document names another application or procedure",
                "申請書が別の申請・手続を指しています",
            )
        )
    signer = verify_document_signature(manifest, signature, trust=trust, now=now)
    return Filing(doc, document, manifest, signature, signer)


def same_person(signer: SignerInfo, name: str, birth_date: date) -> bool:
    """Whether the signing certificate names this person (name without spacing, and date of birth)."""

    def norm(s: str) -> str:
        return "".join(s.replace("\u3000", " ").split())

    return norm(signer.facts.name) == norm(name) and signer.facts.birth_date == birth_date


def signer_not_subject() -> Problem:
    """The card that signed is not the person the application is filed for."""
    return Problem(
        status=403,
        slug="signer-not-subject",
        title="The application was signed by someone else",
        title_ja="申請者本人の署名ではありません",
        detail="The signing certificate's name and date of birth do not match the applicant.",
        detail_ja="署名用電子証明書の氏名・生年月日が申請者と一致しません。",
    )


async def fetch_trust(base_url: str) -> TrustStore:
    """The CA chain and current CRLs from the platform's ``/pki/`` (fresh: a revocation counts at once)."""
    return await TrustStore.fetch(base_url)


async def stored_answer(
    session: AsyncSession, model: Any, client_member: str, client_reference: str
) -> dict[str, Any] | None:
    """The answer already given to this filing (``model``: an agency's received-applications
    table, unique on client member + client reference), marked ``replayed``; None if new."""
    stored = (
        await session.execute(
            sa.select(model).where(
                model.client_member == client_member,
                model.client_reference == client_reference,
            )
        )
    ).scalar_one_or_none()
    return None if stored is None else {**stored.answer, "replayed": True}


async def store_once(session: AsyncSession, received: Any) -> dict[str, Any] | None:
    """Store a received application (a row with ``client_member``, ``client_reference`` and
    ``answer``, unique on the first two); ``None`` when stored.

    When the same filing arrived twice at once and the other request stored it first, this
    one's effects are rolled back and the stored answer comes back, marked ``replayed`` — an
    agency never decides one filing twice.
    """
    session.add(received)
    try:
        await session.flush()
    except sa.exc.IntegrityError:
        await session.rollback()
        answer = await stored_answer(
            session, type(received), received.client_member, received.client_reference
        )
        assert answer is not None, "a unique violation names a stored filing"
        return answer
    return None
