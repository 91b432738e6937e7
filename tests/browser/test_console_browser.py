"""The console in a real browser: Debian's Chromium driven by Playwright against a real `tocsin serve` with the
demo data. A moderator logs in, opens the top case, sees why it is P0, removes the content with a reason, and the
case leaves the queue; an auditor cannot act; a script inside a post stays inert. Screenshots of the queue, a
case and the dashboard are saved under build/screenshots/."""
from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.acceptance.server import Server, tocsin

SHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]
PASSWORD = "a long test password 42"
PAYLOAD = '<script>document.title="pwned";window.pwned=1</script><img src=x onerror="window.pwned=2">'


def chromium() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        if os.environ.get("TOCSIN_REQUIRE_BROWSER") == "1":
            pytest.fail("Chromium is required (make test installs Debian's chromium) but was not found")
        pytest.skip("Chromium not installed: run through `make test`, which installs it")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("console")
    db = str(tmp / "tocsin.db")
    tocsin("demo", "load", "--db", db)
    for name, role in (("mod", "moderator"), ("aud", "auditor")):
        tocsin("users", "create", name, "--role", role, "--password-stdin", "--db", db, input=PASSWORD + "\n")
    hostile = tmp / "hostile.jsonl"
    hostile.write_text(json.dumps({"id": "post-xss", "lang": "en", "author": {"id": "acct-x"},
                                   "text": f"Check out my garden photos {PAYLOAD}"}) + "\n")
    tocsin("ingest", str(hostile), "--db", db)
    for reporter in ("u-1", "u-2"):
        tocsin("reports", "add", "post-xss", "--reporter", reporter, "--reason", "harassment", "--db", db)
    srv = Server(db, tmp / "server.log").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    exe = chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=FLAGS, headless=True)
        yield b
        b.close()


def log_in(browser, server, name):
    page = browser.new_context(viewport={"width": 1360, "height": 900}).new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(f"{server.url}/")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/queue")
    return page, dialogs


def test_moderator_removes_the_top_p0_case_and_it_leaves_the_queue(browser, server):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page, _ = log_in(browser, server, "mod")
    top = page.locator("table.queue tbody tr").first
    assert top.locator(".badge").inner_text() == "P0"
    page.screenshot(path=str(SHOTS / "queue.png"), full_page=True)
    href = top.get_attribute("data-href")
    page.keyboard.press("Enter")  # the first row is selected: Enter opens it
    page.wait_for_url(f"**{href}")
    assert "Why P0" in page.inner_text("aside.why")
    reasons = page.inner_text("ul.reasons")
    assert "event starts in" in reasons and "risk" in reasons
    assert "event_soon" in page.inner_text("table.risk")
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    page.keyboard.press("r")  # shortcut: choose "remove" and focus the reason
    assert page.input_value("#verdict") == "remove"
    page.keyboard.type("Call to armed violence against a gathering tonight")
    page.click("#submit-decision")
    page.wait_for_url("**/queue?done=decided")
    assert "the case left the queue" in page.inner_text(".flash")
    assert page.locator(f'tr[data-href="{href}"]').count() == 0
    page.goto(f"{server.url}/dashboard?from=2000-01-01&to=2099-12-31")
    assert page.locator("svg.chart").count() >= 4
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)


def test_auditor_cannot_act(browser, server):
    page, _ = log_in(browser, server, "aud")
    href = page.locator("table.queue tbody tr").first.get_attribute("data-href")
    page.goto(server.url + href)
    assert "Read-only" in page.inner_text("main") and page.locator("#decide").count() == 0
    csrf = page.locator("input[name=csrf]").first.get_attribute("value")
    r = page.request.post(server.url + href + "/decide", form={"csrf": csrf, "verdict": "remove", "reason": "x"})
    assert r.status == 403


def test_a_script_in_a_post_renders_inert(browser, server):
    page, dialogs = log_in(browser, server, "mod")
    page.locator("a.open", has_text="garden photos").first.click()
    page.wait_for_selector("blockquote.post")
    assert "<script>" in page.inner_text("blockquote.post")  # shown as text
    assert page.evaluate("window.pwned === undefined") and "pwned" not in page.title() and dialogs == []
    assert page.locator("blockquote.post script, blockquote.post img").count() == 0
