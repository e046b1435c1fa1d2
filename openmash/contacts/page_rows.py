"""The contact page's parts — its summary lists, the people table's rows and the timeline's
events — rendered in Python from fixed HTML patterns (ADR 0011).

Through the template engine each printed value costs some thirty function calls (context
lookup, localisation, escaping), each ``{% if %}`` as many again; a busy contact's people and
timeline were a sixth of its page's time. ``format_html`` escapes every value exactly as
``{{ }}`` does, for a fraction of that. The templates (``people/includes/contact_people.html``,
``contacts/includes/timeline.html``) keep the page's structure and print these rows whole.
``tests/test_page_rows.py`` checks the rows' text and escaping.
"""

from django.utils.safestring import SafeString

from openmash.core.formats import (
    day_short,
    html_format,
    iso,
    record_url,
    staff_name,
    text_with_breaks,
    when,
    when_long,
    when_short,
)

_person_url = record_url("people:person_detail")
_link_url = record_url("people:contact_person_link")
_SEX = {"M": "Male", "F": "Female"}

_PERSON_ROW = """<tr class="govuk-table__row">
  <td class="govuk-table__cell">{name}{sex}</td>
  <td class="govuk-table__cell">{role}{relationship}</td>
  <td class="govuk-table__cell">{born}</td>
  <td class="govuk-table__cell">{address}</td>
  <td class="govuk-table__cell">{index}{duplicate}{link}</td>
</tr>
"""
_SMALL_LINE = '<br><span class="govuk-body-s">{text}</span>'
_LINKED = (
    '<strong class="govuk-tag govuk-tag--green">Linked</strong> '
    '<a class="govuk-link" href="{url}">{local_id}<span class="govuk-visually-hidden"> – person '
    "record of {name}</span></a>{open}"
)
_OPEN = SafeString(
    '<br><strong class="govuk-tag govuk-tag--purple">Open to children\'s services</strong>'
)
_NOT_LINKED = SafeString('<strong class="govuk-tag govuk-tag--grey">Not linked</strong>')
_DUPLICATE = SafeString(
    '<br><strong class="govuk-tag govuk-tag--yellow">Possible duplicate</strong>'
)
_LINK = (
    '<br><a class="govuk-link" href="{url}">{label}<span class="govuk-visually-hidden"> {name} '
    "in the person index</span></a>"
)


def people_rows(people, *, can_link: bool) -> list[SafeString]:
    """A table row per person named on the contact (``ContactPerson`` with ``person``
    selected): name and sex, role and relationship to the child, date of birth (or an unborn
    child's due date), address, whether they are linked to the person index (and open to
    children's services), the possible-duplicate flag and — when ``can_link`` (staff who record
    or screen) — the one-step "Find or create" link."""
    rows = []
    for cp in people:
        name = f"{cp.forename} {cp.surname}"
        if cp.date_of_birth:
            born = day_short(cp.date_of_birth)
        elif cp.expected_delivery_date:
            born = f"Unborn, due {day_short(cp.expected_delivery_date)}"
        else:
            born = "Not known"
        person = cp.person if cp.person_id else None
        index = (
            html_format(
                _LINKED,
                url=_person_url(cp.person_id),
                local_id=person.local_id,
                name=name,
                open=_OPEN if person.open_to_team_id else "",
            )
            if person
            else _NOT_LINKED
        )
        link = (
            html_format(
                _LINK,
                url=_link_url(cp.pk),
                label="Change link" if person else "Find or create",
                name=name,
            )
            if can_link
            else ""
        )
        rows.append(
            html_format(
                _PERSON_ROW,
                name=name,
                sex=html_format(_SMALL_LINE, text=_SEX.get(cp.sex, "Sex not known"))
                if cp.sex
                else "",
                role=cp.get_role_display(),
                relationship=html_format(_SMALL_LINE, text=cp.relationship_to_child)
                if cp.relationship_to_child
                else "",
                born=born,
                address=", ".join(part for part in (cp.address, cp.postcode) if part)
                or "Not known",
                index=index,
                duplicate=_DUPLICATE if cp.possible_duplicate else "",
                link=link,
            )
        )
    return rows


_EVENT = """<li class="govuk-!-margin-bottom-4">
  <h3 class="govuk-heading-s govuk-!-margin-bottom-1">{title}</h3>
  <p class="govuk-body-s govuk-!-margin-bottom-1"><time datetime="{iso}">{at}</time>{by}</p>{detail}
</li>
"""
_DETAIL = '\n  <p class="govuk-body-s govuk-!-margin-bottom-0">{text}</p>'


def timeline_rows(events) -> list[SafeString]:
    """A list item per ``contacts.selectors.TimelineEvent``: what happened, when (ISO for the
    ``<time>`` element, and as ``|when_short`` shows it), by whom, and any detail."""
    return [
        html_format(
            _EVENT,
            title=event.title,
            iso=iso(event.at),
            at=when_short(event.at),
            by=f" by {event.by}" if event.by else "",
            detail=html_format(_DETAIL, text=event.detail) if event.detail else "",
        )
        for event in events
    ]


_SUMMARY_ROW = (
    '<div class="govuk-summary-list__row"><dt class="govuk-summary-list__key">{key}</dt>'
    '<dd class="govuk-summary-list__value">{value}</dd></div>\n'
)


def summary_list(rows) -> SafeString:
    """A GOV.UK summary list of ``(key, value)`` rows; values are escaped unless safe."""
    body = "".join(html_format(_SUMMARY_ROW, key=key, value=value) for key, value in rows)
    return SafeString(f'<dl class="govuk-summary-list">\n{body}</dl>')


_IMMEDIATE_RISK = SafeString(
    '<strong class="govuk-tag govuk-tag--red">Yes – immediate risk</strong>'
)
_SOURCE = '{label} <span class="govuk-body-s">(CIN code {code})</span>'
_CONSENT_REASON = '{label}<br><span class="govuk-body-s">{reason}</span>'
_RAG = '<strong class="govuk-tag openmash-tag--{rag}">{label}</strong>'


def contact_details(contact) -> SafeString:
    """When the contact came in and how, its clock and deadline, source (with its CIN code),
    immediate risk and the consent position."""
    consent = contact.get_consent_status_display()
    return summary_list(
        (
            (
                "Received",
                f"{when_long(contact.received_at)} – {contact.get_channel_display().lower()}",
            ),
            ("Clock started", when_long(contact.clock_started_at)),
            ("Decision due", when_long(contact.decision_due_at)),
            (
                "Referral source",
                html_format(_SOURCE, label=contact.get_source_display(), code=contact.source),
            ),
            ("Immediate risk", _IMMEDIATE_RISK if contact.immediate_risk else "No"),
            (
                "Consent",
                html_format(
                    _CONSENT_REASON, label=consent, reason=text_with_breaks(contact.consent_reason)
                )
                if contact.consent_reason
                else consent,
            ),
        )
    )


def referrer_details(contact) -> SafeString:
    """Who referred, each part "Not given" when it was not."""
    return summary_list(
        (key, value or "Not given")
        for key, value in (
            ("Name", contact.referrer_name),
            ("Role", contact.referrer_role),
            ("Organisation", contact.referrer_organisation),
            ("Email", contact.referrer_email),
            ("Phone", contact.referrer_phone),
            ("Relationship to the child", contact.referrer_relationship),
        )
    )


def screening_details(contact) -> SafeString:
    """The screening: RAG rating, threshold level, route, rationale, and who screened when
    (``contact.screened_by`` loaded, as ``contact_get_for_user`` loads it)."""
    name = staff_name(contact.screened_by)
    return summary_list(
        (
            ("RAG rating", html_format(_RAG, rag=contact.rag, label=contact.get_rag_display())),
            ("Threshold level", contact.get_threshold_level_display()),
            ("Route", contact.get_route_display()),
            ("Rationale", text_with_breaks(contact.screening_rationale)),
            ("Screened by", f"{name}, {when(contact.screened_at)}"),
        )
    )
