"""Run the ETSI NGSI-LD conformance test suite (Robot Framework) against a local tenohira broker.

    python tests/conformance/ngsi_ld_suite.py --suite PATH [--sections Provision,Consumption,Subscription]
    make conformance SUITE=PATH

``PATH`` is a checkout of the ETSI ISG CIM test suite (a public copy: the GitHub repository
marek-mraz/ngsi-ld-test-suite). The suite is not part of this repository and not of ``make test``
(it takes tens of minutes). What this runner does, as a developer would by hand:

1. copies the suite into a scratch directory and points every URL of the suite's own test
   @context (published on raw.githubusercontent.com) at a static server on loopback that serves
   the suite's ``resources/jsonld-contexts`` — the machine running the suite needs no internet;
2. installs the suite's ``requirements.txt`` into its own virtual environment (once);
3. serves the broker (tenohira's NGSI-LD router on a fresh SQLite database, migrated) with
   uvicorn on a free port, remote @contexts allowed from loopback only;
4. runs ``robot`` on ``TP/NGSI-LD/ContextInformation/<section>`` for each section, with the
   suite's variables (broker URL, notification server on loopback) given on the command line;
5. prints passed/failed per section and per sub-folder, and writes ``summary.json`` beside
   Robot's ``output.xml`` / ``log.html`` in ``--output`` (default ``var/conformance``).

Tests that need the internet (contexts published elsewhere, e.g. easy-global-market.github.io)
fail here by construction; the summary lists the failing tests so they can be told apart.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

SUITE_CONTEXT_BASE = (
    "https://raw.githubusercontent.com/marek-mraz/ngsi-ld-test-suite/main/resources/jsonld-contexts/"
)
SECTIONS = ("Provision", "Consumption", "Subscription")
REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _scratch_copy(suite: Path, context_base: str) -> Path:
    """The suite with its test @context URLs pointed at ``context_base`` (text files only)."""
    target = Path(tempfile.mkdtemp(prefix="ngsi-ld-suite-")) / "suite"
    shutil.copytree(suite, target, ignore=shutil.ignore_patterns(".git", ".venv*", "results"))
    for path in target.rglob("*"):
        if path.suffix not in (".robot", ".resource", ".json", ".jsonld", ".py", ".txt"):
            continue
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        if SUITE_CONTEXT_BASE in text:
            path.write_text(text.replace(SUITE_CONTEXT_BASE, context_base), "utf-8", errors="surrogateescape")
    return target


def _robot_venv(suite: Path, venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "-r", "requirements.txt"], check=True, cwd=suite
        )
    return venv / "bin"


@contextlib.contextmanager
def _context_server(directory: Path, port: int) -> Iterator[int]:

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *_args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(Quiet, directory=str(directory))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()


BROKER = """
import asyncio, uvicorn
from fastapi import FastAPI
from tenohira.citydata.api import router
from tenohira.core.db import migrate
from tenohira.core.problems import install_problem_handlers

asyncio.run(migrate())
app = FastAPI()
install_problem_handlers(app)
app.include_router(router)
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""


@contextlib.contextmanager
def _broker(port: int, data_dir: Path) -> Iterator[str]:
    env = {
        **os.environ,
        "TENOHIRA_DATA_DIR": str(data_dir),
        "TENOHIRA_CITYDATA_CONTEXT_ALLOW_NETWORKS": "127.0.0.0/8",
        "TENOHIRA_RATE_LIMITS_ENABLED": "false",
    }
    env.pop("TENOHIRA_DATABASE_URL", None)
    proc = subprocess.Popen([sys.executable, "-c", BROKER.format(port=port)], env=env, cwd=REPO)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise RuntimeError("the broker did not start") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}/ngsi-ld/v1"
    finally:
        proc.terminate()
        proc.wait(10)


def _summary(output_xml: Path, section: str) -> dict[str, object]:
    """Passed/failed per sub-folder of a section from Robot's output.xml."""
    root = ET.parse(output_xml).getroot()
    per: Counter[tuple[str, str]] = Counter()
    failing: list[str] = []

    def walk(suite: ET.Element, path: list[str]) -> None:
        name = suite.get("name", "")
        for child in suite.findall("suite"):
            walk(child, [*path, name])
        for test in suite.findall("test"):
            status = test.find("status")
            result = status.get("status", "FAIL") if status is not None else "FAIL"
            group = path[2] if len(path) > 2 else (path[-1] if path else section)
            per[(group, result)] += 1
            if result == "FAIL":
                failing.append(f"{name} {test.get('name', '')}")

    walk(root.find("suite"), [])  # type: ignore[arg-type]
    groups = sorted({g for g, _ in per})
    passed = sum(n for (_, r), n in per.items() if r == "PASS")
    failed = sum(n for (_, r), n in per.items() if r == "FAIL")
    return {
        "section": section,
        "passed": passed,
        "failed": failed,
        "skipped": sum(n for (_, r), n in per.items() if r == "SKIP"),
        "pass_rate": round(passed / max(passed + failed, 1) * 100, 1),
        "groups": {g: {"passed": per[(g, "PASS")], "failed": per[(g, "FAIL")]} for g in groups},
        "failing": failing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", type=Path, required=True, help="checkout of the ETSI NGSI-LD test suite")
    parser.add_argument("--sections", default=",".join(SECTIONS), help="ContextInformation sections to run")
    parser.add_argument("--output", type=Path, default=REPO / "var" / "conformance")
    parser.add_argument("--venv", type=Path, help="virtual environment for Robot (default SUITE/.venv-robot)")
    args = parser.parse_args(argv)
    suite_src = args.suite.resolve()
    if not (suite_src / "TP" / "NGSI-LD").is_dir():
        parser.error(f"{suite_src} does not look like the NGSI-LD test suite (no TP/NGSI-LD)")
    args.output.mkdir(parents=True, exist_ok=True)
    ctx_port = _free_port()
    suite = _scratch_copy(suite_src, f"http://127.0.0.1:{ctx_port}/")
    # the copy's contexts: the compound context names the suite's other context by URL too
    with _context_server(suite / "resources" / "jsonld-contexts", ctx_port):
        # installed from the checkout itself: requirements.txt names ./libraries/... relative to it
        robot_bin = _robot_venv(suite_src, args.venv or suite_src / ".venv-robot")
        data_dir = Path(tempfile.mkdtemp(prefix="ngsi-ld-broker-"))
        results = []
        with _broker(_free_port(), data_dir) as url:
            for section in [s.strip() for s in args.sections.split(",") if s.strip()]:
                out = args.output / section
                cmd = [
                    str(robot_bin / "robot"),
                    "--outputdir", str(out),
                    "--consolewidth", "120",
                    "--variable", f"url:{url}",
                    "--variable", f"temporal_api_url:{url}",
                    "--variable", f"ngsild_test_suite_context:http://127.0.0.1:{ctx_port}/ngsi-ld-test-suite-compound.jsonld",
                    "--variable", "notification_server_host:127.0.0.1",
                    "--variable", f"notification_server_port:{_free_port()}",
                    "--variable", "context_source_host:127.0.0.1",
                    "--variable", f"context_source_port:{_free_port()}",
                    "--variable", "context_server_host:127.0.0.1",
                    "--variable", f"context_server_port:{_free_port()}",
                    "--variable", "core_context:https://uri.etsi.org/ngsi-ld/v1/ngsi-ld-core-context-v1.9.jsonld",
                    f"TP/NGSI-LD/ContextInformation/{section}",
                ]  # fmt: skip
                subprocess.run(cmd, cwd=suite, stdout=subprocess.DEVNULL, check=False)
                results.append(_summary(out / "output.xml", section))
    (args.output / "summary.json").write_text(json.dumps(results, ensure_ascii=False, indent=2))
    total_p = sum(int(r["passed"]) for r in results)  # type: ignore[call-overload]
    total_f = sum(int(r["failed"]) for r in results)  # type: ignore[call-overload]
    for r in results:
        print(f"{r['section']:<14} {r['passed']:>5} passed {r['failed']:>5} failed  {r['pass_rate']:>5} %")
        for group, c in r["groups"].items():  # type: ignore[attr-defined]
            print(f"    {group:<34} {c['passed']:>4} / {c['passed'] + c['failed']}")
    rate = total_p / max(total_p + total_f, 1) * 100
    print(f"{'all':<14} {total_p:>5} passed {total_f:>5} failed  {rate:.1f} %")
    print(f"details: {args.output}/<section>/log.html and {args.output}/summary.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
