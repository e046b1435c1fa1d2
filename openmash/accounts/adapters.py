"""How allauth and axes are fitted to a staff-only service.

* No self sign-up: administrators create accounts.
* A fresh sign-in counts as a recent confirmation of identity for MFA set-up, so a new member
  of staff is not asked for the password they typed seconds earlier before they can enrol.
* MFA is mandatory: a user cannot remove their authenticator app.
* Lockout (axes) counts wrong authenticator codes as well as wrong passwords, under one
  case-insensitive username, so that knowing a password does not buy unlimited code guesses.

These are hooks named in settings (``ACCOUNT_ADAPTER``, ``MFA_ADAPTER``, ``MFA_FORMS``,
``AXES_USERNAME_CALLABLE``); nothing else should import them.
"""

import time

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.internal.flows.login import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.base.forms import AuthenticateForm
from allauth.mfa.models import Authenticator
from axes.handlers.proxy import AxesProxyHandler
from django import forms
from django.contrib.auth.signals import user_login_failed


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by administrators; a public sign-up page would be a hole.
        return False

    def add_message(self, request, level, message_template=None, *args, **kwargs):
        # Staff sign in many times a day; a "Successfully signed in" banner on every home
        # page is noise that teaches people to ignore banners.
        if message_template == "account/messages/logged_in.txt":
            return
        super().add_message(request, level, message_template, *args, **kwargs)

    def is_reauthentication_required(self, *, app: str, **kwargs) -> bool:
        """allauth (65.x) asks for the password again before any MFA change unless the user
        *re*-authenticated in the last few minutes — even straight after signing in. For
        mandatory enrolment that means typing the password twice in a row, so a sign-in within
        ``ACCOUNT_REAUTHENTICATION_TIMEOUT`` counts too. Later changes still ask again."""
        required = super().is_reauthentication_required(app=app, **kwargs)
        if required and app == "allauth.mfa" and self._signed_in_recently():
            return False
        return required

    def _signed_in_recently(self) -> bool:
        request = self.request
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        records = get_authentication_records(request, user)
        latest = max((r.get("at", 0) for r in records), default=0)
        return time.time() - latest < account_settings.REAUTHENTICATION_TIMEOUT


class StaffMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # MFA is mandatory for every staff user; an authenticator app is replaced by an
        # administrator resetting it, never removed by the user.
        return authenticator.type != Authenticator.Type.TOTP


def axes_username(request, credentials: dict | None = None) -> str | None:
    """The username axes counts failures against.

    allauth authenticates with ``username=`` while axes' own calls use
    ``AXES_USERNAME_FORM_FIELD`` (``login``, the field on allauth's form). Lower-cased because
    allauth matches usernames case-insensitively: without it ``Rio``, ``RIO`` and ``rio``
    would each get their own five attempts.
    """
    credentials = credentials or {}
    username = credentials.get("username") or credentials.get("login")
    if username is None and request is not None:
        data = getattr(request, "POST", None) or {}
        username = data.get("login")
    return username.strip().lower() if isinstance(username, str) else None


class LockoutAwareAuthenticateForm(AuthenticateForm):
    """The second sign-in step (authenticator or recovery code), under the same lockout as
    the password step: a wrong code is a failed sign-in, and a locked account cannot finish
    signing in even with a right code."""

    def clean_code(self) -> str:
        request = context.request
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(request, credentials):
            # AxesMiddleware turns this flag into the locked-out page.
            request.axes_locked_out = True
            request.axes_credentials = credentials
            raise forms.ValidationError("This account is locked.", code="locked")
        return super().clean_code()

    def _emit_authentication_failed(self, authenticator: Authenticator) -> None:
        super()._emit_authentication_failed(authenticator)
        user_login_failed.send(
            sender=type(self),
            credentials={"username": self.user.get_username()},
            request=context.request,
        )
