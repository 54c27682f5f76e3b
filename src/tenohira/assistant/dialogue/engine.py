"""The dialogue: driven by the catalogue and the rules, not by a script per procedure.

One call of :meth:`Dialogue.respond` handles one message. All memory is in ``state`` (a JSON
dict stored with the conversation), so the dialogue continues across requests. Side effects
(household records, applications, help requests) go through :class:`Services`, which the
service layer implements with the palm (when it can reach it) or locally.

Order of handling a message: bad input → asking for a person → a correction (at any point)
→ the answer the current step waits for (read by the field's type) → what the message is
about (life event, procedure, status) → not understood (twice in a row: hand-over).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from tenohira.assistant.dialogue import texts as t
from tenohira.assistant.dialogue.inputs import TYPED_IN_APP, Answer, read_field, screen
from tenohira.assistant.nlu import Understanding, configured_model, understand
from tenohira.core import wording
from tenohira.palm.interfaces import REGISTRY, TYPED, Proposal, Situation, situation_from
from tenohira.procedures import LIFE_EVENTS, FieldSpec, Procedure, deadline_for, load_catalogue
from tenohira.rules import Household, Member

# Agencies whose application intake is reachable through the hub (the palm files with them).
FILED_HERE = frozenset({"municipality", "insurer"})
# Benefits whose amount depends on earnings we do not ask about: eligibility only.
EARNINGS_BASED = frozenset({"maternity_allowance", "childcare_leave_benefit"})
NOMINAL_INCOME = 3_000_000
# Leave is not asked either: an employment-insured mother is taken as planning childcare leave, so
# the plan says the benefit applies to her (the rules pay only declared leave; amounts not shown).
NOMINAL_LEAVE_DAYS = 180
CONFIDENT = 0.6
MISSES_BEFORE_HANDOVER = 2


@dataclass
class Suggestion:
    """A button: what it shows, and the text it sends."""

    label: str
    value: str


@dataclass
class Reply:
    """The assistant's answer: text (``{漢字|かんじ}`` marks in easy Japanese), buttons, the form."""

    text: str
    suggestions: list[Suggestion] = field(default_factory=list)
    form: dict[str, Any] | None = None
    help_request: str | None = None
    intent: str | None = None
    refused: str | None = None  # why the message was refused (empty | long | binary | markup)


@dataclass
class Prepared:
    """A form after the palm (or nothing) prepared it: values, where they came from, what is missing."""

    fields: dict[str, Any]
    sources: dict[str, str]
    missing: list[str]
    application_id: str | None = None
    state: str = "prefilled"


class Services(Protocol):
    """What the dialogue needs from the rest of the platform for one resident."""

    mode: str  # "palm" (applications in the palm) | "local" (prepared here, signed in the app)

    async def situation(self, event: str, event_date: date) -> Situation | None:
        """The resident's situation from the agencies' records (the palm's one source of truth:
        the same facts, dates and rule results as the notices), or None if no agency can give it."""

    async def prepare(self, procedure: Procedure, answers: dict[str, Any]) -> Prepared:
        """Create the application with the resident's answers; agencies' data filled in (once only)."""

    async def update(self, application_id: str, answers: dict[str, Any]) -> Prepared:
        """Change answers of a prepared application."""

    async def confirm(
        self, application_id: str | None, procedure: Procedure, fields: dict[str, Any]
    ) -> Prepared:
        """The resident confirmed the read-back: ready for the card signature in the app."""

    async def applications(self) -> list[dict[str, Any]]:
        """The resident's applications: ``{"procedure", "state", "updated", "id"}``."""

    async def request_help(self, reason: str, language: str) -> str:
        """Open a help request with this conversation attached; its id."""


# Questions asked when no agency can give the household (so the rules can run on the answers).
HOUSEHOLD_QUESTIONS: dict[str, FieldSpec] = {
    "parent_role": FieldSpec.model_validate(
        {
            "name": "parent_role",
            "type": "choice",
            "label": {
                "ja": "お母さんかお父さんか",
                "en": "Mother or father",
                "easy_ja": "お母さんか お父さんか",
            },
            "choices": [
                {"value": "mother", "ja": "母", "en": "mother"},
                {"value": "father", "ja": "父", "en": "father"},
            ],
        }
    ),
    "mother_insurance": FieldSpec.model_validate(
        {
            "name": "mother_insurance",
            "type": "choice",
            "label": {
                "ja": "お母さんの健康保険",
                "en": "The mother's health insurance",
                "easy_ja": "お母さんの 保険",
            },
            "choices": [
                {"value": "employee_self", "ja": "会社の健康保険（本人）", "en": "employee insurance (own)"},
                {
                    "value": "employee_dependant",
                    "ja": "家族の会社の健康保険（扶養）",
                    "en": "employee insurance (as a dependant)",
                },
                {"value": "nhi", "ja": "国民健康保険", "en": "national health insurance"},
            ],
        }
    ),
    "older_children": FieldSpec.model_validate(
        {
            "name": "older_children",
            "type": "count",
            "label": {"ja": "ほかのお子さんの人数", "en": "Other children", "easy_ja": "ほかの 子どもの 数"},
        }
    ),
}
# A household answer that also answers a form field (asked once only).
CARRIED = {"relation_to_child": "parent_role"}


def source_name(member: str, service: str, language: str) -> t.Marked:
    """Who fills a field in, in the resident's words."""
    entry = t.SOURCE_WORDS.get(f"{member}.{service}") or t.AGENCY_WORDS.get(member)
    return t.pick(entry, language) if entry else t.Marked(member)


def _names(procedure: Procedure, language: str) -> str:
    return procedure.names.in_language(language)


def format_date(day: date, language: str) -> str:
    """A date as residents read it (the platform's one wording, :mod:`tenohira.core.wording`)."""
    return t.Marked(wording.date_words(day, wording.as_language(language)))


def choice_label(spec: FieldSpec, value: Any, language: str) -> str:
    for choice in spec.choices or []:
        if choice.value == value:
            return choice.en if language == "en" else choice.ja
    return str(value)


def shown_value(spec: FieldSpec, value: Any, language: str) -> str:
    """A field's value as read back to the resident."""
    if spec.type == "choice":
        return choice_label(spec, value, language)
    if spec.type == "sex":
        return {"male": ("男", "male", "おとこ"), "female": ("女", "female", "おんな")}.get(
            str(value), (str(value),) * 3
        )[{"en": 1, "easy_ja": 2}.get(language, 0)]
    if spec.type == "date":
        try:
            return format_date(date.fromisoformat(str(value)), language)
        except ValueError:
            return str(value)
    if isinstance(value, dict | list):
        return "✓"
    return str(value)


class Dialogue:
    """One resident's conversation state and how it answers the next message."""

    def __init__(self, state: dict[str, Any], language: str, services: Services, *, today: date) -> None:
        self.state = state
        self.language = language
        self.services = services
        self.today = today
        self.catalogue = load_catalogue()

    # --- helpers ---------------------------------------------------------------------------------

    def say(self, key: str, **params: object) -> t.Marked:
        return t.say(key, self.language, **params)

    def yes_no(self) -> list[Suggestion]:
        return [self.button("yes"), self.button("no")]

    def button(self, key: str) -> Suggestion:
        text = t.plain(self.say(key))
        return Suggestion(text, text)

    def choices(self, spec: FieldSpec) -> list[Suggestion]:
        out = []
        for choice in spec.choices or []:
            label = choice.en if self.language == "en" else choice.ja
            out.append(Suggestion(label, label))
        return out

    def reply(self, parts: Sequence[str], suggestions: list[Suggestion] | None = None, **kw: Any) -> Reply:
        return Reply("\n".join(p for p in parts if p), suggestions or [], form=self.form_view(), **kw)

    @property
    def form(self) -> dict[str, Any] | None:
        form = self.state.get("form")
        return form if isinstance(form, dict) else None

    def form_view(self) -> dict[str, Any] | None:
        """The state of the form being filled, for the API (labels and values in the resident's language)."""
        form = self.form
        if form is None:
            return None
        procedure = self.catalogue.get(form["procedure"])
        fields = []
        for spec in procedure.fields:
            value = form["fields"].get(spec.name)
            source = form["sources"].get(spec.name)
            if value is None and source is None and not spec.required:
                continue
            fields.append(
                {
                    "name": spec.name,
                    "label": t.plain(spec.label.in_language(self.language)),
                    "value": value,
                    "shown": shown_value(spec, value, self.language) if value is not None else None,
                    "source": source,
                    "asked": spec.name in form.get("asked", []),
                }
            )
        return {
            "procedure": procedure.id,
            "name": t.plain(_names(procedure, self.language)),
            "stage": self.state.get("stage"),
            "asking": form.get("asking"),
            "application_id": form.get("application_id"),
            "fields": fields,
        }

    async def understand(self, text: str) -> Understanding:
        return await asyncio.to_thread(lambda: understand(text, today=self.today, llm=configured_model()))

    # --- the entry point -------------------------------------------------------------------------

    async def respond(self, raw: object) -> Reply:
        """Answer one message (raw as received)."""
        screened = screen(raw)
        if screened.problem:
            key = {"empty": "bad_empty", "long": "bad_long", "binary": "bad_binary", "markup": "bad_markup"}
            return self.reply([self.say(key[screened.problem], max=1000)], refused=screened.problem)
        text = screened.text
        wanted = language_asked(text)
        if wanted is not None:
            self.language = wanted
            self.state["language_auto"] = False
            self.state["misses"] = 0
            return self.again([self.say("language_set")])
        u = await self.understand(text)
        if self.state.get("language_auto"):
            self.language = u.language
            self.state["language_auto"] = False
        if u.intent == "human_help":
            return await self.hand_over("asked", intent=u.intent)
        correction = u.slots.get("correction") or english_correction(text)
        if isinstance(correction, dict) and (
            self.form
            or self.state.get("done")
            or (correction.get("field") == "date" and self.state.get("event_date"))
        ):
            done = await self.correct(correction, text)
            if done is not None:
                self.state["misses"] = 0
                return done
        handled = await self.waiting_answer(text, u)
        if handled is not None:
            return handled
        return await self.by_intent(text, u)

    def again(self, before: Sequence[str]) -> Reply:
        """The question the conversation is waiting on, asked again (after a change of language)."""
        stage, form = self.state.get("stage"), self.form
        if stage == "ask_date":
            return self.reply([*before, self.ask_date_text()])
        if stage == "ask_household":
            return self.ask_household(HOUSEHOLD_QUESTIONS[self.state["hq"]], before)
        if stage == "offer" and self.state.get("offer") in self.catalogue:
            name = _names(self.catalogue.get(self.state["offer"]), self.language)
            return self.reply([*before, self.say("offer", name=name)], self.yes_no())
        if form is not None and stage == "filling" and form.get("asking"):
            return self.ask_field(self.catalogue.get(form["procedure"]).field(form["asking"]), before)
        if form is not None and stage == "review":
            return self.review(before)
        if form is not None and stage == "choose_fix":
            return self.choose_fix(before)
        return self.reply([*before, self.say("greeting")])

    # --- misunderstanding and hand-over ----------------------------------------------------------

    async def missed(self, again: Reply | None = None) -> Reply:
        self.state["misses"] = int(self.state.get("misses", 0)) + 1
        if self.state["misses"] >= MISSES_BEFORE_HANDOVER and not self.state.get("help_request"):
            return await self.hand_over("not_understood")
        if again is not None:
            again.suggestions.append(self.button("talk_to_person"))
            return again
        return self.reply(
            [self.say("not_understood")],
            [self.button("talk_to_person")],
        )

    async def hand_over(self, reason: str, intent: str | None = None) -> Reply:
        self.state["misses"] = 0
        existing = self.state.get("help_request")
        if existing:
            return self.reply(
                [self.say("already_handed_over", id=existing)], help_request=existing, intent=intent
            )
        request_id = await self.services.request_help(reason, self.language)
        self.state["help_request"] = request_id
        parts = [self.say("handed_over_missed")] if reason == "not_understood" else []
        parts.append(self.say("handed_over", id=request_id))
        return self.reply(parts, help_request=request_id, intent=intent or "human_help")

    # --- what the current step waits for ---------------------------------------------------------

    async def waiting_answer(self, text: str, u: Understanding) -> Reply | None:
        stage = self.state.get("stage")
        rules_no = u.intent == "deny" and u.source == "rules"
        rules_yes = u.intent == "affirm" and u.source == "rules"
        elsewhere = u.intent in LIFE_EVENTS or u.intent == "status" or u.intent in self.catalogue
        if stage == "ask_date":
            answer = read_field(_DATE, text, self.today, u.slots)
            if answer.error is None:
                self.state["misses"] = 0
                return await self.got_event_date(date.fromisoformat(answer.value))
            if elsewhere and u.confidence >= CONFIDENT:
                return None
            return await self.missed(self.reply([self.say(answer.error), self.ask_date_text()]))
        if stage == "ask_household":
            spec = HOUSEHOLD_QUESTIONS[self.state["hq"]]
            answer = read_field(spec, text, self.today, u.slots)
            if answer.error is None:
                self.state["misses"] = 0
                self.state.setdefault("household", {})[spec.name] = answer.value
                return await self.next_household_question([])
            if elsewhere and u.confidence >= CONFIDENT:
                return None
            return await self.missed(self.ask_household(spec, [self.say(answer.error)]))
        if stage == "offer":
            if rules_yes:
                self.state["misses"] = 0
                return await self.open_form(self.state.pop("offer"))
            if rules_no:
                self.state["misses"] = 0
                self.state["stage"] = "idle"
                self.state.pop("offer", None)
                return self.reply([self.say("declined")])
            return None
        if stage == "filling" and self.form is not None:
            if rules_no:
                self.state["misses"] = 0
                return self.cancel_form()
            spec = self.catalogue.get(self.form["procedure"]).field(self.form["asking"])
            if spec.type in ("name_kanji", "name_kana") and (rules_yes or _UNDECIDED.search(text)):
                # "はい" or "まだ決めていません" is not a name: say what is needed, keep the question
                self.state["misses"] = 0
                return self.ask_field(spec, [self.say("name_undecided")] if not rules_yes else [])
            answer = read_field(spec, text, self.today, u.slots)
            if answer.error is None:
                self.state["misses"] = 0
                return await self.accept(spec, answer)
            if elsewhere and u.confidence >= CONFIDENT:
                return None
            again = self.ask_field(spec, [self.say(answer.error, **dict(answer.params))])
            if answer.error in ("invalid_name_chars", "invalid_name_latin", "invalid_kana", "date_in_future"):
                return again  # understood, but not allowed: not a misunderstanding
            return await self.missed(again)
        if stage == "review" and self.form is not None:
            if rules_yes:
                self.state["misses"] = 0
                return await self.finish_form()
            if rules_no or "直" in text or "change" in text.lower():
                self.state["misses"] = 0
                self.state["stage"] = "choose_fix"
                return self.choose_fix([])
            return None
        if stage == "choose_fix" and self.form is not None:
            procedure = self.catalogue.get(self.form["procedure"])
            for spec in procedure.fields:
                label = t.plain(spec.label.in_language(self.language))
                if spec.name in self.form.get("asked", []) and (label in text or text in label):
                    self.state["misses"] = 0
                    self.form["asking"], self.form["editing"] = spec.name, True
                    self.state["stage"] = "filling"
                    return self.ask_field(spec, [])
            if rules_no:
                self.state["stage"] = "review"
                return self.review([])
            return None
        return None

    # --- what the message is about ---------------------------------------------------------------

    async def by_intent(self, text: str, u: Understanding) -> Reply:
        intent = u.intent
        if intent in LIFE_EVENTS:
            self.state["misses"] = 0
            return await self.start_event(intent, u.slots.get("date"))
        if intent == "status":
            self.state["misses"] = 0
            return await self.status(u.slots.get("procedure"))
        if intent in self.catalogue:
            self.state["misses"] = 0
            return self.introduce(self.catalogue.get(intent))
        if intent in ("affirm", "deny") and u.source == "rules":
            self.state["misses"] = 0
            return self.reply([self.say("declined" if intent == "deny" else "greeting")])
        return await self.missed()

    # --- life events -----------------------------------------------------------------------------

    def ask_date_text(self) -> str:
        return self.say(f"ask_date_{self.state['event']}")

    async def start_event(self, event: str, when: object) -> Reply:
        self.state.update(event=event, event_date=None, form=None, queue=[], stage="ask_date")
        if isinstance(when, str):
            return await self.got_event_date(date.fromisoformat(when))
        return self.reply([self.ask_date_text()])

    async def got_event_date(self, day: date) -> Reply:
        if self.state.get("event") == "birth" and day > self.today:
            return self.reply([self.say("date_in_future"), self.ask_date_text()])
        self.state["event_date"] = day.isoformat()
        situation = await self.services.situation(self.state["event"], day)
        if situation is not None:
            self.state["household_source"] = "agency"
            return self.plan(situation)
        if self.state["event"] == "birth" and not self.state.get("household_done"):
            self.state["household"] = {}
            intro = self.say("household_intro", n=len(HOUSEHOLD_QUESTIONS))
            return await self.next_household_question([intro])
        return self.plan(None)

    def from_answers(self, day: date) -> Situation:
        """The situation from the resident's answers (no agency could give the household)."""
        household = household_from_answers(self.state.get("household", {}), day)
        return situation_from(household, self.state["event"], day, self.today, source=TYPED)

    def ask_household(self, spec: FieldSpec, before: Sequence[str]) -> Reply:
        buttons = self.choices(spec) if spec.type == "choice" else []
        return self.reply([*before, self.say(f"q_{spec.name}")], buttons)

    async def next_household_question(self, before: Sequence[str]) -> Reply:
        answers = self.state.setdefault("household", {})
        for name, spec in HOUSEHOLD_QUESTIONS.items():
            if name not in answers:
                self.state["stage"], self.state["hq"] = "ask_household", name
                return self.ask_household(spec, before)
        self.state["household_done"] = True
        self.state["household_source"] = "answers"
        return self.plan(self.from_answers(date.fromisoformat(self.state["event_date"])))

    def plan(self, situation: Situation | None) -> Reply:
        """What applies to this resident for the event: deadlines, amounts, and an offer to start.

        Read from the palm's :class:`Situation` (the notices' facts and rule results); without one
        (no household: an event other than a birth, answered locally) only the catalogue's deadlines."""
        event = self.state["event"]
        before: list[str] = []
        if situation is not None and situation.event_date_source != TYPED:
            typed = self.state.get("event_date")
            self.state["event_date"] = situation.event_date.isoformat()
            if typed != situation.event_date.isoformat():
                key = (
                    "plan_date_registry" if situation.event_date_source == REGISTRY else "plan_date_hospital"
                )
                before.append(self.say(key, date=format_date(situation.event_date, self.language)))
        day = date.fromisoformat(self.state["event_date"])
        lines, skipped, filed, queue = [], [], [], []
        for procedure in self.catalogue.for_event(event):
            if procedure.kind != "procedure":
                continue
            name = t.plain(_names(procedure, self.language))
            if situation is not None and procedure.id in situation.filed:
                filed.append(name)
                continue
            proposal = situation.proposal(procedure.id) if situation is not None else None
            if situation is not None and proposal is None:
                skipped.append(name)
                continue
            deadline = proposal.deadline if proposal is not None else deadline_for(procedure, day)
            lines.append(self.plan_line(procedure, deadline, proposal))
            if procedure.deciding_agency in FILED_HERE and procedure.coverage == "full" and procedure.fields:
                queue.append(procedure.id)
        queue.sort(key=lambda pid: pid != f"{event}_notification")
        separator = ", " if self.language == "en" else "、"
        parts = [*before, self.say("plan_header", event=t.pick(t.EVENT_WORDS[event], self.language)), *lines]
        if filed:
            parts.append(self.say("plan_filed", names=separator.join(filed)))
        if skipped:
            parts.append(
                self.say(
                    "plan_not_applicable",
                    names="、".join(skipped) if self.language != "en" else ", ".join(skipped),
                )
            )
        if self.state.get("household_source") == "answers":
            parts.append(self.say("plan_estimate"))
        self.state["queue"] = queue
        return self.offer_next(parts, first=True)

    def plan_line(self, procedure: Procedure, deadline: date | None, proposal: Proposal | None) -> str:
        if deadline is not None:
            when = format_date(deadline, self.language)
        elif procedure.deadline.kind == "none":
            when = self.say("no_deadline")
        else:
            when = procedure.deadline.description.in_language(self.language)
        amount = ""
        if proposal is not None and proposal.amount is not None:
            if (
                procedure.decision.benefit in EARNINGS_BASED
                and self.state.get("household_source") == "answers"
            ):
                amount = self.say("plan_amount_varies")
            elif proposal.amount_period == "monthly":
                amount = self.say("plan_amount_month", yen=t.yen(proposal.amount))
            else:
                amount = self.say("plan_amount_once", yen=t.yen(proposal.amount))
        if deadline is not None and deadline < self.today:
            amount += self.say("overdue")
        if procedure.deciding_agency not in FILED_HERE:
            amount += self.say(
                "plan_counter",
                agency=t.pick(
                    t.AGENCY_WORDS.get(procedure.deciding_agency, (procedure.deciding_agency,) * 3),
                    self.language,
                ),
            )
        # the pieces are our own texts: keep their reading marks (a plain str would lose them)
        return self.say(
            "plan_line", name=_names(procedure, self.language), deadline=when, amount=t.Marked(amount)
        )

    def offer_next(self, parts: Sequence[str], *, first: bool = False) -> Reply:
        queue = [
            p
            for p in self.state.get("queue", [])
            if p not in {d["procedure"] for d in self.state.get("done", [])}
        ]
        self.state["queue"] = queue
        if not queue:
            self.state["stage"] = "idle"
            return self.reply([*parts, self.say("nothing_to_prepare" if first else "all_done")])
        procedure = self.catalogue.get(queue[0])
        self.state["stage"], self.state["offer"] = "offer", procedure.id
        key = "offer" if first else "offer_next"
        return self.reply([*parts, self.say(key, name=_names(procedure, self.language))], self.yes_no())

    def introduce(self, procedure: Procedure) -> Reply:
        day = self.state.get("event_date")
        deadline = deadline_for(procedure, date.fromisoformat(day)) if day else None
        when = (
            format_date(deadline, self.language)
            if deadline
            else procedure.deadline.description.in_language(self.language)
        )
        parts = [
            self.say(
                "procedure_intro",
                name=_names(procedure, self.language),
                summary=procedure.summary.in_language(self.language),
                deadline=when.rstrip("。."),
            )
        ]
        self.state["queue"] = [procedure.id]
        self.state["event"] = self.state.get("event") or procedure.life_events[0]
        return self.offer_next(parts, first=True)

    # --- filling a form --------------------------------------------------------------------------

    async def open_form(self, procedure_id: str) -> Reply:
        procedure = self.catalogue.get(procedure_id)
        known = dict(self.state.get("answers", {}))
        carried = {}
        for spec in procedure.fields:
            source = CARRIED.get(spec.name)
            if source and source in self.state.get("household", {}):
                carried[spec.name] = self.state["household"][source]
        pending = [
            spec.name
            for spec in procedure.fields
            if spec.required
            and spec.prefill is None
            and spec.type not in TYPED_IN_APP
            and spec.name not in carried
            and spec.name not in known
        ]
        answers = {k: v for k, v in known.items() if k in {s.name for s in procedure.fields}}
        answers.update(carried)
        self.state["form"] = {
            "procedure": procedure.id,
            "fields": answers,
            "sources": {name: "conversation" for name in carried}
            | {s.name: s.prefill.member for s in procedure.fields if s.prefill is not None},
            "pending": pending,
            "asked": [],
            "asking": None,
            "application_id": None,
            "prepared": False,
        }
        return await self.ask_next([])

    def ask_field(self, spec: FieldSpec, before: Sequence[str]) -> Reply:
        hint = {
            "name_kanji": "hint_name_kanji",
            "name_kana": "hint_name_kana",
            "date": "hint_date",
            "count": "hint_number",
            "amount": "hint_number",
            "weight_g": "hint_number",
            "choice": "hint_choice",
        }.get(spec.type)
        label = spec.label.in_language(self.language)
        buttons = self.choices(spec) if spec.type == "choice" else []
        return self.reply(
            [*before, self.say("ask_field", label=label, hint=self.say(hint) if hint else "")], buttons
        )

    async def ask_next(self, before: Sequence[str]) -> Reply:
        form = self.form
        assert form is not None
        procedure = self.catalogue.get(form["procedure"])
        if form["pending"]:
            name = form["pending"][0]
            form["asking"] = name
            self.state["stage"] = "filling"
            return self.ask_field(procedure.field(name), before)
        if not form["prepared"]:
            prepared = await self.services.prepare(procedure, dict(form["fields"]))
            form["prepared"] = True
            self._take(prepared)
            missing = [m for m in prepared.missing if _askable_after_prefill(procedure.field(m))]
            if missing:
                form["pending"] = missing
                return await self.ask_next(before)
        form["asking"] = None
        self.state["stage"] = "review"
        return self.review(before)

    def _take(self, prepared: Prepared) -> None:
        form = self.form
        assert form is not None
        form["application_id"] = prepared.application_id
        form["fields"].update(prepared.fields)
        for name, source in prepared.sources.items():
            form["sources"][name] = source
        form["state"] = prepared.state

    async def accept(self, spec: FieldSpec, answer: Answer) -> Reply:
        form = self.form
        assert form is not None
        values = {spec.name: answer.value}
        procedure = self.catalogue.get(form["procedure"])
        for name, value in answer.also:
            for other in procedure.fields:
                if other.type == name and other.name not in form["sources"]:
                    values[other.name] = value
        if (
            spec.type == "date"
            and spec.name in ("birth_date", "child_birth_date")
            and answer.value > self.today.isoformat()
        ):
            return self.ask_field(spec, [self.say("date_in_future")])
        await self.store(values)
        for name in values:
            if name in form["pending"]:
                form["pending"].remove(name)
            if name not in form["asked"]:
                form["asked"].append(name)
        if form.pop("editing", False):
            form["asking"] = None
            self.state["stage"] = "review"
            return self.review(
                [
                    self.say(
                        "corrected",
                        label=spec.label.in_language(self.language),
                        value=shown_value(spec, answer.value, self.language),
                    )
                ]
            )
        return await self.ask_next([])

    async def store(self, values: dict[str, Any]) -> None:
        form = self.form
        assert form is not None
        form["fields"].update(values)
        if form.get("application_id") and self.services.mode == "palm":
            self._take(await self.services.update(form["application_id"], values))

    def review(self, before: Sequence[str]) -> Reply:
        """Read everything back: what the resident said, and what agencies fill in (grouped by source)."""
        form = self.form
        assert form is not None
        procedure = self.catalogue.get(form["procedure"])
        lines = [self.say("review_header", name=_names(procedure, self.language))]
        later: dict[str, list[str]] = {}
        for spec in procedure.fields:
            value = form["fields"].get(spec.name)
            source = form["sources"].get(spec.name)
            label = spec.label.in_language(self.language)
            shown = shown_value(spec, value, self.language) if value not in (None, "") else ""
            if shown and (source in (None, "conversation") or spec.name in form["asked"]):
                lines.append(self.say("review_line", label=label, value=shown))
            elif shown:
                lines.append(
                    self.say("review_source_line", label=label, value=shown, source=self.source_word(source))
                )
            elif spec.prefill is not None and spec.required:
                later.setdefault(
                    source_name(spec.prefill.member, spec.prefill.service, self.language), []
                ).append(label)
        separator = ", " if self.language == "en" else "、"
        for source, labels in later.items():
            lines.append(self.say("review_prefill_line", label=separator.join(labels), source=source))
        buttons = [*self.yes_no()[:1], self.button("fix")]
        named = any(spec.type == "name_kana" and spec.name in form["asked"] for spec in procedure.fields)
        question = self.say("review_question_names" if named else "review_question")
        return self.reply([*before, *lines, question], buttons)

    def source_word(self, source: str | None) -> str:
        member = (source or "").split(".", 1)[0].split(" ", 1)[0]
        return t.pick(t.AGENCY_WORDS.get(member, (source or "",) * 3), self.language)

    def choose_fix(self, before: Sequence[str]) -> Reply:
        form = self.form
        assert form is not None
        procedure = self.catalogue.get(form["procedure"])
        buttons = []
        for name in form.get("asked", []):
            label = t.plain(procedure.field(name).label.in_language(self.language))
            buttons.append(Suggestion(label, label))
        return self.reply([*before, self.say("choose_fix")], buttons)

    def cancel_form(self) -> Reply:
        form = self.form
        if form is not None:
            self.state.setdefault("done", []).append({"procedure": form["procedure"], "state": "cancelled"})
        self.state["form"] = None
        return self.offer_next([self.say("cancelled")])

    async def finish_form(self) -> Reply:
        form = self.form
        assert form is not None
        procedure = self.catalogue.get(form["procedure"])
        prepared = await self.services.confirm(form.get("application_id"), procedure, dict(form["fields"]))
        name = _names(procedure, self.language)
        if prepared.state == "handed_over":
            agency = t.pick(
                t.AGENCY_WORDS.get(procedure.deciding_agency, (procedure.deciding_agency,) * 3), self.language
            )
            text = self.say("ready_handed_over", name=name, id=prepared.application_id, agency=agency)
        elif prepared.application_id and prepared.missing:
            labels = "、".join(procedure.field(m).label.in_language(self.language) for m in prepared.missing)
            text = self.say("ready_palm_attach", name=name, id=prepared.application_id, labels=labels)
        elif prepared.application_id:
            text = self.say("ready_palm", name=name, id=prepared.application_id)
        else:
            text = self.say("ready_local", name=name)
        done = {
            "procedure": procedure.id,
            "state": prepared.state,
            "application_id": prepared.application_id,
            "fields": dict(form["fields"]),
            "sources": dict(form["sources"]),
            "asked": list(form["asked"]),
            "updated": self.today.isoformat(),
        }
        self.state.setdefault("done", []).append(done)
        self.state["form"] = None
        return self.offer_next([text])

    # --- corrections at any point ----------------------------------------------------------------

    async def correct(self, correction: dict[str, Any], text: str) -> Reply | None:
        kind = {"name": "name_kanji", "name_kana": "name_kana", "date": "date"}.get(
            str(correction.get("field"))
        )
        value = correction.get("value")
        if kind is None or not isinstance(value, str):
            return None
        if kind == "date" and not (
            self.form
            and any(
                s.type == "date" and s.name in self.form["asked"]
                for s in self.catalogue.get(self.form["procedure"]).fields
            )
        ):
            return await self.correct_event_date(value)
        if self.form is None:
            if not self._reopen_last():
                return None
        form = self.form
        assert form is not None
        procedure = self.catalogue.get(form["procedure"])
        targets = [s for s in procedure.fields if s.type == kind and s.name not in _held(form)]
        if not targets:
            return self.reply([self.say("correction_nowhere")])
        spec = next((s for s in targets if s.name in form["asked"]), targets[0])
        slots: dict[str, Any] = (
            {"name": value}
            if kind == "name_kanji"
            else {"name_kana": value}
            if kind == "name_kana"
            else {"date": value}
        )
        answer = read_field(spec, value, self.today, slots)
        if answer.error:
            return self.ask_field(spec, [self.say(answer.error, **dict(answer.params))])
        await self.store({spec.name: answer.value})
        if spec.name in form["pending"]:
            form["pending"].remove(spec.name)
        if spec.name not in form["asked"]:
            form["asked"].append(spec.name)
        note = self.say(
            "corrected",
            label=spec.label.in_language(self.language),
            value=shown_value(spec, answer.value, self.language),
        )
        if self.state.get("stage") == "filling" and form.get("asking") and form["asking"] != spec.name:
            return self.ask_field(procedure.field(form["asking"]), [note])
        if form["pending"]:
            return await self.ask_next([note])
        self.state["stage"] = "review"
        form["asking"] = None
        return self.review([note])

    async def correct_event_date(self, value: str) -> Reply | None:
        """The date of the event was wrong: deadlines (and amounts) are worked out again."""
        if not self.state.get("event_date"):
            return None
        day = date.fromisoformat(value)
        if self.state.get("event") == "birth" and day > self.today:
            return self.reply([self.say("date_in_future")])
        self.state["event_date"] = day.isoformat()
        note = self.say("corrected_date", value=format_date(day, self.language))
        form, stage = self.form, self.state.get("stage")
        if form is not None and stage == "filling" and form.get("asking"):
            return self.ask_field(self.catalogue.get(form["procedure"]).field(form["asking"]), [note])
        if form is not None and stage == "review":
            return self.review([note])
        if stage in ("offer", "idle"):
            if self.state.get("household_source") == "answers":
                situation: Situation | None = self.from_answers(day)
            else:
                situation = await self.services.situation(self.state["event"], day)
            reply = self.plan(situation)
            reply.text = note + "\n" + reply.text
            return reply
        return self.reply([note])

    def _reopen_last(self) -> bool:
        """A correction after a form was finished: reopen it (it goes back to be confirmed again)."""
        for done in reversed(self.state.get("done", [])):
            if done.get("state") in ("ready_to_sign", "confirmed", "prefilled"):
                self.state["done"].remove(done)
                self.state["form"] = {
                    "procedure": done["procedure"],
                    "fields": done["fields"],
                    "sources": done["sources"],
                    "pending": [],
                    "asked": done["asked"],
                    "asking": None,
                    "application_id": done.get("application_id"),
                    "prepared": True,
                }
                return True
        return False

    # --- status ----------------------------------------------------------------------------------

    async def status(self, procedure_id: object) -> Reply:
        apps = await self.services.applications()
        if isinstance(procedure_id, str):
            apps = [a for a in apps if a["procedure"] == procedure_id]
            if not apps and procedure_id in self.catalogue:
                procedure = self.catalogue.get(procedure_id)
                self.state["queue"] = [procedure_id]
                self.state["stage"], self.state["offer"] = "offer", procedure_id
                return self.reply(
                    [self.say("status_none_for", name=_names(procedure, self.language))], self.yes_no()
                )
        if not apps:
            return self.reply([self.say("status_none")])
        lines = [self.say("status_header")]
        for app in apps:
            name = (
                _names(self.catalogue.get(app["procedure"]), self.language)
                if app["procedure"] in self.catalogue
                else app["procedure"]
            )
            state = t.pick(t.STATE_WORDS.get(app["state"], (app["state"],) * 3), self.language)
            lines.append(self.say("status_line", name=name, state=state, date=app.get("updated", "")))
        return self.reply(lines)


_DATE = FieldSpec.model_validate(
    {"name": "event_date", "type": "date", "label": {"ja": "日付", "en": "Date", "easy_ja": "日"}}
)


# Sources the resident brings in the app (the hospital's certificate from their wallet): never asked.
ATTACHED_IN_APP = frozenset({"hospital"})


def _askable_after_prefill(spec: FieldSpec) -> bool:
    """A field the palm could not fill: asked, unless it arrives with something attached in the app."""
    if spec.type in TYPED_IN_APP:
        return False
    return spec.prefill is None or spec.prefill.member not in ATTACHED_IN_APP


_EN_CORRECTION = re.compile(
    r"^(?:no[,.!]?\s*)?(?:the\s+|his\s+|her\s+|its\s+)?(reading|name)\s+(?:is|should be)\s+"
    r"([^\s,.!]+(?:\s[^\s,.!]+)?)",
    re.IGNORECASE,
)


_UNDECIDED = re.compile(
    r"まだ|未定|決ま(って|ってい)?ない|決めて(い)?ない|きまって(い)?ない|わから|分から|わかりません"
    r"|not (yet )?decided|undecided|don'?t know|not sure|haven'?t (decided|chosen)",
    re.IGNORECASE,
)

_LANGUAGE_ASKED = (
    (
        re.compile(
            r"(やさしい|簡単な|かんたんな|易しい)\s*(日本語|にほんご)|easy japanese"
            r"|(日本語|にほんご)が\s*(難しい|むずかしい|わからない|分からない|苦手)",
            re.I,
        ),
        "easy_ja",
    ),
    (re.compile(r"英語で|えいごで|^(in )?english( please)?[.!]?$|speak english|english, please", re.I), "en"),
    (re.compile(r"(^|[^い])日本語で(話|はな|お願い|おねがい)|^(in )?japanese( please)?[.!]?$", re.I), "ja"),
)


def language_asked(text: str) -> str | None:
    """The language the resident asks to be answered in (英語で話して, English please, やさしい日本語で)."""
    for pattern, language in _LANGUAGE_ASKED:
        if pattern.search(text.strip()):
            return language
    return None


def english_correction(text: str) -> dict[str, str] | None:
    """ "No, the reading is Yuito" / "the name is 陽太" (the understanding reads Japanese ones)."""
    match = _EN_CORRECTION.match(text.strip())
    if not match:
        return None
    field = "name_kana" if match.group(1).lower() == "reading" else "name"
    return {"field": field, "value": match.group(2)}


def _held(form: dict[str, Any]) -> set[str]:
    """Fields an agency holds (never corrected here: the agency's record is corrected at the agency)."""
    return {
        n
        for n, s in form["sources"].items()
        if s != "conversation" and n not in form["asked"] and n in form["fields"]
    }


def household_from_answers(answers: dict[str, Any], birth: date) -> Household:
    """A household for the rules from the resident's answers (an estimate: ages of parents and
    older children are not asked; parents are taken as 30, older children as 6)."""
    from tenohira.core.config import get_settings

    insurance = str(answers.get("mother_insurance", "nhi"))
    parent_birth = (
        birth.replace(year=birth.year - 30)
        if not (birth.month == 2 and birth.day == 29)
        else birth - timedelta(days=30 * 365)
    )
    mother = Member(
        id="mother",
        role="parent",
        sex="female",
        birth_date=parent_birth,
        insurance="employee" if insurance.startswith("employee") else "nhi",
        insured_person=insurance == "employee_self" if insurance.startswith("employee") else None,
        employment_insured=insurance == "employee_self",
        # Earnings are not asked: a nominal salary lets the rules decide eligibility for the
        # earnings-based benefits, whose amounts the dialogue then does not show.
        annual_income=NOMINAL_INCOME if insurance == "employee_self" else 0,
        childcare_leave_days=NOMINAL_LEAVE_DAYS if insurance == "employee_self" else 0,
    )
    # The father is counted only as the insured person of a dependant mother: nothing else is asked.
    father = Member(id="father", role="parent", sex="male", birth_date=parent_birth, insurance="employee")
    older = [
        Member(id=f"child{i + 1}", role="child", birth_date=birth - timedelta(days=365 * 6 + i))
        for i in range(int(answers.get("older_children", 0)))
    ]
    baby = Member(id="baby", role="child", birth_date=birth)
    parents = [mother, father] if insurance == "employee_dependant" else [mother]
    return Household(municipality=get_settings().municipality_code, members=[*parents, *older, baby])
