"""allauth adapters: no self sign-up; MFA cannot be switched off by the user."""

from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from allauth.mfa.models import Authenticator


class StaffAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        # Accounts are created by administrators; a public sign-up page would be a hole.
        return False


class StaffMFAAdapter(DefaultMFAAdapter):
    def can_delete_authenticator(self, authenticator: Authenticator) -> bool:
        # MFA is mandatory for every staff user; an authenticator app is replaced by an
        # administrator resetting it, never removed by the user.
        return authenticator.type != Authenticator.Type.TOTP
