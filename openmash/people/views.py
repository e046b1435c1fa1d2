"""Pages of the person index: search, the person page, and linking a contact's people to it.

Search terms are posted and the results rendered in the response: nothing a user types ever
reaches a URL (and so no server, proxy or browser history holds a name or a date of birth). A
GET of the search page shows an empty form whatever its query string says.
"""

from html import escape

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods

from openmash.accounts.permissions import capability_required
from openmash.accounts.roles import Capability as C
from openmash.audit.services import channel_from_request
from openmash.core.errors import ConflictError, DomainError
from openmash.core.formats import day_short, record_url

from . import selectors, services
from .forms import PersonSearchForm
from .models import Person


@capability_required(C.CONTACT_VIEW)
@require_http_methods(["GET", "POST"])
def person_search(request):
    """ "Is this child known?" — any mix of name, date of birth, postcode and identifiers."""
    matches = None
    if request.method == "POST":
        form = PersonSearchForm(request.POST)
        if form.is_valid():
            matches = selectors.person_search(request.user, form.query())
    else:
        form = PersonSearchForm()
    context = {"form": form, "matches": matches, "rows": _result_rows(matches)}
    return render(request, "people/search.html", context)


_person_url = record_url("people:person_detail")
# Constant markup: the tags a row may carry.
_OPEN_TAG = '<br><strong class="govuk-tag govuk-tag--purple">Open to children\'s services</strong>'
_DUPLICATE_TAG = '<br><strong class="govuk-tag govuk-tag--yellow">Possible duplicate</strong>'
_CELL = '<td class="govuk-table__cell">'


def _date_of_birth(person) -> str:
    if person.date_of_birth:
        return day_short(person.date_of_birth)
    if person.expected_delivery_date:
        return f"Unborn, due {day_short(person.expected_delivery_date)}"
    return "Not known"


def _result_cells(match) -> SafeString:
    """A result's score, name (linked, with the local ID and tags), date of birth, postcode and
    the reasons it matched, as the table's cells: one string per row, so the template prints
    it instead of building a dozen values (ADR 0006). Everything recorded is escaped (with the
    standard library's ``html.escape``: the same text as Django's ``escape``, at a third of the
    cost)."""
    person = match.person
    reasons = "".join(
        f"<li>{escape(reason[:1].upper() + reason[1:])}</li>" for reason in match.reasons
    )
    tags = (_OPEN_TAG if person.open_to_team_id else "") + (
        _DUPLICATE_TAG if person.possible_duplicate_of_id else ""
    )
    return mark_safe(  # noqa: S308 (every recorded value escaped)
        '<td class="govuk-table__cell govuk-table__cell--numeric">'
        f'<strong class="govuk-!-font-size-24">{match.score}</strong></td>'
        f'{_CELL}<a class="govuk-link" href="{_person_url(person.pk)}">'
        f"{escape(person.full_name)}</a>"
        f'<br><span class="govuk-body-s">{escape(person.local_id)}</span>{tags}</td>'
        f"{_CELL}{_date_of_birth(person)}</td>"
        f"{_CELL}{escape(person.postcode or 'Not known')}</td>"
        f'{_CELL}<ul class="govuk-list govuk-body-s govuk-!-margin-bottom-0">{reasons}</ul></td>'
    )


def _result_rows(matches) -> list[dict] | None:
    """The search results as the results table prints them, formatted in Python (ADR 0006):
    ``match``, ``person``, ``pk``, ``score`` and ``restricted`` ("restricted record — reason
    needed": nothing else is shown), and for any other record ``cells`` (the row's cells as
    HTML), ``name`` and ``local_id`` (for the linking page's button)."""
    if matches is None:
        return None
    rows = []
    for match in matches:
        person = match.person
        restricted = getattr(person, "restricted_hidden", False)
        row = {
            "match": match,
            "person": person,
            "pk": person.pk,
            "score": match.score,
            "restricted": restricted,
        }
        if not restricted:
            row.update(cells=_result_cells(match), name=person.full_name, local_id=person.local_id)
        rows.append(row)
    return rows


@capability_required(C.CONTACT_VIEW)
@require_GET
def person_detail(request, pk):
    """Identifiers, names, addresses, family and household, and every contact over time."""
    try:
        person = selectors.person_get_for_user(
            request.user, pk, channel=channel_from_request(request)
        )
    except Person.DoesNotExist as error:
        raise Http404("No person found.") from error
    context = {
        "person": person,
        "family": selectors.person_family_for_user(request.user, person),
        "contact_people": selectors.person_contacts_for_user(request.user, person),
    }
    return render(request, "people/person_detail.html", context)


def _contact_url(contact_person) -> str:
    try:
        return reverse("contacts:detail", args=[contact_person.contact_id]) + "#people"
    except NoReverseMatch:  # the contacts pages are mounted separately
        return reverse("people:person_detail", args=[contact_person.person_id])


@capability_required(C.CONTACT_RECORD, C.CONTACT_SCREEN)
@require_http_methods(["GET", "POST"])
def contact_person_link(request, pk):
    """Find the person named on a contact in the index and link them, or create them — each
    one POST. The search starts from what was recorded; the user may refine it."""
    from openmash.contacts.models import ContactPerson

    try:
        contact_person = selectors.contact_person_get_for_user(
            request.user, pk, channel=channel_from_request(request)
        )
    except ContactPerson.DoesNotExist as error:
        raise Http404("No such person on a contact.") from error

    recorded = services.contact_person_query(contact_person)
    form = PersonSearchForm(initial=PersonSearchForm.initial_for(recorded))
    query = recorded
    action_error = ""
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "search":
            form = PersonSearchForm(request.POST)
            query = form.query() if form.is_valid() else None
        elif action in ("link", "create"):
            expected = request.POST.get("current_person") or None
            try:
                if action == "link":
                    person = _person_to_link(request.user, request.POST.get("person"))
                    services.contact_person_link(
                        contact_person, person, actor=request.user, expected_person_id=expected
                    )
                    messages.success(
                        request,
                        f"{contact_person} is now linked to {person.full_name} "
                        f"({person.local_id}).",
                    )
                else:
                    created = services.contact_person_create_person(
                        contact_person, actor=request.user, expected_person_id=expected
                    )
                    _created_message(request, contact_person, created)
            except (ConflictError, DomainError) as error:
                action_error = str(error)
                status = 409 if isinstance(error, ConflictError) else 400
                contact_person = selectors.contact_person_get_for_user(
                    request.user, pk, channel=channel_from_request(request)
                )
            else:
                contact_person.refresh_from_db(fields=["person"])
                return redirect(_contact_url(contact_person))
        else:
            raise Http404("Unknown action.")

    matches = selectors.person_search(request.user, query) if query is not None else None
    context = {
        "contact_person": contact_person,
        "contact": contact_person.contact,
        "form": form,
        "matches": matches,
        "rows": _result_rows(matches),
        "action_error": action_error,
        "duplicate_score": services.POSSIBLE_DUPLICATE_SCORE,
    }
    return render(request, "people/link.html", context, status=status)


def _person_to_link(user, person_id) -> Person:
    try:
        return selectors.person_for_link(user, person_id)
    except (Person.DoesNotExist, ValidationError, ValueError, TypeError) as error:
        # Not in the user's scope, or not an ID at all: the same answer either way.
        raise DomainError("Choose a person from the list of possible matches.") from error


def _created_message(request, contact_person, created) -> None:
    person = created.person
    text = f"{person.full_name} was added to the person index as {person.local_id}."
    if created.possible_duplicate_of is not None:
        other = created.possible_duplicate_of
        text += (
            f" They may be the same person as {other.full_name} ({other.local_id}, match score "
            f"{created.duplicate_score}): both records are flagged as a possible duplicate."
        )
        messages.warning(request, text)
    else:
        messages.success(request, text)
