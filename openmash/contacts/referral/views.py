"""The online referral form. Anyone may use it (no sign-in), so:

* each page keeps the answers in the session and re-shows them, with every error in a GOV.UK
  error summary, so nothing typed is lost;
* "Send referral" saves the contact in one transaction before anything else happens; the
  check-answers page carries an idempotency key (hidden field) so a double submit finds the
  first contact and shows the same confirmation;
* CSRF protection is on (Django's default) and POSTs are rate limited per client address;
* pages are never cached (they hold what the referrer typed about a child).
"""

import secrets

from django.conf import settings
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from openmash.core.errors import DomainError

from ..codes import (
    PUBLIC_REFERRER_TYPES,
    Concern,
    ConsentStatus,
    PersonRole,
    ReferrerType,
    referral_channel_and_source,
)
from ..forms import without_errors
from ..services import PersonInput, Referrer, contact_create
from .forms import (
    CHILD_DATE_FIELDS,
    AboutYouForm,
    ConcernsForm,
    ConsentForm,
    child_formset,
    from_session,
    to_session,
)
from .ratelimit import rate_limited

SESSION_KEY = "openmash.referral"
DONE_KEY = "openmash.referral.done"
STEPS = ("about_you", "children", "concerns", "consent")
STEP_URLS = {
    "about_you": "referral:about_you",
    "children": "referral:children",
    "concerns": "referral:concerns",
    "consent": "referral:consent",
}


def _answers(request) -> dict:
    return request.session.get(SESSION_KEY, {})


def _save(request, step: str, value) -> None:
    answers = dict(_answers(request))
    answers[step] = value
    request.session[SESSION_KEY] = answers


def _next_url(request, step: str) -> str:
    """After a page: back to "check your answers" if everything is answered (the referrer
    came from a Change link), else the next question."""
    answers = _answers(request)
    if all(s in answers for s in STEPS):
        return reverse("referral:check")
    return reverse(STEP_URLS[STEPS[STEPS.index(step) + 1]])


def _first_missing(request, upto: str | None = None) -> str | None:
    answers = _answers(request)
    for step in STEPS[: STEPS.index(upto) if upto else len(STEPS)]:
        if step not in answers:
            return step
    return None


def _guard(request, step):
    """Send the referrer back to the first page they have not answered."""
    missing = _first_missing(request, step)
    return redirect(STEP_URLS[missing]) if missing else None


@never_cache
def start(request):
    minutes = settings.SESSION_COOKIE_AGE // 60
    return render(request, "referral/start.html", {"session_minutes": minutes})


@never_cache
@rate_limited("page")
@require_http_methods(["GET", "POST"])
def about_you(request):
    if request.method == "POST":
        form = AboutYouForm(request.POST)
        if form.is_valid():
            _save(request, "about_you", to_session(form.cleaned_data))
            return redirect(_next_url(request, "about_you"))
    else:
        form = AboutYouForm(initial=_answers(request).get("about_you"))
    return render(request, "referral/about_you.html", {"form": form})


@never_cache
@rate_limited("page")
@require_http_methods(["GET", "POST"])
def children(request):
    if (response := _guard(request, "children")) is not None:
        return response
    if request.method == "POST":
        adding = "add_child" in request.POST
        formset = child_formset(request.POST, add_one=adding)
        if adding:
            without_errors(formset)
        elif formset.is_valid():
            _save(request, "children", [to_session(c) for c in formset.children()])
            return redirect(_next_url(request, "children"))
    else:
        saved = _answers(request).get("children")
        initial = [from_session(c, CHILD_DATE_FIELDS) for c in saved] if saved else None
        formset = child_formset(initial=initial)
    return render(request, "referral/children.html", {"formset": formset})


@never_cache
@rate_limited("page")
@require_http_methods(["GET", "POST"])
def concerns(request):
    if (response := _guard(request, "concerns")) is not None:
        return response
    if request.method == "POST":
        form = ConcernsForm(request.POST)
        if form.is_valid():
            _save(request, "concerns", to_session(form.cleaned_data))
            return redirect(_next_url(request, "concerns"))
    else:
        form = ConcernsForm(initial=_answers(request).get("concerns"))
    return render(request, "referral/concerns.html", {"form": form})


@never_cache
@rate_limited("page")
@require_http_methods(["GET", "POST"])
def consent(request):
    if (response := _guard(request, "consent")) is not None:
        return response
    if request.method == "POST":
        form = ConsentForm(request.POST)
        if form.is_valid():
            _save(request, "consent", to_session(form.cleaned_data))
            return redirect(reverse("referral:check"))
    else:
        form = ConsentForm(initial=_answers(request).get("consent"))
    return render(request, "referral/consent.html", {"form": form})


@never_cache
@rate_limited("page")
@rate_limited("submit")
@require_http_methods(["GET", "POST"])
def check(request):
    """Check your answers, then send. A fresh idempotency key is issued each time the page is
    shown; the same key sent twice (a double click, a resubmitted page) makes one contact."""
    if request.method == "POST":
        key = request.POST.get("idempotency_key", "")
        done = request.session.get(DONE_KEY)
        if done and key and done.get("key") == key:
            return redirect("referral:done")
        if (response := _guard(request, None)) is not None:
            return response
        if not _valid_key(key):
            return _render_check(request, error=RESEND)
        try:
            contact = _submit(_answers(request), key)
        except DomainError as exc:
            return _render_check(request, error=str(exc))
        request.session[DONE_KEY] = {
            "key": key,
            "reference": contact.reference,
            "immediate_danger": _answers(request)["concerns"]["immediate_danger"] == "yes",
        }
        request.session.pop(SESSION_KEY, None)
        return redirect("referral:done")
    if (response := _guard(request, None)) is not None:
        return response
    return _render_check(request)


RESEND = "Your referral has not been sent yet. Check your answers and send it again."


def _valid_key(key: str) -> bool:
    return 20 <= len(key) <= 64 and key.replace("-", "").replace("_", "").isalnum()


def _render_check(request, error: str = ""):
    answers = _answers(request)
    about = answers["about_you"]
    concerns_answer = answers["concerns"]
    consent_answer = answers["consent"]
    context = {
        "key": secrets.token_urlsafe(32),
        "error": error,
        "about": about,
        "referrer_type": ReferrerType(about["referrer_type"]).label,
        "is_public": about["referrer_type"] in PUBLIC_REFERRER_TYPES,
        "children": [from_session(c, CHILD_DATE_FIELDS) for c in answers["children"]],
        "concerns": concerns_answer,
        "concern_labels": [Concern(c).label for c in concerns_answer["concerns"]],
        "danger_label": "Yes" if concerns_answer["immediate_danger"] == "yes" else "No",
        "consent": consent_answer,
        "consent_label": dict(ConsentForm.base_fields["consent_status"].choices)[
            consent_answer["consent_status"]
        ],
    }
    return render(request, "referral/check.html", context)


def _submit(answers: dict, key: str):
    """Save the referral as a ``submitted`` contact: the only write, in one transaction."""
    about = answers["about_you"]
    concerns_answer = answers["concerns"]
    consent_answer = answers["consent"]
    named = bool(about.get("name", "").strip())
    channel, source = referral_channel_and_source(about["referrer_type"], named)
    people = [
        PersonInput(
            role=PersonRole.SUBJECT_CHILD,
            forename=c.get("forename", ""),
            surname=c.get("surname", ""),
            date_of_birth=c.get("date_of_birth"),
            expected_delivery_date=c.get("expected_delivery_date"),
            address=c.get("address", ""),
            postcode=c.get("postcode", ""),
        )
        for c in (from_session(c, CHILD_DATE_FIELDS) for c in answers["children"])
    ]
    return contact_create(
        actor=None,
        channel=channel,
        source=source,
        narrative=concerns_answer["narrative"],
        concerns=concerns_answer["concerns"],
        immediate_risk=concerns_answer["immediate_danger"] == "yes",
        consent_status=consent_answer["consent_status"],
        consent_reason=consent_answer.get("consent_reason", "")
        if consent_answer["consent_status"] != ConsentStatus.GIVEN
        else "",
        people=people,
        referrer=Referrer(
            name=about.get("name", ""),
            role=about.get("role", ""),
            organisation=about.get("organisation", ""),
            email=about.get("email", ""),
            phone=about.get("phone", ""),
            relationship=about.get("relationship", ""),
        ),
        idempotency_key=key,
    )


@never_cache
def done(request):
    """The confirmation page, with the contact's reference (kept in the session, never in the
    address)."""
    done_answer = request.session.get(DONE_KEY)
    if not done_answer:
        return redirect("referral:start")
    return render(request, "referral/done.html", {"done": done_answer})
