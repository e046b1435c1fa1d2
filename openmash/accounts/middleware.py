"""Enforce TOTP enrolment: a signed-in user without an authenticator can reach only enrolment."""

from allauth.mfa.models import Authenticator
from django.shortcuts import redirect
from django.urls import reverse

#: Paths a not-yet-enrolled user may still reach (enrolment itself, sign-out, health, assets).
_ALLOWED_PREFIXES = ("/accounts/2fa/totp/activate/", "/accounts/logout/", "/healthz", "/static/")


class RequireMFAMiddleware:
    SESSION_KEY = "openmash.mfa_enrolled"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALLOWED_PREFIXES)
            and not self._enrolled(request)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    def _enrolled(self, request) -> bool:
        # Cached in the session once true so that every request does not cost a query.
        if request.session.get(self.SESSION_KEY):
            return True
        enrolled = Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
        if enrolled:
            request.session[self.SESSION_KEY] = True
        return enrolled
