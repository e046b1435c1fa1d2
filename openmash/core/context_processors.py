"""Values every page needs: the service mode banner and the role-dependent navigation."""

from django.conf import settings

from openmash.accounts.roles import Capability

from .navigation import navigation_for, navigation_html


def service(request):
    user = getattr(request, "user", None)
    navigation = navigation_for(request, user)
    return {
        "openmash_mode": settings.OPENMASH_MODE,
        "demo_mode": settings.OPENMASH_MODE == "local",
        "service_navigation": navigation,
        "service_navigation_html": navigation_html(navigation) if navigation else "",
        # Partner systems call the API with a personal token (openmash.api); the page that
        # issues them is linked from the signed-in bar for those who may answer requests.
        "show_api_tokens": bool(
            user and user.is_authenticated and user.can(Capability.ENQUIRY_RESPOND)
        ),
    }
