"""Template tags other apps' pages include:

* ``{% contact_meeting_outcomes contact %}`` — the meetings a contact was on and their
  outcomes, for the contact page's timeline;
* ``{% agency_availability_warning enquiry %}`` — a warning on the enquiry page when an
  agency with an outstanding request has nobody available to answer it today.

Both read through the scoped selectors with the signed-in user from the context.
"""

from django import template

from openmash.meetings import selectors

register = template.Library()


def _user(context):
    user = context.get("user")
    if user is None and context.get("request") is not None:
        user = context["request"].user
    return user


@register.inclusion_tag("meetings/includes/contact_meetings.html", takes_context=True)
def contact_meeting_outcomes(context, contact):
    user = _user(context)
    items = selectors.contact_meeting_items(user, contact) if user is not None else []
    return {"meeting_items": items}


@register.inclusion_tag("meetings/includes/availability_warning.html", takes_context=True)
def agency_availability_warning(context, enquiry):
    user = _user(context)
    agencies = (
        selectors.enquiry_unavailable_agencies(user, enquiry)
        if user is not None and enquiry is not None
        else []
    )
    return {"unavailable_agencies": agencies}
