"""URLconf used by ``bench/pathway.py`` while it measures: the application's own URLs, plus one
minimal view that runs a single indexed query and renders a tiny template.

The minimal view is the yardstick each page's throughput is divided by. It goes through the same
middleware (sessions saved on every request, authentication, the MFA gate, CSP, no-store …) as
the real pages, so the ratio says how much a page costs on top of what any signed-in request
costs on this machine — not how fast Django can say "hello".
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler403, handler404, handler500  # noqa: F401 (used by Django)
from config.urls import urlpatterns as application_urlpatterns

_TEMPLATE = engines["django"].from_string(
    '<!DOCTYPE html><html lang="en"><head><title>Minimal</title></head>'
    "<body><p>{{ reference }}</p></body></html>"
)


def minimal(request, pk):
    """One query (a contact's reference by primary key) and a tiny template."""
    from openmash.contacts.models import Contact

    reference = Contact.unscoped.filter(pk=pk).values_list("reference", flat=True).first()
    return HttpResponse(_TEMPLATE.render({"reference": reference}))


_LAYOUT = engines["django"].from_string(
    '{% extends "base.html" %}{% block page_title %}Layout{% endblock %}'
    '{% block content %}<h1 class="govuk-heading-l">{{ reference }}</h1>{% endblock %}'
)


def layout(request, pk):
    """The same query in the service's GOV.UK layout (header, navigation, footer, context
    processors): not a target, a reference point for how much of a page's cost is the layout
    every page shares."""
    from openmash.contacts.models import Contact

    reference = Contact.unscoped.filter(pk=pk).values_list("reference", flat=True).first()
    return HttpResponse(_LAYOUT.render({"reference": reference}, request))


urlpatterns = [
    path("bench/minimal/<uuid:pk>/", minimal, name="bench_minimal"),
    path("bench/layout/<uuid:pk>/", layout, name="bench_layout"),
    *application_urlpatterns,
]
