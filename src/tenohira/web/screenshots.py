"""Phone-size screenshots of the citizen web app's main pages: ``python -m tenohira.web.screenshots DIR``.

Starts a fresh embedded instance (temporary data directory, free port, small population), logs in
with the demo mother's card in Debian's Chromium at 390×844 and walks the birth story, saving one
PNG per page into DIR (``make screenshots`` writes docs/screenshots).
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WIDTH, HEIGHT = 390, 844  # a common phone, CSS pixels


def _shot(page: Any, out: Path, name: str, taken: list[str]) -> None:
    page.screenshot(path=str(out / f"{name}.png"), full_page=True)
    taken.append(name)
    print(f"  {name}.png", flush=True)


def _answer(page: Any, *, number: str) -> None:
    """Answer the set's questions as a resident would (the account number as given)."""
    from datetime import date

    form = page.locator("form[action$='/answers']")
    for field in form.locator("input:not([type=hidden]):not([type=radio])").all():
        name = field.get_attribute("name") or ""
        if name.endswith(".number"):
            field.fill(number)
        elif field.input_value():
            continue
        elif name.endswith(".bank"):
            field.fill("手のひら銀行")
        elif name.endswith(".branch"):
            field.fill("本店")
        elif field.get_attribute("type") == "date":
            field.fill(date.today().isoformat())
        elif field.get_attribute("inputmode") == "numeric":
            field.fill("1")
        else:
            field.fill("なし")
    for radio in form.locator("input[type=radio][value=true]").all():
        radio.check()
    for select in form.locator("select").all():
        if not select.input_value():
            select.select_option(index=1)


def take(out: Path, *, residents: int = 120) -> list[str]:
    """Start an instance, walk the story, write the screenshots; return their names."""
    from playwright.sync_api import sync_playwright

    from tenohira.scenarios import start_embedded
    from tenohira.web.demo_cards import DEMO_PASSWORD, DEMO_PIN, LINKED_MARK

    out.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix="tenohira-screenshots-"))
    taken: list[str] = []
    instance = start_embedded(workdir, residents, lambda m: print(m, flush=True))
    try:
        mark = workdir / "var" / "demo-cards" / "R0000002" / LINKED_MARK
        deadline = time.monotonic() + 180
        while not mark.exists():
            if time.monotonic() > deadline:
                raise RuntimeError("the demo card was not linked at the hub")
            time.sleep(0.5)
        base = instance.url
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
            page = browser.new_context(
                viewport={"width": WIDTH, "height": HEIGHT}, locale="ja-JP", device_scale_factor=1
            ).new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{base}/login")
            page.check("input[name=card][value=R0000002]")
            _shot(page, out, "01-login", taken)
            for key in DEMO_PIN:
                page.click(f".pinpad button[data-key='{key}']")
            page.click("main button[type=submit]")
            page.wait_for_url(f"{base}/")
            _shot(page, out, "02-home", taken)
            page.goto(f"{base}/assistant")
            page.fill("#message", "昨日子どもが生まれました")
            page.click("form.chat-form button[type=submit]:not([name])")
            page.wait_for_load_state()
            _shot(page, out, "03-assistant", taken)
            page.goto(f"{base}/birth")
            page.fill("#child_name", "陽葵")
            page.fill("#child_name_kana", "ひまり")
            _shot(page, out, "04-birth-notification", taken)
            page.click("main button[type=submit]")
            page.wait_for_url(re.compile(r".*/sign$"))
            _shot(page, out, "05-sign", taken)
            page.fill("#password", DEMO_PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_url(re.compile(r".*/applications/[^/]+$"))
            _shot(page, out, "06-birth-notification-accepted", taken)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                page.goto(f"{base}/")
                if page.locator("ul.notices > li").count():
                    break
                time.sleep(1)
            _shot(page, out, "07-notices", taken)
            if page.locator("main form[action='/bundles'] button[type=submit]").count():
                page.click("main form[action='/bundles'] button[type=submit] >> nth=-1")
                page.wait_for_url(re.compile(r".*/bundles/[^/]+$"))
                _shot(page, out, "08-do-them-for-me", taken)
                if page.locator("form[action$='/answers']").count():
                    _answer(page, number="12-34a")  # a wrong account number: refused at its field
                    page.click("form[action$='/answers'] button[type=submit]")
                    page.wait_for_load_state()
                    _shot(page, out, "08b-do-them-for-me-checked", taken)
                    _answer(page, number="1234567")
                    page.click("form[action$='/answers'] button[type=submit]")
                    page.wait_for_url(re.compile(r".*/bundles/[^/]+$"))
                if page.locator("main section.to-sign").count():
                    _shot(page, out, "08c-do-them-for-me-what-you-sign", taken)
                    signing = page.url
                    page.context.add_cookies([{"name": "tenohira_lang", "value": "easy_ja", "url": base}])
                    page.goto(signing)
                    _shot(page, out, "08d-do-them-for-me-what-you-sign-easy-japanese", taken)
                    page.context.add_cookies([{"name": "tenohira_lang", "value": "ja", "url": base}])
                    page.goto(signing)
                    page.fill("#password", DEMO_PASSWORD)
                    page.click("form[action$='/sign'] button[type=submit]")
                    page.wait_for_url(re.compile(r".*/bundles/[^/]+$"))
            page.goto(f"{base}/applications")
            _shot(page, out, "09-applications", taken)
            page.goto(f"{base}/access-history")
            _shot(page, out, "10-access-history", taken)
            page.goto(f"{base}/inbox")
            _shot(page, out, "13-inbox", taken)
            page.click("footer form[action='/help'] button")
            _shot(page, out, "14-help-reference-number", taken)
            page.goto(f"{base}/settings/email")
            _shot(page, out, "15-settings-email", taken)
            page.goto(f"{base}/settings/passkeys")
            _shot(page, out, "15b-settings-passkeys", taken)
            page.context.add_cookies([{"name": "tenohira_lang", "value": "en", "url": base}])
            page.goto(f"{base}/")
            _shot(page, out, "16-home-english", taken)
            page.goto(f"{base}/access-history")
            _shot(page, out, "17-access-history-english", taken)
            page.goto(f"{base}/applications")
            page.click("ul.cards > li a >> nth=0")
            _shot(page, out, "18-application-english", taken)
            page.context.add_cookies([{"name": "tenohira_lang", "value": "ja", "url": base}])
            page.goto(f"{base}/settings")
            page.check("input[name=lang][value=easy_ja]")
            page.check("input[name=size][value=large]")
            page.click("main button[type=submit]")
            _shot(page, out, "11-settings-easy-japanese", taken)
            page.goto(f"{base}/")
            _shot(page, out, "12-home-easy-japanese", taken)
            page.goto(f"{base}/inbox")
            _shot(page, out, "19-inbox-easy-japanese", taken)
            browser.close()
    finally:
        instance.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return taken


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    out = Path(args[0] if args else "docs/screenshots")
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium", file=sys.stderr)
        return 2
    names = take(out)
    print(f"{len(names)} screenshots in {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
