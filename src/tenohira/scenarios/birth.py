"""The birth story as one command: every step through the platform's HTTP APIs.

Against a fresh embedded instance this starts itself (temporary data directory, free port,
``tenohira run`` in a subprocess, a small demo population) or against ``--url``:

1. the municipality counter issues a card to the expectant mother (``tenohira card issue``: the
   counter's own tool, which links the card at the hub);
2. card login (challenge → the card signs → login, bearer session);
3. the hospital's digital birth certificate, bound to a wallet key held here;
4. the birth notification: created and prefilled, the certificate presented with key binding
   over the municipality's nonce, confirmed, signed with the card, submitted (Idempotency-Key,
   submitted twice: filed once);
5. push notices (``GET /api/notices``), waited for;
6. "do them for me" on the noticed procedures: one set, one card signature, every filing;
7. decisions, emails (the local mailbox of the embedded instance), access history.

The summary is JSON; any failed step makes ``ok`` false (and the command exit non-zero).
"""

from __future__ import annotations

import base64
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import httpx

from tenohira.core.clock import today_jst
from tenohira.credentials import generate_key, present, public_jwk
from tenohira.identity import CardSimulator
from tenohira.scenarios.instance import (
    PASSWORD,
    PIN,
    Instance,
    Report,
    StepFailed,
    check,
    issue_card,
    start_embedded,
)

DEMO_MOTHER = "R0000002"  # household 1 of the demo world: due three days before the reference date
CHILD_NAME, CHILD_KANA = "陽葵", "ひまり"
# Without push notices (the push service is not there) every birth procedure of the catalogue
# is filed (the agencies decide which apply); this list only if the catalogue API is missing.
# The summary says which list was used.
FALLBACK_PROCEDURES = (
    "child_allowance_claim",
    "child_medical_subsidy",
    "employee_insurance_dependant",
    "childbirth_lump_sum",
    "maternity_allowance",
    "childcare_leave_benefit",
)
# What the resident types for fields no agency holds (the bank account for public funds, …).
ANSWERS: dict[str, Any] = {
    "bank_account": {"bank": "手のひら銀行", "branch": "本店", "type": "普通", "number": "1234567"},
    "supported_older_children": 0,
    "delivery_cost": 480_000,
    "obstetric_compensation_scheme": True,
    "spouse_leave_days": 0,
}


def _answer(question: dict[str, Any], today: date) -> Any:
    """A plausible answer to a question by its type (what the resident would type)."""
    kind = question["type"]
    if question.get("choices"):
        return question["choices"][0]
    return {
        "date": today.isoformat(),
        "time": "12:00",
        "amount": 0,
        "count": 1,
        "weight_g": 3000,
        "boolean": True,
        "bank_account": ANSWERS["bank_account"],
        "document": "紙で提出済み / submitted on paper",
        "text": "なし",
        "sex": "female",
    }.get(kind, "なし")


def run_story(
    url: str | None,
    *,
    card_dir: Path | None = None,
    data_dir: Path | None = None,
    resident: str = DEMO_MOTHER,
    residents: int = 60,
    email: str = "parent@example.jp",
    notice_wait: float = 15.0,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, Any]:
    """Run the whole story; return the summary (``ok`` false if any step failed)."""

    report = Report()
    summary: dict[str, Any] = {
        "ok": False,
        "birth_notification": None,
        "notices": [],
        "applications": [],
        "emails_sent": 0,
        "access_history_entries": 0,
    }
    workdir = Path(tempfile.mkdtemp(prefix="tenohira-scenario-"))
    instance: Instance | None = None
    started = time.perf_counter()
    try:
        with report.step("instance") as d:
            if url:
                env = dict(os.environ)
                # the counter's `tenohira card issue` links the card at this instance's hub
                env.setdefault("TENOHIRA_BASE_URL", url.rstrip("/"))
                if data_dir:
                    env["TENOHIRA_DATA_DIR"] = str(Path(data_dir).resolve())
                instance = Instance(url.rstrip("/"), env, data_dir)
            else:
                instance = start_embedded(workdir, residents, progress)
            d.update(url=instance.url, embedded=url is None)
        base = instance.url
        http = httpx.Client(base_url=base, timeout=60)

        with report.step("card") as d:
            progress("issuing a card at the municipality counter")
            if card_dir is None:
                if url and not data_dir:
                    raise StepFailed(
                        "with --url, give --card DIR (an issued card) or --data-dir of that instance"
                    )
                card_dir = workdir / "card"
                done = issue_card(resident, card_dir, instance.env)
                if done.returncode != 0:
                    raise StepFailed(f"card issue failed: {done.stderr.strip()[-600:]}")
            card = CardSimulator.open(card_dir)
            d["card"] = "issued at the counter and linked at the hub"

        with report.step("login") as d:
            progress("card login")
            challenge = check(http.post("/api/auth/challenge"), "challenge")
            raw = base64.b64decode(challenge["challenge"])
            signature = card.authenticate(PIN, raw)
            login = check(
                http.post(
                    "/api/auth/login",
                    json={
                        "challenge": challenge["challenge"],
                        "signature": base64.b64encode(signature).decode(),
                        "certificate": card.auth_certificate_pem().decode(),
                        "session": "bearer",
                    },
                ),
                "login",
            )
            http.headers["Authorization"] = f"Bearer {login['token']}"
            check(http.put("/api/palm/contact", json={"email": email, "language": "ja"}), "contact")
            d["session"] = "bearer"

        with report.step("birth_certificate") as d:
            progress("asking the hospital for the birth certificate")
            wallet = generate_key()
            certificates = None
            for _ in range(40):
                r = http.post(
                    "/api/applications/credentials/birth-certificate", json={"holder_jwk": public_jwk(wallet)}
                )
                if r.status_code != 409:  # 409: the delivery is not recorded yet
                    certificates = check(r, "birth certificate")["certificates"]
                    break
                time.sleep(0.5)
            if not certificates:
                raise StepFailed("the hospital has no recorded delivery for the mother")
            sdjwt = certificates[0]["credential"]
            d["issuer"] = certificates[0]["issuer"]

        with report.step("birth_notification") as d:
            progress("filing the birth notification")
            app = check(
                http.post(
                    "/api/applications",
                    json={
                        "procedure": "birth_notification",
                        "fields": {
                            "child_name": CHILD_NAME,
                            "child_name_kana": CHILD_KANA,
                            "relation_to_child": "mother",
                        },
                    },
                ),
                "create birth notification",
            )
            nonce = check(http.get("/api/applications/credentials/presentation-nonce"), "nonce")
            presentation = present(
                sdjwt,
                holder_key=wallet,
                audience=nonce["audience"],
                nonce=nonce["nonce"],
                disclose=[
                    "sex",
                    "birth_datetime",
                    "birth_place",
                    "certifier",
                    "mother_name",
                    "birth_weight_g",
                    "plurality",
                ],
            )
            app = check(
                http.patch(
                    f"/api/applications/{app['id']}",
                    json={
                        "fields": {"birth_certificate": presentation, "presentation_nonce": nonce["nonce"]}
                    },
                ),
                "attach certificate",
            )
            app = check(http.post(f"/api/applications/{app['id']}/confirm"), "confirm")
            manifest = check(http.get(f"/api/applications/{app['id']}/manifest"), "manifest")
            signature = card.sign(PASSWORD, base64.b64decode(manifest["manifest"]))
            check(
                http.post(
                    f"/api/applications/{app['id']}/signature",
                    json={"signature": base64.b64encode(signature).decode()},
                ),
                "sign",
            )
            key = str(uuid.uuid4())
            first = check(
                http.post(f"/api/applications/{app['id']}/submit", headers={"Idempotency-Key": key}), "submit"
            )
            again = check(
                http.post(f"/api/applications/{app['id']}/submit", headers={"Idempotency-Key": key}), "retry"
            )
            if again["agency_reference"] != first["agency_reference"]:
                raise StepFailed("a retried submission was filed twice")
            decision = first.get("decision") or {}
            summary["birth_notification"] = {
                "id": first["id"],
                "status": first["status"],
                "state": first["state"],
                "late": bool(decision.get("late")),
                "agency_reference": first["agency_reference"],
                "prefilled_fields": sorted(first["sources"]),
                "retried_submit_filed_once": True,
            }
            if first["status"] != "accepted":
                raise StepFailed(f"birth notification: {first['status']}")
            d["status"] = first["status"]

        with report.step("notices") as d:
            progress("waiting for push notices")
            notices: list[dict[str, Any]] = []
            available = True
            deadline = time.monotonic() + notice_wait
            while time.monotonic() < deadline:
                r = http.get("/api/notices")
                if r.status_code in (404, 405):  # no such route: a list would be 200, even empty
                    available = False
                    break
                if r.status_code == 200:
                    body = r.json()
                    notices = body.get("notices", body) if isinstance(body, dict) else body
                    if notices:
                        break
                time.sleep(0.3)
            summary["notices"] = [
                {
                    "procedure": n.get("procedure") or n.get("procedure_id"),
                    "deadline": n.get("deadline"),
                    **({"amount": n["amount"]} if n.get("amount") is not None else {}),
                }
                for n in notices
                if isinstance(n, dict)
            ]
            d["count"] = len(summary["notices"])
            if not available:
                d["note"] = "GET /api/notices is not served by this instance: no push notices"

        with report.step("do_them_for_me") as d:
            progress("do them for me: one set, one signature")
            procedures = [n["procedure"] for n in summary["notices"] if n.get("procedure")]
            source = "notices"
            catalogue = {p["id"]: p for p in _procedure_kinds(http)}
            if not procedures:
                # no push service: every birth procedure of the catalogue (the agencies decide)
                procedures = [p["id"] for p in _procedure_kinds(http, event="birth")] or list(
                    FALLBACK_PROCEDURES
                )
                source = "catalogue for_event(birth) (no notices)"
            # notices (check-ups, vaccinations) are not filed; the birth notification is already filed
            procedures = [
                p
                for p in procedures
                if catalogue.get(p, {}).get("kind", "procedure") == "procedure" and p != "birth_notification"
            ]
            summary["procedures_source"] = source
            bundle = check(
                http.post("/api/applications/bundles", json={"procedures": procedures, "answers": ANSWERS}),
                "bundle",
            )
            if bundle["state"] == "incomplete":
                today = today_jst()
                answers: dict[str, Any] = {}
                for a in bundle["applications"]:
                    missing = {m["field"] for m in a["missing"]}
                    for q in a["questions"]:
                        if q["name"] in missing and q["name"] not in answers:
                            answers[q["name"]] = _answer(q, today)
                bundle = check(
                    http.patch(f"/api/applications/bundles/{bundle['id']}", json={"answers": answers}),
                    "answers",
                )
                d["answered"] = sorted(answers)
            if bundle["state"] == "open":
                signature = card.sign(PASSWORD, base64.b64decode(bundle["manifest"]))
                body = {"signature": base64.b64encode(signature).decode()}
                bundle = check(
                    http.post(f"/api/applications/bundles/{bundle['id']}/signature", json=body), "sign set"
                )
                # the same signature again (a retry): nothing is filed twice
                again = check(
                    http.post(f"/api/applications/bundles/{bundle['id']}/signature", json=body), "retry set"
                )
                refs = {a["id"]: a["agency_reference"] for a in bundle["applications"]}
                if any(refs[a["id"]] != a["agency_reference"] for a in again["applications"]):
                    raise StepFailed("a retried set filed an application twice")
            elif bundle["state"] != "submitted":
                raise StepFailed(f"the set could not be completed: {bundle['state']}")
            summary["applications"] = [
                {
                    "procedure": a["procedure"],
                    "status": a["status"],
                    "agency": a["deciding_agency"],
                    **({"amount": _amount(a)} if _amount(a) is not None else {}),
                    **({"reference": a["agency_reference"]} if a["agency_reference"] else {}),
                    "prefilled": len(a["sources"]),
                }
                for a in bundle["applications"]
            ]
            d["signatures"] = 1 if bundle["state"] in ("signed", "submitted") else 0
            stuck = [
                a["procedure"]
                for a in bundle["applications"]
                if a["state"] in ("signed", "prefilled", "confirmed")
            ]
            if stuck:
                raise StepFailed(f"not filed: {stuck}")

        with report.step("emails") as d:
            progress("waiting for the emails")
            # one email per decision and one for the birth notification; the notify worker sends
            # them in the background, slowly on a busy machine: wait for that many, then for quiet
            expected = 1 + sum(1 for a in summary["applications"] if a.get("status") != "handed_over")
            count, stable_since = -1, time.monotonic()
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                r = http.get("/api/notify/mailbox")
                if r.status_code != 200:
                    d["note"] = f"mailbox not readable here (HTTP {r.status_code})"
                    break
                now_count = int(r.json().get("count", 0))
                if now_count != count:
                    count, stable_since = now_count, time.monotonic()
                elif count >= expected and time.monotonic() - stable_since > 1.5:
                    break
                time.sleep(0.3)
            d["expected"] = expected
            summary["emails_sent"] = max(count, 0)
            inbox = http.get("/api/notify/inbox")
            if inbox.status_code == 200:
                body = inbox.json()
                summary["inbox_messages"] = len(body.get("messages", body.get("items", [])))
            if summary["emails_sent"] == 0:
                raise StepFailed("no email was sent")

        with report.step("access_history") as d:
            history = check(http.get("/api/palm/access-history"), "access history")["entries"]
            summary["access_history_entries"] = len(history)
            summary["access_history_services"] = sorted({str(e.get("service")) for e in history})
            if not history:
                raise StepFailed("no access history")
        summary["ok"] = all(s["ok"] for s in report.steps)
    except (StepFailed, httpx.HTTPError, KeyError, ValueError, OSError):
        summary["ok"] = False
    finally:
        summary["steps"] = report.steps
        summary["seconds"] = round(time.perf_counter() - started, 2)
        if instance is not None:
            instance.stop()
        if not summary["ok"] and instance is not None and instance.log_path and instance.log_path.exists():
            summary["server_log_tail"] = instance.log_path.read_text(errors="replace")[-3000:]
        shutil.rmtree(workdir, ignore_errors=True)
    return summary


def _amount(app: dict[str, Any]) -> int | None:
    decision = app.get("decision") or {}
    value = decision.get("monthly_amount") or decision.get("amount")
    return int(value) if isinstance(value, int | float) and value else None


def _procedure_kinds(http: httpx.Client, event: str | None = None) -> list[dict[str, Any]]:
    r = http.get("/api/procedures", params={"event": event} if event else None)
    if r.status_code != 200:
        return []
    body = r.json()
    items = body.get("procedures", body) if isinstance(body, dict) else body
    return [p for p in items if isinstance(p, dict) and "id" in p]
