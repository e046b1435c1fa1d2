"""Values every page needs: the service mode banner and the role-dependent navigation."""

from django.conf import settings

from .navigation import navigation_for


def service(request):
    user = getattr(request, "user", None)
    return {
        "openmash_mode": settings.OPENMASH_MODE,
        "demo_mode": settings.OPENMASH_MODE == "local",
        "service_navigation": navigation_for(request, user),
    }
