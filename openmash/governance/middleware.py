"""Turns a restricted record into the break-glass form, wherever the record was asked for.

The selectors that show one person or contact raise ``RestrictedRecordError`` for a user who
is not named on a restricted person and has given no reason; every view that calls them gets
the same answer here (HTTP 403 with the form), so no view can forget to ask.
"""

from django.shortcuts import render

from .forms_restricted import BreakGlassForm
from .selectors import RestrictedRecordError


class BreakGlassMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, RestrictedRecordError):
            return None
        form = BreakGlassForm(
            initial={"next": request.path, "people": ",".join(exception.person_ids)}
        )
        return render(request, "governance/restricted/break_glass.html", {"form": form}, status=403)
