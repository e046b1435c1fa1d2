"""Authentication backends that load the signed-in user with their agency.

Every page prints the user's agency (the header) and most check it (the agency firewall), so
reading it in the user's own query saves every request a query of its own. The session stores
the backend's dotted path, so these replace Django's and allauth's backends in
``AUTHENTICATION_BACKENDS`` rather than being added beside them.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

from .models import User


class _UserWithAgency:
    def get_user(self, user_id):
        try:
            user = User._default_manager.select_related("agency").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class ModelBackend(_UserWithAgency, DjangoModelBackend):
    """Django's backend (username and password; the test client's ``force_login``)."""


class AuthenticationBackend(_UserWithAgency, AllauthBackend):
    """allauth's backend (the sign-in pages)."""
