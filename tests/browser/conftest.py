"""Real-browser tests: Playwright's sync API driving Debian's Chromium (never a downloaded one).

They skip when /usr/bin/chromium is missing, unless REQUIRE_BROWSER=1 (as in CI): then they fail."""

import os
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread, which trips Django's async-safety check
# on every ORM call the tests make; only the browser tests need this switch.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, live_server, request):
    """A page of a fresh browser context on live_server (relative URLs work); the test fails if
    the browser console reports an error, such as a script the Content-Security-Policy blocked.
    `@pytest.mark.console_allows("text", ...)`: console errors containing a text are expected."""
    marker = request.node.get_closest_marker("console_allows")
    allowed = marker.args if marker else ()
    context = browser.new_context(viewport={"width": 1440, "height": 900}, base_url=live_server.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on(
        "console",
        lambda msg: errors.append(msg.text)
        if msg.type == "error" and not any(text in msg.text for text in allowed)
        else None,
    )
    yield page
    context.close()
    assert not errors, f"errors in the browser console: {errors}"


PASSWORD = "pw-for-tests-only"


def log_in(page, username, password=PASSWORD):
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
