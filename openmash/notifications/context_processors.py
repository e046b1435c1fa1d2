"""The unread-notification count shown in every page's header.

Every page shows it, so it must not cost every page a query: the count is kept in the session
and refreshed at most once a minute (and at once when the user reads their notifications).
Warnings are sent by a job that runs every five minutes, so a minute's delay loses nothing.
The session is saved on every request anyway (idle timeout), so keeping it there is free.
"""

import time
from functools import cache

from . import selectors

SESSION_KEY = "notifications.unread"
REFRESH_SECONDS = 60


def remember_unread(request, count: int) -> None:
    """Store a count just computed (e.g. after marking notifications read)."""
    request.session[SESSION_KEY] = [str(request.user.pk), count, time.time()]


def _unread_for(request) -> int:
    cached = request.session.get(SESSION_KEY)
    if (
        isinstance(cached, list)
        and len(cached) == 3
        and cached[0] == str(request.user.pk)
        and 0 <= time.time() - cached[2] < REFRESH_SECONDS
    ):
        return cached[1]
    count = selectors.unread_count(request.user)
    remember_unread(request, count)
    return count


def notifications(request):
    """``unread_notifications``: evaluated only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not hasattr(request, "session"):
        return {}
    return {"unread_notifications": cache(lambda: _unread_for(request))}
