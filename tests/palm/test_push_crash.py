"""kill -9 of the whole platform at every critical point of the push path: nothing lost, nothing twice.

The platform (``tenohira run``: municipality, hub, palm, dispatcher, notify in one process) runs
as a subprocess. For each crash point, it is started with ``TENOHIRA_CRASH_AT=<point>``; a birth
is registered (the municipality's outbox event, exactly as its registration writes it); the
process SIGKILLs itself at that point; it is restarted without the fault and left to settle.
At the end every birth has exactly one hub event, one delivery (delivered, one access-history
entry), one stored event at the palm, the same notices as the birth that met no fault (once
per procedure), one inbox message and exactly one email in the mailbox.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from tenohira.core import get_database, get_settings, reset_settings
from tenohira.core.db import dispose_databases
from tenohira.events import publish
from tenohira.events.models import OutboxEvent
from tenohira.hub.models import AccessHistoryEntry, EventDelivery, HubEvent
from tenohira.notify.models import InboxMessage, OutgoingEmail
from tenohira.palm.push.models import Notice, ReceivedEvent
from tests.conftest import free_port

POINTS = (
    "municipality.relay.before_hub",  # outbox committed, nothing relayed yet
    "municipality.relay.after_hub",  # the hub accepted, our processed record not committed
    "hub.event.accepted",  # event and deliveries committed, publisher not answered, nothing sent
    "hub.delivery.before_send",
    "palm.event.stored",  # the palm committed the event, the hub has no answer
    "hub.delivery.after_send",  # the palm answered, the delivery not marked
    "palm.push.after_notices",  # notices written, not committed
    "palm.push.after_notify",  # inbox and email queued, not committed
)
RESIDENT = "R0000002"
EMAIL = "parent@example.jp"


def _start(port: int, crash_at: str | None, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TENOHIRA_LOG_LEVEL": "WARNING"}
    env.pop("TENOHIRA_CRASH_AT", None)
    if crash_at:
        env["TENOHIRA_CRASH_AT"] = crash_at
    exe = Path(sys.executable).with_name("tenohira")
    with log.open("ab") as out:
        out.write(f"--- start (crash at {crash_at})\n".encode())
        proc = subprocess.Popen(
            [str(exe), "run", "--port", str(port)], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"the platform exited while starting ({proc.returncode}):\n{tail}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/hub/health", timeout=2).status_code in (200, 503):
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError("the platform did not start")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def _birth(code: str, n: int) -> str:
    """The municipality's outbox event, as ``announce_birth`` writes it with the registration."""
    async with get_database().session() as s:
        return await publish(
            s,
            "birth.registered",
            {
                "notification_id": f"CRASH{n:04d}",
                "municipality": get_settings().municipality_code,
                "birth_date": "2026-11-20",
                "filed_on": "2026-11-25",
                "deadline": "2026-12-03",
                "late": False,
                "client_member": "palm",
                "child_ticket": None,
                "subject_code": code,
            },
            key=f"CRASH{n:04d}",
        )


async def _state(outbox_id: str) -> dict[str, Any]:
    async with get_database().session() as s:
        event = (await s.scalars(sa.select(HubEvent).where(HubEvent.publisher_event_id == outbox_id))).all()
        out: dict[str, Any] = {"hub_events": len(event)}
        if len(event) == 1:
            deliveries = (
                await s.scalars(sa.select(EventDelivery).where(EventDelivery.event_id == event[0].id))
            ).all()
            out["delivered"] = [d.delivered_at is not None for d in deliveries]
            out["received"] = await s.scalar(
                sa.select(sa.func.count())
                .select_from(ReceivedEvent)
                .where(ReceivedEvent.event_id == event[0].id)
            )
            out["notices"] = sorted(
                (await s.scalars(sa.select(Notice.procedure_id).where(Notice.event_id == event[0].id))).all()
            )
            out["history"] = await s.scalar(
                sa.select(sa.func.count())
                .select_from(AccessHistoryEntry)
                .where(AccessHistoryEntry.exchange_id.in_([d.id for d in deliveries]))
            )
        out["emails"] = dict(
            (
                await s.execute(sa.select(OutgoingEmail.state, sa.func.count()).group_by(OutgoingEmail.state))
            ).all()
        )
        out["outbox_pending"] = await s.scalar(
            sa.select(sa.func.count()).select_from(OutboxEvent).where(OutboxEvent.dispatched_at.is_(None))
        )
    return out


async def _settled(
    outbox_id: str, births: int, expected: list[str] | None, timeout: float = 90
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    state: dict[str, Any] = {}
    while time.monotonic() < deadline:
        state = await _state(outbox_id)
        if (
            state["hub_events"] == 1
            and state.get("delivered") == [True]
            and state.get("received") == 1
            and state.get("notices")
            and (expected is None or state["notices"] == expected)
            and state["emails"].get("delivered", 0) == births
            and state["outbox_pending"] == 0
        ):
            return state
        await asyncio.sleep(0.3)
    raise AssertionError(f"did not settle: {state}")


@pytest.mark.slow
@pytest.mark.timeout(900)
async def test_kill_9_at_every_push_point(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    port = free_port()
    log = tmp_path / "platform.log"
    monkeypatch.setenv("TENOHIRA_PORT", str(port))
    monkeypatch.setenv("TENOHIRA_DEMO_RESIDENTS", "200")
    reset_settings()
    proc = _start(port, None, log)
    try:
        from tenohira.agencies.membership import close_member_clients
        from tenohira.agencies.municipality import hub_code_for_resident
        from tenohira.hub import service as hub_service
        from tenohira.palm.people import set_contact

        async with get_database().session() as s:
            code = await hub_code_for_resident(s, RESIDENT)
        async with get_database().session() as s:
            subject = await hub_service.subject_for_code(s, "municipality", code)
            palm_code = await hub_service.code_for(s, "palm", subject)
        async with get_database().session() as s:
            await set_contact(s, palm_code, email=EMAIL, language="ja")
        await close_member_clients()

        # the birth that meets no fault says what every other birth must end with
        baseline = await _settled(await _birth(code, 0), 1, None)
        expected = baseline["notices"]
        assert len(expected) == len(set(expected)) and "child_medical_subsidy" in expected

        births = 1
        for point in POINTS:
            _stop(proc)
            proc = _start(port, point, log)
            outbox_id = await _birth(code, births)
            births += 1
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired as exc:
                raise AssertionError(f"{point}: the platform never reached the crash point") from exc
            assert proc.returncode == -signal.SIGKILL, f"{point}: exit {proc.returncode}"
            proc = _start(port, None, log)
            state = await _settled(outbox_id, births, expected)
            assert state["history"] == 1, point

        await asyncio.sleep(1.5)  # anything done twice would show up now
        async with get_database().session() as s:
            assert await s.scalar(sa.select(sa.func.count()).select_from(HubEvent)) == births
            assert await s.scalar(sa.select(sa.func.count()).select_from(ReceivedEvent)) == births
            assert await s.scalar(sa.select(sa.func.count()).select_from(Notice)) == births * len(expected)
            inbox = await s.scalar(
                sa.select(sa.func.count())
                .select_from(InboxMessage)
                .where(InboxMessage.template == "push_notices")
            )
            assert inbox == births
            assert await s.scalar(sa.select(sa.func.count()).select_from(OutgoingEmail)) == births
        mailbox = get_settings().data_dir / "mailbox"
        mails = [p for p in mailbox.glob("*.eml") if "Subject" in p.read_text(errors="replace")]
        assert len(mails) == births, sorted(p.name for p in mailbox.iterdir())
    finally:
        _stop(proc)
        await dispose_databases()
