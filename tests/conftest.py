"""Browser fixtures: Playwright's sync API driving Debian's Chromium against
pytest-django's live server. Never `playwright install`: the system browser is
used as is."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PASSWORD = "secret-pass-123"  # what UserFactory sets


@pytest.fixture(scope="module")
def browser() -> Iterator:
    """One headless Chromium per test module, closed with it."""
    if not CHROMIUM.exists():
        pytest.skip(
            f"BROWSER TESTS SKIPPED: {CHROMIUM} not found. "
            "Install Debian's chromium package (apt-get install chromium)."
        )
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as mp:
        # Playwright's sync API keeps an event loop in this thread, so Django
        # would refuse the tests' (synchronous) ORM calls. Only for this module:
        # the variable must not leak into other tests or subprocesses.
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=str(CHROMIUM),
                args=[
                    "--no-sandbox",
                    "--disable-background-networking",
                    "--disable-gpu",
                ],
            )
            yield chromium
            chromium.close()


@pytest.fixture
def page(browser, live_server) -> Iterator:
    """A fresh browser context (no cookies) whose relative URLs hit the live server."""
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1440, "height": 900}
    )
    context.set_default_timeout(10_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def login(page) -> Callable:
    """Sign in through the login form, as a person would."""

    def sign_in(user, password: str = PASSWORD) -> None:
        page.goto("/accounts/login/")
        page.get_by_label("Username").fill(user.get_username())
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)

    return sign_in


@pytest.fixture
def artifacts() -> Path:
    """Folder for screenshots (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
