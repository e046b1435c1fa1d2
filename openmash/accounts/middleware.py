"""Enforce multi-factor authentication for every signed-in member of staff.

Two gaps would otherwise let someone in on a password alone:

* a user whose account has no authenticator app yet (new, or reset by an administrator) is
  signed in after the password step — so until they enrol they can reach only enrolment;
* Django admin has its own password-only sign-in form — so it is sent to ours instead.
"""

from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse

#: URL names a signed-in user who has not yet enrolled may still reach: enrolment itself
#: (which may first ask them to confirm their password again), sign-out and the health check.
ALLOWED_BEFORE_ENROLMENT = frozenset(
    {"mfa_activate_totp", "account_reauthenticate", "account_logout", "healthz"}
)


class RequireMFAMiddleware:
    SESSION_KEY = "openmash.mfa_enrolled"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        url_name = self._url_name(request)
        if url_name == "admin:login":
            query = urlencode({"next": request.GET.get("next", reverse("admin:index"))})
            return redirect(f"{reverse('account_login')}?{query}")
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and url_name not in ALLOWED_BEFORE_ENROLMENT
            and not request.path.startswith(settings.STATIC_URL)
            and not self._enrolled(request)
        ):
            return redirect(reverse("mfa_activate_totp"))
        return self.get_response(request)

    @staticmethod
    def _url_name(request) -> str | None:
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        return match.view_name

    def _enrolled(self, request) -> bool:
        # Remembered in the session once true, so that pages do not pay a query each. So an
        # administrator who resets someone's authenticator (a lost phone) must also end that
        # person's sessions for the reset to stop sessions already signed in.
        if request.session.get(self.SESSION_KEY):
            return True
        enrolled = Authenticator.objects.filter(
            user=request.user, type=Authenticator.Type.TOTP
        ).exists()
        if enrolled:
            request.session[self.SESSION_KEY] = True
        return enrolled
