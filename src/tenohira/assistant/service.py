"""Conversations: start, send a message, read back — persisted, one resident each.

The dialogue itself (:mod:`tenohira.assistant.dialogue.engine`) is pure logic over a JSON
state; this module loads and stores that state, keeps the transcript, decides who the
resident is, and gives the dialogue its :class:`Services`:

- **palm** — the resident's card resolves to the palm's code (through the hub): forms become
  palm applications (create → prefill once through the hub → update → confirm); the card
  signature then happens in the app/CLI. Status answers read the palm's applications.
- **local** — the palm cannot resolve the card here (no hub credentials, e.g. a bare API
  test, or a card not linked yet): forms are prepared and kept in the conversation, read
  back, and left "ready to sign" in the app; status answers read those.

Nothing is written before the dialogue has made its hub calls (the embedded hub may share an
SQLite database with us); the messages and state are written at the end of the request.
"""

from __future__ import annotations

import copy
import secrets
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
import structlog
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from tenohira.assistant.dialogue import texts as t
from tenohira.assistant.dialogue.engine import Dialogue, Prepared, Reply
from tenohira.assistant.models import Conversation, Message
from tenohira.core.clock import JST, today_jst
from tenohira.core.config import get_settings
from tenohira.core.problems import Problem
from tenohira.identity import Principal
from tenohira.palm.interfaces import Situation
from tenohira.procedures import Procedure
from tenohira.vault import open_vault

log = structlog.get_logger("tenohira.assistant")
LANGUAGES = ("ja", "en", "easy_ja")
REFUSED_PLACEHOLDER = "[refused: {}]"


def not_found() -> Problem:
    """A conversation that does not exist or belongs to someone else (indistinguishable)."""
    return Problem(
        status=404,
        slug="assistant-conversation-not-found",
        title="No such conversation",
        title_ja="会話が見つかりません",
    )


# --- who the resident is -----------------------------------------------------------------------


async def resident_of(session: AsyncSession, principal: Principal) -> tuple[str, str | None]:
    """The conversation owner for a logged-in card, and the palm's code when the palm can resolve it."""
    from tenohira.palm import code_for_card

    # conversations are sealed by the vault; open it (a no-op once open) before any write
    await open_vault(get_settings())

    try:
        code = await code_for_card(session, principal.card_serial)
        return f"palm:{code}", code
    except Problem as exc:
        if exc.slug not in ("member-credentials-missing", "palm-card-not-linked"):
            raise
    if principal.holder_ref:
        return f"holder:{principal.holder_ref}", None
    return f"card:{principal.card_serial}", None


# --- services the dialogue uses ----------------------------------------------------------------


class _Base:
    def __init__(
        self,
        session: AsyncSession,
        owner: str,
        conversation: Conversation,
        transcript: list[dict[str, Any]],
        resident_code: str | None = None,
    ):
        self.session = session
        self.owner = owner
        self.resident_code = resident_code or owner  # the palm's code where known (as supporters see it)
        self.conversation = conversation
        self.transcript = transcript
        self.live_state: dict[str, Any] = conversation.state  # the dialogue's state while it runs
        self.today: date = today_jst()  # the dialogue's today (set by send_message)

    async def situation(self, event: str, event_date: date) -> Situation | None:
        # No agency gives the household to the palm for a card it cannot resolve: the dialogue asks.
        return None

    async def request_help(self, reason: str, language: str) -> str:
        from tenohira.supporters import request_help

        request = await request_help(
            self.session,
            self.resident_code,
            f"assistant:{self.conversation.id}",
            self.transcript,
            reason=reason,
            language=language,
        )
        self.conversation.help_request_id = request.id
        return request.id

    async def local_forms(self) -> list[dict[str, Any]]:
        rows = await self.session.scalars(sa.select(Conversation).where(Conversation.owner == self.owner))
        out = []
        for row in rows:
            state = self.live_state if row.id == self.conversation.id else row.state
            for done in state.get("done", []):
                if done.get("state") not in (None, "cancelled"):
                    out.append(
                        {
                            "procedure": done["procedure"],
                            "state": done["state"],
                            "updated": done.get("updated", ""),
                            "id": done.get("application_id"),
                        }
                    )
        return out


class LocalServices(_Base):
    """Forms prepared and kept in the conversation (the palm cannot resolve this card here)."""

    mode = "local"

    async def prepare(self, procedure: Procedure, answers: dict[str, Any]) -> Prepared:
        return Prepared(fields={}, sources={}, missing=[])

    async def update(self, application_id: str, answers: dict[str, Any]) -> Prepared:
        return Prepared(fields={}, sources={}, missing=[])

    async def confirm(
        self, application_id: str | None, procedure: Procedure, fields: dict[str, Any]
    ) -> Prepared:
        return Prepared(fields={}, sources={}, missing=[], state="ready_to_sign")

    async def applications(self) -> list[dict[str, Any]]:
        return await self.local_forms()


class PalmServices(_Base):
    """Forms become palm applications (prefilled once through the hub; signed with the card in the app)."""

    mode = "palm"

    def __init__(
        self,
        session: AsyncSession,
        owner: str,
        conversation: Conversation,
        transcript: list[dict[str, Any]],
        *,
        code: str,
        actor: str,
    ) -> None:
        super().__init__(session, owner, conversation, transcript, resident_code=code)
        self.code = code
        self.actor = actor

    async def situation(self, event: str, event_date: date) -> Situation | None:
        """The palm's situation of this resident (the notices' facts and rule results: the register's
        and the hospital's dates over the typed one, filed procedures); None if the hub cannot say."""
        from tenohira.palm.interfaces import FactsUnavailable, situation_of

        try:
            return await situation_of(self.session, self.code, event, today=self.today, typed_date=event_date)
        except (FactsUnavailable, Problem, ValueError) as exc:
            log.info("situation not available through the hub", error=str(exc))
            return None

    def _ctx(self) -> Any:
        from tenohira.palm.interfaces import PalmContext

        return PalmContext.for_code(self.code, self.actor)

    @staticmethod
    def _prepared(app: Any) -> Prepared:
        from tenohira.palm.interfaces import missing_fields

        editable = app.state in ("draft", "prefilled", "confirmed")
        missing = [e.field for e in missing_fields(app)] if editable else []
        return Prepared(
            fields=dict(app.fields),
            sources={k: str(v) for k, v in app.sources.items()},
            missing=missing,
            application_id=app.id,
            state=app.state,
        )

    async def prepare(self, procedure: Procedure, answers: dict[str, Any]) -> Prepared:
        from tenohira.palm.interfaces import create

        try:
            app = await create(self.session, self._ctx(), procedure.id, answers)
        except Problem as exc:
            # The hub or an agency is unreachable: keep preparing here; the resident files in the app.
            log.warning("palm application not created", procedure=procedure.id, problem=exc.slug)
            return Prepared(fields={}, sources={}, missing=[])
        return self._prepared(app)

    async def update(self, application_id: str, answers: dict[str, Any]) -> Prepared:
        from tenohira.palm.interfaces import get_application, update_fields

        app = await get_application(self.session, self.code, application_id)
        try:
            app = await update_fields(self.session, self._ctx(), app, answers)
        except Problem as exc:
            log.info("palm application not updated", application=application_id, problem=exc.slug)
        return self._prepared(app)

    async def confirm(
        self, application_id: str | None, procedure: Procedure, fields: dict[str, Any]
    ) -> Prepared:
        from tenohira.palm.interfaces import confirm, get_application

        if application_id is None:
            return Prepared(fields={}, sources={}, missing=[], state="ready_to_sign")
        app = await get_application(self.session, self.code, application_id)
        if app.state == "prefilled":
            try:
                app = await confirm(self.session, self._ctx(), app)
            except Problem as exc:
                # e.g. the hospital's certificate is attached in the app (a credential, not typed here)
                prepared = self._prepared(app)
                prepared.missing = [e.field for e in exc.errors] or prepared.missing
                return prepared
        return self._prepared(app)

    async def applications(self) -> list[dict[str, Any]]:
        from tenohira.palm.interfaces import list_applications, status_of

        apps = await list_applications(self.session, self.code)
        out = [
            {
                "procedure": a.procedure_id,
                "state": status_of(a),
                "updated": a.updated_at.astimezone(JST).date().isoformat(),
                "id": a.id,
            }
            for a in apps
        ]
        known = {a["id"] for a in out}
        return out + [f for f in await self.local_forms() if f["id"] not in known]


# --- conversations -----------------------------------------------------------------------------


def reply_json(reply: Reply, language: str) -> dict[str, Any]:
    """A reply as the API returns it: ``text`` (reading marks in easy Japanese) and ``text_plain``."""
    return {
        "text": reply.text,
        "text_plain": t.plain(reply.text),
        "language": language,
        "suggestions": [asdict(s) for s in reply.suggestions],
        "form": reply.form,
        "help_request": reply.help_request,
        "refused": reply.refused,
    }


async def _messages(session: AsyncSession, conversation_id: str) -> list[Message]:
    rows = await session.scalars(
        sa.select(Message).where(Message.conversation_id == conversation_id).order_by(Message.seq)
    )
    return list(rows)


async def start_conversation(
    session: AsyncSession, principal: Principal, *, language: str | None = None
) -> tuple[Conversation, dict[str, Any]]:
    """A new conversation for the logged-in resident, and the assistant's greeting."""
    owner, _ = await resident_of(session, principal)
    now = datetime.now(UTC)
    lang = language if language in LANGUAGES else "ja"
    conversation = Conversation(
        id="C" + secrets.token_hex(8),
        owner=owner,
        language=lang,
        state={"stage": "start", "misses": 0, "language_auto": language is None},
        help_request_id=None,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    greeting = Reply(t.say("greeting", lang))
    body = reply_json(greeting, lang)
    session.add(
        Message(
            conversation_id=conversation.id,
            owner=conversation.owner,
            seq=1,
            role="assistant",
            text=greeting.text,
            intent=None,
            data={"suggestions": body["suggestions"]},
            created_at=now,
        )
    )
    await session.flush()
    return conversation, body


async def get_conversation(session: AsyncSession, principal: Principal, conversation_id: str) -> Conversation:
    """The resident's own conversation (404 for anyone else's)."""
    owner, _ = await resident_of(session, principal)
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.owner != owner:
        raise not_found()
    return conversation


async def transcript_of(session: AsyncSession, conversation: Conversation) -> list[dict[str, Any]]:
    """Every message, oldest first: role, text (with reading marks in easy Japanese), plain text, when."""
    return [
        {
            "seq": m.seq,
            "role": m.role,
            "text": m.text,
            "text_plain": t.plain(m.text),
            "intent": m.intent,
            "suggestions": (m.data or {}).get("suggestions", []),
            "form": (m.data or {}).get("form"),
            "at": m.created_at.isoformat(),
        }
        for m in await _messages(session, conversation.id)
    ]


async def send_message(
    session: AsyncSession,
    principal: Principal,
    conversation_id: str,
    raw: object,
    *,
    today: date | None = None,
) -> dict[str, Any]:
    """Handle one message of the resident; returns the reply (also stored with the message)."""
    owner, code = await resident_of(session, principal)
    conversation = await session.get(Conversation, conversation_id)
    if conversation is None or conversation.owner != owner:
        raise not_found()
    history = await _messages(session, conversation.id)
    now = datetime.now(UTC)
    from tenohira.assistant.dialogue.inputs import screen

    screened = screen(raw)
    stored_text = screened.text if screened.problem is None else REFUSED_PLACEHOLDER.format(screened.problem)
    transcript = [
        {"role": m.role, "text": t.plain(m.text), "at": m.created_at.isoformat()} for m in history
    ] + [{"role": "resident", "text": stored_text, "at": now.isoformat()}]
    state = copy.deepcopy(conversation.state)  # nested changes must differ from the loaded value
    services: LocalServices | PalmServices
    if code is not None:
        services = PalmServices(
            session, owner, conversation, transcript, code=code, actor=f"card:{principal.card_serial}"
        )
    else:
        services = LocalServices(session, owner, conversation, transcript)
    services.today = today or today_jst()
    dialogue = Dialogue(state, conversation.language, services, today=services.today)
    services.live_state = dialogue.state
    reply = await dialogue.respond(raw)
    # Write only now: the dialogue's hub calls are done.
    conversation.state = dict(dialogue.state)
    conversation.language = dialogue.language
    conversation.updated_at = now
    body = reply_json(reply, dialogue.language)
    seq = (history[-1].seq if history else 0) + 1
    session.add(
        Message(
            conversation_id=conversation.id,
            owner=conversation.owner,
            seq=seq,
            role="resident",
            text=stored_text,
            intent=reply.intent,
            data={"refused": screened.problem} if screened.problem else None,
            created_at=now,
        )
    )
    session.add(
        Message(
            conversation_id=conversation.id,
            owner=conversation.owner,
            seq=seq + 1,
            role="assistant",
            text=reply.text,
            intent=None,
            data={"suggestions": body["suggestions"], "form": reply.form},
            created_at=now,
        )
    )
    try:
        await session.flush()
    except StaleDataError as exc:
        # another message of this conversation was handled meanwhile (version column)
        raise Problem(
            status=409,
            slug="assistant-conversation-busy",
            title="The conversation changed meanwhile: send the message again",
            title_ja="同時に別のメッセージが届きました。もう一度送ってください",
        ) from exc
    return body


def conversation_json(conversation: Conversation, transcript: list[dict[str, Any]]) -> dict[str, Any]:
    """A conversation as GET returns it."""
    state = conversation.state
    last_form = next((m for m in reversed(transcript) if m["role"] == "assistant"), None)
    return {
        "id": conversation.id,
        "language": conversation.language,
        "stage": state.get("stage"),
        "event": state.get("event"),
        "event_date": state.get("event_date"),
        "help_request": conversation.help_request_id,
        "prepared": [
            {"procedure": d["procedure"], "state": d["state"], "application_id": d.get("application_id")}
            for d in state.get("done", [])
        ],
        "suggestions": last_form["suggestions"] if last_form else [],
        "form": last_form["form"] if last_form else None,
        "created_at": conversation.created_at.isoformat(),
        "updated_at": conversation.updated_at.isoformat(),
        "messages": transcript,
    }
