"""Playwright in Debian's Chromium, against pytest-django's live server.

Fixtures: ``browser`` (one Chromium per session), ``page`` (a fresh context per test, with a
screenshot in test-artifacts/ if the test fails), ``axe_check`` (no accessibility violations
allowed), ``screenshot`` and ``sign_in``. Browser tests are marked ``browser`` and grouped with
``xdist_group("browser")`` so that, under ``--dist loadgroup``, one worker runs them all.
"""

import os
import re
import shutil
import time
from pathlib import Path

import pyotp
import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect, sync_playwright

# Playwright's sync API runs an event loop in this thread; Django's ORM (used by tests to set
# up data) refuses to run in a thread with a loop unless told it is safe, which it is here:
# the test thread does not share connections with the live server's thread.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item so ``page`` can tell a failure happened."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


#: The one Chromium of this test process. Test modules elsewhere may import these fixtures
#: under their own names, which makes pytest set them up again; Playwright's sync API cannot
#: run twice in one thread, so a second set-up reuses the first.
_RUNNING: dict = {}


@pytest.fixture(scope="session")
def browser():
    if "browser" in _RUNNING:
        yield _RUNNING["browser"]
        return
    executable = shutil.which("chromium")
    if executable is None:
        pytest.fail("Chromium is not installed: apt-get install -y chromium (make test does it)")
    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        _RUNNING["browser"] = chromium
        yield chromium
    finally:
        _RUNNING.clear()
        playwright.stop()


def _artifact_name(request, label: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    test = re.sub(r"[^\w.-]+", "_", request.node.name)
    return ARTIFACTS / f"{test}--{label}.png"


@pytest.fixture
def page(browser, request) -> Page:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", timezone_id="Europe/London"
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=_artifact_name(request, "failure"), full_page=True)
    context.close()


@pytest.fixture
def screenshot(page, request):
    """screenshot("label") saves the whole page to test-artifacts/<test>--<label>.png."""

    def _screenshot(label: str) -> Path:
        path = _artifact_name(request, label)
        page.screenshot(path=path, full_page=True)
        return path

    return _screenshot


@pytest.fixture(scope="session")
def _axe():
    return Axe()


@pytest.fixture
def axe_check(_axe):
    """axe_check(page) fails the test, listing every violation, unless axe finds none."""

    def _check(page: Page) -> None:
        page.wait_for_load_state("load")
        try:
            results = _axe.run(page)
        except PlaywrightError as exc:
            # A click's navigation can commit while axe runs (the old document is gone: "null
            # documentElement", "context was destroyed"): check the new page once it has loaded.
            if "documentElement" not in str(exc) and "destroyed" not in str(exc):
                raise
            page.wait_for_load_state("load")
            results = _axe.run(page)
        if results.violations_count:
            pytest.fail(
                f"Accessibility violations on {page.url}:\n{results.generate_report()}",
                pytrace=False,
            )

    return _check


_CODES_USED: dict[str, set[str]] = {}


def totp_code(secret: str) -> str:
    """The current code for ``secret``, waiting for a fresh 30-second window when the current
    one is about to end (so it is still valid when the form is submitted) or when this secret
    already used it: the server refuses a replayed code, as a user signing in twice within one
    window would find."""
    totp = pyotp.TOTP(secret)
    used = _CODES_USED.setdefault(secret, set())
    while True:
        remaining = totp.interval - time.time() % totp.interval
        if remaining < 5 or totp.now() in used:
            time.sleep(remaining + 0.5)
            continue
        code = totp.now()
        used.add(code)
        return code


def sign_in(page: Page, live_server_url: str, username: str, password: str, totp_secret: str):
    """Sign in through the real pages: username and password, then the authenticator code."""
    page.goto(f"{live_server_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Enter the code from your authenticator app")).to_be_visible()
    page.get_by_label("Enter the code from your authenticator app").fill(totp_code(totp_secret))
    page.get_by_role("button", name="Continue").click()
    return page


@pytest.fixture(name="sign_in")
def sign_in_fixture():
    return sign_in
