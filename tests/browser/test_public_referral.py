"""The public referral form in Chromium *without JavaScript*, extending
openmash/contacts/tests/test_browser.py (which covers the form with JavaScript: an error on the
first page and a double-clicked "Send referral" that GOV.UK Frontend's prevent-double-click
absorbs in the browser).

Without JavaScript nothing in the page stops a second submission, so the server must: a double
click, and the very same form sent again from the same browser session, make one contact and
show the same confirmation. Errors on the later pages are summarised and keep what was typed.
Every page is checked with axe and photographed into test-artifacts/. axe itself needs
JavaScript, so it checks each page's markup exactly as the no-JavaScript browser received it,
replayed (without scripts) in a second tab.
"""

import re

import pytest
from playwright.sync_api import expect

from openmash.contacts.models import Contact, ContactStatus

from .conftest import _artifact_name

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

WHAT_HAPPENED = "Came to school with a burn on the hand and would not say how it happened."


@pytest.fixture
def no_js_page(browser, request):
    """A page whose context runs no JavaScript, as for a referrer with it switched off."""
    context = browser.new_context(
        java_script_enabled=False,
        viewport={"width": 1280, "height": 900},
        locale="en-GB",
        timezone_id="Europe/London",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        page.screenshot(path=_artifact_name(request, "failure"), full_page=True)
    context.close()


def _axe_check_as_received(no_js_page, checker, axe_check) -> None:
    """Run axe on a copy of what ``no_js_page`` shows, served at the same address to a tab
    that may run axe but loads no script of the page."""
    html = re.sub(r"<script\b[^>]*>.*?</script>", "", no_js_page.content(), flags=re.S | re.I)
    url = no_js_page.url.split("#")[0]  # routes match addresses without their fragment
    checker.route(
        url,
        lambda route: route.fulfill(status=200, content_type="text/html; charset=utf-8", body=html),
    )
    checker.goto(url)
    checker.unroute(url)
    assert checker.title() == no_js_page.title(), "axe must check the page the referrer saw"
    axe_check(checker)


def test_without_javascript_errors_keep_answers_and_a_double_submit_makes_one_contact(
    live_server, no_js_page, page, transactional_db, axe_check, request
):
    checker, page = page, no_js_page
    checker.route(re.compile(r"\.js(\?|$)"), lambda route: route.abort())

    def seen(label):
        _axe_check_as_received(page, checker, axe_check)
        page.screenshot(path=_artifact_name(request, label), full_page=True)

    page.goto(f"{live_server.url}/refer/")
    seen("1-start")
    page.get_by_role("button", name="Start now").click()

    page.get_by_label("School or college").check()
    page.get_by_label("Your full name").fill("Robin Teacher")
    page.get_by_label("Your role or job title (professionals)").fill("Safeguarding lead")
    page.get_by_label("Your organisation (professionals)").fill("Hillside Primary")
    page.get_by_label("Email address").fill("dsl@example.org")
    page.get_by_role("button", name="Continue").click()

    # The children page: an error, then "Add another child" keeps what was typed.
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".govuk-error-summary")).to_be_visible()
    seen("2-children-error")
    page.get_by_label("First name").fill("Kit")
    page.get_by_label("Last name").fill("Testchild")
    page.get_by_role("button", name="Add another child").click()
    expect(page.get_by_text("Child 2")).to_be_visible()
    expect(page.get_by_label("First name").first).to_have_value("Kit")
    seen("3-children-added")
    page.get_by_role("button", name="Continue").click()

    # The concerns page: a missing answer is summarised; what was chosen stays chosen.
    page.get_by_role("group", name="Is a child in immediate danger right now?").get_by_label(
        "No"
    ).check()
    page.get_by_label("Physical abuse").check()
    page.get_by_role("button", name="Continue").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_be_visible()
    summary.get_by_role("link").first.click()  # the summary's links work without JavaScript
    expect(page.get_by_label("Physical abuse")).to_be_checked()
    seen("4-concerns-error")
    page.get_by_label("What has happened?").fill(WHAT_HAPPENED)
    page.get_by_role("button", name="Continue").click()

    page.get_by_label("Yes, they know and agree").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check your answers")
    expect(page.locator("main")).to_contain_text(WHAT_HAPPENED)
    seen("5-check")

    # A double click with no JavaScript: nothing in the page stops a second send (Chromium
    # itself may or may not send it twice, so the replay below makes sure a duplicate arrives).
    sends = []
    page.on(
        "request",
        lambda r: sends.append(r) if r.method == "POST" and "check-your-answers" in r.url else None,
    )
    page.get_by_role("button", name="Send referral").dblclick()
    expect(page.locator(".govuk-panel")).to_contain_text("Referral sent")
    seen("6-sent")
    assert sends, "the form was sent"
    contact = Contact.unscoped.get()
    assert contact.status == ContactStatus.SUBMITTED
    expect(page.locator("#contact-reference")).to_have_text(contact.reference)

    # The very same form sent again from this browser (a resubmitted page, a flaky network
    # retry): the same confirmation, still one contact.
    first = sends[0]
    again = page.request.post(
        first.url,
        data=first.post_data,
        headers={"content-type": first.headers["content-type"], "referer": first.url},
        max_redirects=0,
    )
    assert again.status == 302 and again.headers["location"].endswith("/refer/sent/")
    page.goto(f"{live_server.url}/refer/sent/")
    expect(page.locator("#contact-reference")).to_have_text(contact.reference)
    assert Contact.unscoped.count() == 1
