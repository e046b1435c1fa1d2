"""Capability checks for views. Data scoping lives in each app's selectors, not here."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def capability_required(*capabilities: str):
    """View decorator: signed in and holding at least one of ``capabilities``, else 403."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not any(request.user.can(c) for c in capabilities):
                raise PermissionDenied("Your roles do not allow this.")
            return view(request, *args, **kwargs)

        wrapped.required_capabilities = capabilities
        return wrapped

    return decorator
