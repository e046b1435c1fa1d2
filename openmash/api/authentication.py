"""Token authentication for partner systems: django-rest-knox, plus the account checks a
sign-in would make. A token acts exactly as its user, so it stops working when the user could
no longer sign in (deactivated by knox; locked out after failed sign-ins, here)."""

from datetime import timedelta

from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from knox.auth import TokenAuthentication
from rest_framework import exceptions

from openmash.accounts.selectors import user_sign_in_security

#: ``last_used_at`` is written at most this often per token, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuthentication(TokenAuthentication):
    """``Authorization: Token openmash_…``"""

    def validate_user(self, auth_token):
        user, token = super().validate_user(auth_token)
        if user_sign_in_security(user).locked_out:
            raise exceptions.AuthenticationFailed(
                "This account is locked after failed sign-ins. Ask your OpenMASH administrator."
            )
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            type(token).objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return user, token


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """Describes the token in the OpenAPI schema."""

    target_class = "openmash.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=self.target.authenticate_header(None)
        )
