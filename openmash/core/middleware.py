"""Cross-cutting HTTP behaviour."""

from django.utils.cache import add_never_cache_headers


class NoStoreMiddleware:
    """Case data must never sit in a browser or proxy cache (ASVS 14.3): any page for a
    signed-in user is sent ``Cache-Control: no-store``. Static files are served before this."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
            response["Cache-Control"] = "no-store, no-cache, must-revalidate, private"
        return response
