"""The browser suite (``nox -s browser``): Debian chromium driven by Playwright, the real
``ccgpt serve`` on 127.0.0.1 with the demo help center, and a customer's website on another
origin, 127.0.0.2, that embeds the widget with one script tag.

Playwright never downloads a browser here: it launches /usr/bin/chromium (``.ci/run``
installs the Debian package when it is missing). The resolver rule keeps the browser off DNS."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Frame, Locator, Page, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from tests.support.loopback import serving
from tests.support.served import CCGPT, ccgpt_serve

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE 127.0.0.2",
]
HOST_SITE_ADDRESS = "127.0.0.2"
AXE = Path(__file__).resolve().parents[2] / "widget" / "node_modules" / "axe-core" / "axe.min.js"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@dataclass
class Service:
    """The API under test and its demo workspace's admin key."""

    url: str
    admin_key: str
    data_dir: Path

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.admin_key}", **kwargs.pop("headers", {})}
        return httpx.request(method, self.url + path, headers=headers, timeout=30, **kwargs)


@dataclass
class HostSite:
    """A customer's website on its own origin; tests put pages on it."""

    origin: str
    pages: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.origin + path


@pytest.fixture(scope="session")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    if not CHROMIUM.exists():
        pytest.fail("the browser suite needs Debian chromium: apt-get install chromium")
    data_dir = tmp_path_factory.mktemp("browser-data")
    environment = {
        "CCGPT_DATA_DIR": str(data_dir),
        "CCGPT_LOG_LEVEL": "warning",
        # Every simulated visitor and the test's own API calls come from 127.0.0.1, so they
        # share the per-address buckets that real visitors each have to themselves: raised,
        # not switched off (the limits still run on every request).
        "CCGPT_RATE_LIMIT_PER_IP_PER_MINUTE": "20000",
        "CCGPT_RATE_LIMIT_PER_WIDGET_KEY_PER_MINUTE": "5000",
        "CCGPT_RATE_LIMIT_PER_API_KEY_PER_MINUTE": "20000",
    }
    loaded = subprocess.run(
        [str(CCGPT), "demo", "--load-only"],
        env={**_clean_environment(), **environment},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if loaded.returncode != 0:
        pytest.fail(f"ccgpt demo --load-only failed: {loaded.stdout}{loaded.stderr}")
    admin_key = (data_dir / "demo-api-key").read_text().strip()
    with ccgpt_serve(environment, log=data_dir / "server.log", ready_path="/readyz") as url:
        yield Service(url=url, admin_key=admin_key, data_dir=data_dir)


def _clean_environment() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("CCGPT_")}


@pytest.fixture(scope="session")
def host_site() -> Iterator[HostSite]:
    site = HostSite(origin="")

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = site.pages.get(self.path.split("?")[0].split("#")[0])
            if body is None:
                self.send_error(404)
                return
            payload = body.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer((HOST_SITE_ADDRESS, 0), Handler)
    site.origin = f"http://{HOST_SITE_ADDRESS}:{server.server_address[1]}"
    with serving(server, name="host-site"):
        yield site


@pytest.fixture(scope="session")
def widget_key(service: Service, host_site: HostSite) -> str:
    """A publishable key of the demo workspace, usable from the host site's origin only."""
    allowed = service.api(
        "PATCH", "/api/v1/workspace", json={"allowed_domains": [host_site.origin]}
    )
    allowed.raise_for_status()
    created = service.api(
        "POST", "/api/v1/api-keys", json={"name": "website widget", "publishable": True}
    )
    created.raise_for_status()
    secret: str = created.json()["secret"]
    return secret


@pytest.fixture(scope="session")
def playwright_instance() -> Iterator[Playwright]:
    with sync_playwright() as instance:
        yield instance


@pytest.fixture(scope="session")
def browser(playwright_instance: Playwright) -> Iterator[Browser]:
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    yield page
    context.close()


def embed_page(service: Service, key: str, *, body: str = "", head: str = "") -> str:
    """A host page with the one-tag embed."""
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'><title>Shop</title>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"{head}</head><body><main><h1>Lumen shop</h1>{body}</main>"
        f"<script src='{service.url}/widget.js' data-key='{key}' async></script>"
        "</body></html>"
    )


def run_axe(page: Page) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page (axe from the widget's npm
    dev dependencies, injected from disk: no network)."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run npm ci in widget/")
    page.add_script_tag(path=str(AXE))
    result: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


LAUNCHER_FROM_CORNER = (90, 46)  # the launcher's middle, from the bottom-right corner


def widget_frame(page: Page, *, timeout: float = 15.0) -> Frame:
    """The chat frame (in the loader's closed shadow root, so found among the page's frames,
    as a script of the page could not)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if "/widget/frame" in frame.url:
                frame.wait_for_load_state()
                return frame
        page.wait_for_timeout(100)
    raise AssertionError("the widget frame never appeared")


def click_launcher(page: Page) -> None:
    """Click where a visitor sees the launcher (bottom right)."""
    size = page.viewport_size or {"width": 1280, "height": 800}
    x, y = LAUNCHER_FROM_CORNER
    page.mouse.click(size["width"] - x, size["height"] - y)


def ask(frame: Frame, question: str) -> None:
    box = frame.get_by_label("Message")
    box.fill(question)
    box.press("Enter")


def wait_for_answer(frame: Frame, *, count: int = 1, timeout: float = 30.0) -> Locator:
    """The ``count``-th finished assistant answer."""
    answers = frame.locator(".msg.assistant:not([aria-busy='true'])")
    try:
        answers.nth(count - 1).wait_for(timeout=timeout * 1000)
    except PlaywrightTimeout:
        shown = frame.locator(".ccgpt").inner_html() if frame.locator(".ccgpt").count() else ""
        raise AssertionError(f"no finished answer #{count}; the frame shows: {shown}") from None
    return answers.nth(count - 1)
