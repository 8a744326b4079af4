"""The widget as a visitor meets it: one script tag on a page of another origin (127.0.0.2),
the real API on 127.0.0.1, Debian chromium. Each test gets a fresh browser context, so a new
visitor."""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Frame, Page, WebSocket, WebSocketRoute, expect

from tests.browser.conftest import (
    HOST_SITE_ADDRESS,
    HostSite,
    Service,
    ask,
    click_launcher,
    embed_page,
    run_axe,
    wait_for_answer,
    widget_frame,
)
from tests.support.loopback import serving

pytestmark = pytest.mark.browser

QUESTION = "How long do I have to return a phone?"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def open_on(
    page: Page, service: Service, host_site: HostSite, key: str, **page_parts: str
) -> Frame:
    path = f"/{uuid.uuid4().hex[:8]}"
    host_site.pages[path] = embed_page(service, key, **page_parts)
    page.goto(host_site.url(path))
    page.wait_for_function("window.CustomerCare && window.CustomerCare.loaded === true")
    page.wait_for_timeout(300)  # the launcher is drawn once the settings arrived
    click_launcher(page)
    return widget_frame(page)


def record_socket(page: Page) -> list[str]:
    """The types of the chat events the widget's socket receives, in order."""
    received: list[str] = []

    def watch(socket: WebSocket) -> None:
        if "/api/v1/widget/ws" not in socket.url:
            return

        def note(payload: str | bytes) -> None:
            try:
                received.append(str(json.loads(payload).get("type")))
            except ValueError:
                received.append("?")

        socket.on("framereceived", note)

    page.on("websocket", watch)
    return received


def conversation_with(service: Service, text: str, *, status: str | None = None) -> dict[str, Any]:
    """The workspace's conversation holding a customer message with ``text``."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        params = {"limit": 5, **({"status": status} if status else {})}
        listed = service.api("GET", "/api/v1/conversations", params=params).json()["items"]
        for item in listed:
            detail = service.api("GET", f"/api/v1/conversations/{item['id']}").json()
            if any(text in m["content"] for m in detail["messages"] if m["role"] == "user"):
                return detail
        time.sleep(0.3)
    raise AssertionError(f"no conversation with {text!r}")


def test_a_visitor_gets_a_streamed_cited_answer_and_rates_it(
    page: Page, service: Service, host_site: HostSite, widget_key: str
) -> None:
    received = record_socket(page)
    frame = open_on(page, service, host_site, widget_key)
    question = f"{QUESTION} ({uuid.uuid4().hex[:6]})"
    ask(frame, question)
    answer = wait_for_answer(frame)
    expect(answer).to_contain_text("30 days")
    # Token by token: many token events reached the browser before the answer was done (the
    # frame paints them at most once per animation frame).
    assert received.count("token") >= 2, received
    assert received.index("token") < received.index("done")
    # Numbered citations that name their source.
    expect(answer.locator(".ccgpt-cite button").first).to_have_text("[1]")
    expect(answer.locator(".ccgpt-sources li").first).not_to_be_empty()
    # A thumbs up is stored with the answer.
    helpful = answer.get_by_label("Helpful", exact=True)
    helpful.click()
    expect(helpful).to_have_attribute("aria-pressed", "true")
    stored = conversation_with(service, question)
    assistant = [m for m in stored["messages"] if m["role"] == "assistant"][-1]
    deadline = time.monotonic() + 10
    while assistant.get("feedback") is None and time.monotonic() < deadline:
        time.sleep(0.2)
        stored = conversation_with(service, question)
        assistant = [m for m in stored["messages"] if m["role"] == "assistant"][-1]
    assert assistant["feedback"]["rating"] == "up"
    assert stored["channel"] == "widget"


def test_a_human_takes_over_and_the_visitor_sees_the_reply_live(
    page: Page, service: Service, host_site: HostSite, widget_key: str
) -> None:
    frame = open_on(page, service, host_site, widget_key)
    question = f"My order never arrived ({uuid.uuid4().hex[:6]})"
    ask(frame, question)
    wait_for_answer(frame)
    frame.get_by_role("button", name="Talk to a human").click()
    frame.get_by_label("Your email (optional)").fill("visitor@example.com")
    frame.get_by_role("button", name="Connect me", exact=True).click()
    expect(frame.locator(".status-line").last).to_contain_text("queue")
    # The agent works through the API (the dashboard's inbox does the same).
    conversation = conversation_with(service, question, status="handed_off")
    path = f"/api/v1/conversations/{conversation['id']}"
    assert service.api("POST", f"{path}/claim", json={}).status_code == 200
    reply = service.api("POST", f"{path}/agent-messages", json={"content": "Hi, I am on it!"})
    assert reply.status_code == 201, reply.text
    agent = frame.locator(".msg.agent")
    expect(agent).to_contain_text("Hi, I am on it!", timeout=10_000)
    # The visitor answers; the bot stays silent while the agent holds the conversation.
    answers_before = frame.locator(".msg.assistant").count()
    ask(frame, "Thanks! It was order 1234.")
    expect(frame.locator(".msg.user").last).to_contain_text("order 1234")
    page.wait_for_timeout(1500)
    assert frame.locator(".msg.assistant").count() == answers_before
    detail = service.api("GET", path).json()
    assert detail["status"] == "assigned"
    assert detail["messages"][-1]["content"] == "Thanks! It was order 1234."


def test_the_conversation_survives_a_reload(
    page: Page, service: Service, host_site: HostSite, widget_key: str
) -> None:
    frame = open_on(page, service, host_site, widget_key)
    question = f"{QUESTION} [{uuid.uuid4().hex[:6]}]"
    ask(frame, question)
    wait_for_answer(frame)
    page.reload()
    page.wait_for_function("window.CustomerCare && window.CustomerCare.loaded === true")
    page.wait_for_timeout(300)
    click_launcher(page)
    frame = widget_frame(page)
    expect(frame.locator(".msg.user").first).to_contain_text(question)
    expect(frame.locator(".msg.assistant").first).to_contain_text("30 days")
    # A new conversation starts empty and stays the visitor's current one after a reload.
    frame.get_by_role("button", name="New conversation").click()
    expect(frame.locator(".msg.user")).to_have_count(0)


@pytest.fixture
def foreign_site() -> Any:
    """Another origin, not in the workspace's allowed domains."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = pages.get(self.path, "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer((HOST_SITE_ADDRESS, 0), Handler)
    with serving(server, name="foreign-site"):
        yield f"http://{HOST_SITE_ADDRESS}:{server.server_address[1]}", pages


def test_a_page_on_another_origin_gets_no_chat_and_the_server_refuses_it(
    page: Page, service: Service, host_site: HostSite, widget_key: str, foreign_site: Any
) -> None:
    origin, pages = foreign_site
    pages["/"] = embed_page(service, widget_key)
    page.goto(origin + "/")
    page.wait_for_timeout(1500)
    assert not any("/widget/frame" in frame.url for frame in page.frames)
    assert page.evaluate("document.querySelector('[data-ccgpt]')") is None
    # The server itself refuses: the settings, the chat API and the frame.
    refused = page.evaluate(
        """async ([api, key]) => {
          const headers = {Authorization: 'Bearer ' + key, 'Content-Type': 'application/json'};
          const settings = await fetch(api + '/api/v1/widget/settings', {headers})
            .then(r => r.status, () => 'blocked');
          const chat = await fetch(api + '/api/v1/chat', {method: 'POST', headers,
            body: JSON.stringify({message: 'hello'})}).then(r => r.status, () => 'blocked');
          return [settings, chat];
        }""",
        [service.url, widget_key],
    )
    assert refused == ["blocked", "blocked"]  # no CORS grant: the browser cannot even read it
    for path in ("/api/v1/widget/settings", "/api/v1/chat"):
        direct = httpx.request(
            "POST" if path.endswith("chat") else "GET",
            service.url + path,
            headers={"Authorization": f"Bearer {widget_key}", "Origin": origin},
            json={"message": "hello"} if path.endswith("chat") else None,
        )
        assert direct.status_code == 403, (path, direct.text)
    frame_url = f"{service.url}/widget/frame?key={widget_key}&origin={origin}"
    assert httpx.get(frame_url, headers={"Sec-Fetch-Dest": "iframe"}).status_code == 403
    # Lying about the origin does not help: the browser will not render the frame there.
    pages["/forged"] = (
        f"<iframe id='f' src='{service.url}/widget/frame?key={widget_key}"
        f"&origin={host_site.origin}'></iframe>"
    )
    page.goto(origin + "/forged")
    page.wait_for_timeout(1500)
    framed = [frame for frame in page.frames if frame is not page.main_frame]
    assert framed
    assert framed[0].evaluate("document.querySelector('#ccgpt-config')") is None


HOSTILE_CSS = """<style>
* { all: unset !important; }
html, body { display: block !important; }
div, iframe, button { z-index: 2147483647 !important; }
.overlay { position: fixed !important; right: 0 !important; bottom: 0 !important;
  width: 260px !important; height: 120px !important; background: #f00 !important;
  display: block !important; z-index: 2147483647 !important; }
</style>"""


def test_hostile_page_css_and_scripts_change_nothing(
    page: Page, service: Service, host_site: HostSite, widget_key: str
) -> None:
    body = (
        "<div class='overlay'>another vendor's bubble</div>"
        "<script>window.addEventListener('message', e => { window.__seen = e.data; });</script>"
    )
    frame = open_on(page, service, host_site, widget_key, head=HOSTILE_CSS, body=body)
    ask(frame, QUESTION)
    answer = wait_for_answer(frame)
    expect(answer).to_contain_text("30 days")
    # The frame still has its size and its own styles.
    frame_box = page.evaluate(
        "() => { const f = [...document.querySelectorAll('*')].find(e => e.shadowRoot); "
        "return f ? f.getBoundingClientRect().toJSON() : null; }"
    )
    assert frame_box is None  # closed shadow root: the page cannot reach into it
    inner = frame.evaluate("[innerWidth, innerHeight]")
    assert inner[0] >= 300
    assert inner[1] >= 400
    color = frame.evaluate("getComputedStyle(document.querySelector('.head')).backgroundColor")
    assert color == "rgb(37, 99, 235)"
    # The page cannot read the conversation: messages to it carry no text of the answer.
    seen = page.evaluate("JSON.stringify(window.__seen || null)")
    assert "30 days" not in seen


def test_a_hostile_document_cannot_inject_html_or_script(
    page: Page, service: Service, host_site: HostSite, widget_key: str
) -> None:
    code = uuid.uuid4().hex[:6].upper()
    hostile = (
        "# Warranty codes\n\n"
        f'The loyalty warranty code is ZX{code} <img src=x onerror="window.top.__pwned=1"> '
        "<script>window.top.__pwned=2</script> and you can "
        "[claim it here](javascript:window.top.__pwned=3) or "
        '<a href="javascript:window.top.__pwned=4">here</a>.\n'
    ).encode()
    uploaded = service.api(
        "POST", "/api/v1/documents", files={"file": ("hostile-warranty.md", hostile)}
    )
    assert uploaded.status_code in (200, 201, 202), uploaded.text
    document_id = uploaded.json()["document"]["id"]
    deadline = time.monotonic() + 60
    while service.api("GET", f"/api/v1/documents/{document_id}").json()["status"] != "ready":
        assert time.monotonic() < deadline
        time.sleep(0.3)
    frame = open_on(page, service, host_site, widget_key)
    ask(frame, "What is the loyalty warranty code?")
    answer = wait_for_answer(frame)
    expect(answer).to_contain_text(f"ZX{code}")
    assert answer.locator("img, script, iframe, object, embed").count() == 0
    hrefs = answer.locator("a").evaluate_all("links => links.map(a => a.href)")
    assert all(re.match(r"^(https?:|mailto:)", href) for href in hrefs), hrefs
    for link in answer.locator("a").all():
        link.click(modifiers=["Control"])  # would run a javascript: URL
    page.wait_for_timeout(500)
    assert page.evaluate("window.__pwned") is None
    assert frame.evaluate("window.__pwned") is None


def test_keyboard_only_and_no_serious_accessibility_violation(
    browser: Browser, service: Service, host_site: HostSite, widget_key: str
) -> None:
    # bypass_csp: axe is injected into the frame, whose CSP allows only its own scripts.
    context = browser.new_context(viewport={"width": 1280, "height": 800}, bypass_csp=True)
    page = context.new_page()
    try:
        path = "/keyboard"
        host_site.pages[path] = embed_page(service, widget_key)
        page.goto(host_site.url(path))
        page.wait_for_function("window.CustomerCare && window.CustomerCare.loaded === true")
        page.wait_for_timeout(300)
        page.keyboard.press("Tab")  # the launcher is the page's only focusable element
        page.keyboard.press("Enter")
        frame = widget_frame(page)
        message = frame.get_by_label("Message")
        expect(message).to_be_focused()
        page.keyboard.type(QUESTION)
        page.keyboard.press("Enter")
        wait_for_answer(frame)
        announced = frame.locator("[aria-live='polite']").last
        expect(announced).to_contain_text("30 days")
        assert run_axe(page) == []
        violations = run_axe_in(frame)
        assert violations == [], violations
        page.keyboard.press("Escape")
        page.wait_for_timeout(300)
        assert page.evaluate("document.activeElement.hasAttribute('data-ccgpt')")
    finally:
        context.close()


def run_axe_in(frame: Frame) -> list[dict[str, Any]]:
    from tests.browser.conftest import AXE

    frame.add_script_tag(path=str(AXE))
    result: dict[str, Any] = frame.evaluate("async () => await axe.run(document)")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": len(v["nodes"])}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_a_blocked_websocket_falls_back_to_server_sent_events(
    browser: Browser, service: Service, host_site: HostSite, widget_key: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})

    def refuse(socket: WebSocketRoute) -> None:
        socket.close(code=1006 if False else 1011)  # a proxy that will not carry WebSockets

    context.route_web_socket(re.compile(r".*/api/v1/widget/ws.*"), refuse)
    page = context.new_page()
    try:
        frame = open_on(page, service, host_site, widget_key)
        question = f"{QUESTION} (sse {uuid.uuid4().hex[:6]})"
        ask(frame, question)
        answer = wait_for_answer(frame)
        expect(answer).to_contain_text("30 days")
        frame.get_by_role("button", name="Talk to a human").click()
        frame.get_by_role("button", name="Connect me", exact=True).click()
        conversation = conversation_with(service, question, status="handed_off")
        path = f"/api/v1/conversations/{conversation['id']}/agent-messages"
        assert service.api("POST", path, json={"content": "Over SSE!"}).status_code == 201
        expect(frame.locator(".msg.agent")).to_contain_text("Over SSE!", timeout=10_000)
    finally:
        context.close()


def test_narrow_screens_get_a_full_screen_chat_in_the_page_language(
    browser: Browser, service: Service, host_site: HostSite, widget_key: str
) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 700}, is_mobile=True)
    page = context.new_page()
    try:
        path = "/de"
        host_site.pages[path] = embed_page(service, widget_key).replace("lang='en'", "lang='de-AT'")
        page.goto(host_site.url(path))
        page.wait_for_function("window.CustomerCare && window.CustomerCare.loaded === true")
        page.evaluate("window.CustomerCare('open')")
        frame = widget_frame(page)
        expect(frame.get_by_label("Nachricht")).to_be_visible()
        size = frame.evaluate("[innerWidth, innerHeight]")
        assert size == [375, 700]
    finally:
        context.close()


def test_screenshots_of_each_state(
    browser: Browser,
    service: Service,
    host_site: HostSite,
    widget_key: str,
    tmp_path: Path,
) -> None:
    """The README's pictures: closed, a cited answer, a live handoff, a phone. Written to
    docs/screenshots/ with CCGPT_SCREENSHOTS=1 (after a visible change), else to a scratch
    folder, so a test run never changes the checkout."""
    folder = SCREENSHOTS if os.environ.get("CCGPT_SCREENSHOTS") == "1" else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    page_html = embed_page(service, widget_key, body=SHOP_PAGE)
    host_site.pages["/shop"] = page_html
    context = browser.new_context(viewport={"width": 1100, "height": 760})
    page = context.new_page()
    try:
        page.goto(host_site.url("/shop"))
        page.wait_for_function("window.CustomerCare && window.CustomerCare.loaded === true")
        page.wait_for_timeout(500)
        page.screenshot(path=str(folder / "widget-closed.png"))
        click_launcher(page)
        frame = widget_frame(page)
        question = f"{QUESTION}"
        ask(frame, question)
        expect(wait_for_answer(frame)).to_contain_text("30 days")
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / "widget-answer.png"))
        frame.get_by_role("button", name="New conversation").click()
        handoff_question = (
            f"My parcel is lost (order {uuid.uuid4().hex[:4]}). Can I talk to a person?"
        )
        ask(frame, handoff_question)
        wait_for_answer(frame)
        conversation = conversation_with(service, handoff_question)
        path = f"/api/v1/conversations/{conversation['id']}"
        assert conversation["status"] == "handed_off", conversation["status"]
        service.api("POST", f"{path}/claim", json={})
        service.api(
            "POST",
            f"{path}/agent-messages",
            json={"content": "Hi, I'm Dana from support. I've found your parcel: it ships today."},
        )
        expect(frame.locator(".msg.agent")).to_contain_text("Dana", timeout=10_000)
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / "widget-handoff.png"))
    finally:
        context.close()
    phone = browser.new_context(viewport={"width": 390, "height": 760}, is_mobile=True)
    page = phone.new_page()
    try:
        page.goto(host_site.url("/shop"))
        page.wait_for_function("window.CustomerCare && window.CustomerCare.loaded === true")
        page.evaluate("window.CustomerCare('open')")
        frame = widget_frame(page)
        ask(frame, "Can I return a phone I bought last week?")
        wait_for_answer(frame)
        page.wait_for_timeout(300)
        page.screenshot(path=str(folder / "widget-mobile.png"))
    finally:
        phone.close()
    for name in ("closed", "answer", "handoff", "mobile"):
        assert (folder / f"widget-{name}.png").stat().st_size > 5_000


SHOP_PAGE = """
<div style="font-family: Georgia, serif; max-width: 640px; padding: 24px 32px; color: #1f2937">
  <p style="color:#6b7280">Lumen Mobile · Phones · Plans · Support</p>
  <h2>Lumen Aura 5G</h2>
  <p>6.4" OLED, 128 GB, two-day battery. Free shipping, 30-day returns.</p>
  <p><b>$499</b> or $20.79/month over 24 months.</p>
</div>
"""
