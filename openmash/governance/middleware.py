"""Turns a restricted record into the break-glass form, wherever the record was asked for.

The selectors that show one person or contact raise ``RestrictedRecordError`` for a user who
is not named on a restricted person and has given no reason; every view that calls them gets
the same answer here (HTTP 403 with the form), so no view can forget to ask.
"""

from urllib.parse import urlsplit

from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .forms_restricted import BreakGlassForm
from .selectors import RestrictedRecordError


def _return_to(request) -> str:
    """Where to go once the reason is given: the page itself for a GET; for a form posted
    after the reason ran out, the page the form was on (a POST cannot be replayed)."""
    if request.method in ("GET", "HEAD"):
        return request.path
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return urlsplit(referer).path or reverse("home")
    return reverse("home")


class BreakGlassMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RestrictedRecordError):
            return None
        form = BreakGlassForm(
            initial={"next": _return_to(request), "people": ",".join(exception.person_ids)}
        )
        return render(request, "governance/restricted/break_glass.html", {"form": form}, status=403)
