"""Authentication backends that load the signed-in user, their agency and their role codes in
one query.

Every page needs all three: the agency for the header and the agency scopes, the role codes
for the capability checks and the navigation. Django's backends load the user alone, and the
agency and the roles then cost a query each on every request. The role codes come in the same
row through a subquery, so a role granted or withdrawn takes effect on the user's next request,
as before (nothing is cached between requests).

``settings.AUTHENTICATION_BACKENDS`` names these in place of Django's and allauth's; they
authenticate exactly as those do.
"""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import Aggregate, CharField, OuterRef, Subquery

from .models import User

_SEPARATOR = ","


class _RoleCodes(Aggregate):
    """The codes of a user's roles joined by commas (role codes are identifiers, never
    containing one): ``STRING_AGG`` on PostgreSQL, ``GROUP_CONCAT`` on SQLite."""

    function = "STRING_AGG"
    template = f"%(function)s(%(expressions)s, '{_SEPARATOR}')"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT", **extra_context)


def signed_in_user(user_id) -> User | None:
    """The user with ``user_id``, their agency joined and ``role_codes`` already filled."""
    role_links = User.roles.through.objects.filter(user_id=OuterRef("pk"))
    codes = role_links.values("user_id").annotate(codes=_RoleCodes("role_id")).values("codes")
    user = (
        User._default_manager.select_related("agency")
        .annotate(role_codes_joined=Subquery(codes))
        .filter(pk=user_id)
        .first()
    )
    if user is not None:
        joined = user.role_codes_joined
        # Fills the cached property ``User.role_codes`` (which would otherwise query).
        user.__dict__["role_codes"] = (
            frozenset(joined.split(_SEPARATOR)) if joined and user.is_active else frozenset()
        )
    return user


class _OneQueryUser:
    def get_user(self, user_id):
        user = signed_in_user(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None


class ModelBackend(_OneQueryUser, DjangoModelBackend):
    """Django's username-and-password backend."""


class AuthenticationBackend(_OneQueryUser, AllauthBackend):
    """allauth's backend (the sign-in form)."""
