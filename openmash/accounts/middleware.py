"""Enforce multi-factor authentication, then a password of the user's own, for every
signed-in member of staff.

Two gaps would otherwise let someone in on a password alone:

* a user whose account has no authenticator app yet (new, or reset by an administrator) is
  signed in after the password step — so until they enrol they can reach only enrolment;
* Django admin has its own password-only sign-in form — so it is sent to ours instead.

And a password an administrator set or generated (a new account, a reset) is known to
someone else: until the user changes it, they can reach only the change-password page.
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


#: What a user who must change their password may still reach: the change itself, sign-out,
#: the health check, and MFA enrolment (which comes first, see ``RequireMFAMiddleware``).
ALLOWED_BEFORE_PASSWORD_CHANGE = ALLOWED_BEFORE_ENROLMENT | {"account_change_password"}


class RequirePasswordChangeMiddleware:
    """After sign-in (and MFA), send a user whose password an administrator set to allauth's
    change-password page until they change it (``User.must_change_password``, cleared by the
    ``password_changed`` signal). Placed after ``RequireMFAMiddleware``; no query of its own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(settings.STATIC_URL)
            and RequireMFAMiddleware._url_name(request) not in ALLOWED_BEFORE_PASSWORD_CHANGE
        ):
            return redirect(reverse("account_change_password"))
        return self.get_response(request)
