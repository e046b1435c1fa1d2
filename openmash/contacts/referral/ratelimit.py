"""A small per-client rate limit for the public referral form, on the shared Django cache
(the database cache, so every web worker counts together).

Fixed windows: at most ``limit`` POSTs per ``window`` seconds per client address and scope.
Addresses are stored only as a keyed hash, so the cache table holds no IP addresses. A MASH
receives referrals from schools and hospitals that share one address, so the limits are set
to stop scripted abuse, not a busy safeguarding lead.
"""

import hashlib
import hmac
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

#: scope -> (POSTs allowed, window in seconds); override with settings.REFERRAL_RATE_LIMITS.
DEFAULT_LIMITS = {
    "page": (120, 10 * 60),
    "submit": (20, 60 * 60),
}


def _limits(scope: str) -> tuple[int, int]:
    return getattr(settings, "REFERRAL_RATE_LIMITS", {}).get(scope, DEFAULT_LIMITS[scope])


def client_address(request) -> str:
    """The client's address. Behind a reverse proxy set ``REFERRAL_CLIENT_IP_HEADER`` to
    ``HTTP_X_FORWARDED_FOR``: the last entry is the one our proxy added (the client cannot
    forge it); anything to its left could be."""
    header = getattr(settings, "REFERRAL_CLIENT_IP_HEADER", "REMOTE_ADDR")
    value = request.META.get(header, "") or request.META.get("REMOTE_ADDR", "")
    return value.split(",")[-1].strip() or "unknown"


def _bucket(scope: str, address: str, window: int) -> tuple[str, int]:
    digest = hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()
    now = int(time.time())
    index = now // window
    return f"referral-rl:{scope}:{digest[:32]}:{index}", window - (now % window)


def hit(scope: str, request) -> int | None:
    """Count one request; return seconds to wait if over the limit, else None."""
    limit, window = _limits(scope)
    key, remaining = _bucket(scope, client_address(request), window)
    if cache.add(key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window + 1)
            count = 1
    return remaining if count > limit else None


def rate_limited(scope: str):
    """View decorator: POSTs beyond the scope's limit get the friendly 429 page."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                wait = hit(scope, request)
                if wait is not None:
                    response = render(
                        request,
                        "referral/rate_limited.html",
                        {"minutes": max(1, (wait + 59) // 60)},
                        status=429,
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
