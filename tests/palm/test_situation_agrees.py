"""The assistant and the notices tell the same household the same deadlines and amounts, on any date.

Property-style over households (insurance, a spouse or not, older children of any age, incomes) and
dates (the birth, the day the resident asks, the day they say — 「昨日」 is often not the register's
date): the notices are what the push computes for the registry's ``birth.registered`` event; the
assistant's answer is the text the dialogue writes from the palm's situation for the typed date.
Every procedure a notice asks for appears in the assistant's answer with the same deadline and
the same yen amount; a procedure already filed is offered by neither.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tenohira.assistant.dialogue import texts as t
from tenohira.assistant.dialogue.engine import Dialogue, Prepared, format_date
from tenohira.palm.push.service import HouseholdFacts, build_household, event_situation
from tenohira.palm.situation import Situation, resolve_event_date, situation_from
from tenohira.procedures import Procedure


class Services:
    """The dialogue's services with the palm's situation computed from ``facts`` (no hub)."""

    mode = "palm"

    def __init__(self, facts: HouseholdFacts, today: date, filed: dict[str, str]) -> None:
        self.facts, self.today, self.filed = facts, today, filed

    async def situation(self, event: str, event_date: date) -> Situation | None:
        household = build_household(self.facts, "999999")
        day, source = resolve_event_date(household, event, self.today, typed=event_date, certified=None)
        return situation_from(household, event, day, self.today, source=source, filed=self.filed)

    async def prepare(self, procedure: Procedure, answers: dict[str, Any]) -> Prepared:
        raise AssertionError("not reached")

    async def update(self, application_id: str, answers: dict[str, Any]) -> Prepared:
        raise AssertionError("not reached")

    async def confirm(
        self, application_id: str | None, procedure: Procedure, fields: dict[str, Any]
    ) -> Prepared:
        raise AssertionError("not reached")

    async def applications(self) -> list[dict[str, Any]]:
        return []

    async def request_help(self, reason: str, language: str) -> str:
        raise AssertionError("not reached")


def member(relation: str, born: date, insurance: str, income: int, sex: str | None = None) -> dict[str, Any]:
    return {
        "relation": relation,
        "birth_date": born.isoformat(),
        "sex": sex,
        "is_subject": relation == "head",
        "insurance": insurance,
        "employment_insured": insurance == "employee" and income > 0,
        "annual_income": income,
    }


@st.composite
def cases(draw: st.DrawFn) -> tuple[HouseholdFacts, date, date, date]:
    birth = draw(st.dates(date(2025, 4, 1), date(2027, 3, 31)))
    today = birth + timedelta(days=draw(st.integers(0, 60)))
    typed = min(today, birth + timedelta(days=draw(st.integers(-10, 10))))
    insurance = draw(st.sampled_from(["employee", "nhi"]))
    income = draw(st.sampled_from([0, 1_500_000, 4_000_000, 9_000_000]))
    members = [member("head", birth - timedelta(days=365 * 31), insurance, income, "female")]
    if draw(st.booleans()):
        spouse_insurance = draw(st.sampled_from(["employee", "nhi"]))
        members.append(
            member("spouse", birth - timedelta(days=365 * 33), spouse_insurance, 5_000_000, "male")
        )
    for age_days in draw(st.lists(st.integers(400, 365 * 20), max_size=3)):
        members.append(member("child", birth - timedelta(days=age_days), insurance, 0))
    members.append(member("child", birth, insurance, 0, "female"))  # registered: the register's date
    facts = HouseholdFacts(
        household={"members": members},
        tax={"status": draw(st.sampled_from(["taxable", "exempt"]))},
        insurance={"insurance": insurance},
    )
    return facts, birth, today, typed


async def assistant_answer(
    facts: HouseholdFacts, today: date, typed: date, language: str, filed: dict[str, str]
) -> str:
    dialogue = Dialogue({"stage": "start", "misses": 0}, language, Services(facts, today, filed), today=today)
    dialogue.state["event"] = "birth"
    reply = await dialogue.got_event_date(typed)
    return t.plain(reply.text)


def line_of(text: str, name: str) -> str:
    found = [
        line
        for line in text.splitlines()
        if line.lstrip("・- ").startswith(name + " ") or f"{name}（" in line or f"{name} (" in line
    ]
    assert found, f"{name!r} not in the assistant's answer:\n{text}"
    return found[0]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=cases(), language=st.sampled_from(["ja", "en", "easy_ja"]))
async def test_assistant_and_notices_agree(
    case: tuple[HouseholdFacts, date, date, date], language: str
) -> None:
    facts, birth, today, typed = case
    notices = event_situation(facts, "birth.registered", {"birth_date": birth.isoformat()}, today, "999999")
    text = await assistant_answer(facts, today, typed, language, {})
    for proposal in notices.proposals:
        if proposal.kind != "procedure" or proposal.procedure.kind != "procedure":
            continue
        line = line_of(text, t.plain(proposal.procedure.names.in_language(language)))
        if proposal.deadline is not None:
            assert t.plain(format_date(proposal.deadline, language)) in line, (line, proposal.deadline)
        amounts = re.findall(r"(\d[\d,]*)\s*(?:円|えん)|¥(\d[\d,]*)", line)
        shown = {int((a or b).replace(",", "")) for a, b in amounts}
        if proposal.amount is not None:
            assert shown == {proposal.amount}, (line, proposal.amount)
        else:
            assert not shown, line  # no amount the notices do not give (the lump sum's remainder)
    # each procedure is listed once
    names = [line for line in text.splitlines() if line.startswith(("・", "- "))]
    assert len(names) == len(set(names))


@settings(max_examples=40, deadline=None)
@given(case=cases())
async def test_filed_procedures_are_not_offered(case: tuple[HouseholdFacts, date, date, date]) -> None:
    facts, _birth, today, typed = case
    text = await assistant_answer(facts, today, typed, "ja", {"birth_notification": "A1"})
    assert "提出済みの手続き：出生届" in text
    assert "・出生届（" not in text and "「出生届」の準備" not in text


async def test_yesterday_is_the_registers_date() -> None:
    """Told 「昨日」 on 2 December, the deadline is counted from the register's birth on 20 November."""
    birth, today = date(2026, 11, 20), date(2026, 12, 2)
    facts = HouseholdFacts(
        household={
            "members": [
                member("head", date(1994, 5, 1), "nhi", 0, "female"),
                member("child", birth, "nhi", 0),
            ]
        },
        tax={"status": "exempt"},
        insurance={"insurance": "nhi"},
    )
    text = await assistant_answer(facts, today, today - timedelta(days=1), "ja", {})
    assert f"住民票の記録では、生まれた日は{format_date(birth, 'ja')}です。" in text
    assert f"・出生届（期限：{format_date(date(2026, 12, 3), 'ja')}）" in text
    notices = event_situation(facts, "birth.registered", {"birth_date": birth.isoformat()}, today, "999999")
    allowance = notices.proposal("child_allowance_claim")
    assert allowance is not None and allowance.amount is not None
    assert f"月額 {allowance.amount:,}円" in line_of(text, "児童手当 認定請求")
