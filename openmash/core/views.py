"""Home page, health check and error pages."""

import logging

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .navigation import navigation_for

logger = logging.getLogger(__name__)


@login_required
def home(request):
    """The landing page: how much work waits in each queue this user acts on (and how much is
    overdue), then shortcuts to everything their roles allow."""
    from .work import work_summary_for

    return render(
        request,
        "core/home.html",
        {
            "work": work_summary_for(request.user),
            "shortcuts": [i for i in navigation_for(request, request.user) if i["url"] != "/"],
        },
    )


@require_GET
@never_cache
def healthz(request):
    """Liveness for load balancers and ``make run``: 200 when the database answers, else 503.

    Queue status is reported but does not fail the check: a stopped worker delays background
    work (swept up on restart) but does not stop staff from recording and deciding contacts.
    """
    from openmash.tasks.health import queue_status

    status = {"database": "ok"}
    code = 200
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        logger.exception("health check: database unreachable")
        status["database"] = "unavailable"
        code = 503
    status["queue"] = queue_status()
    status["status"] = "ok" if code == 200 else "unavailable"
    return JsonResponse(status, status=code)


def permission_denied(request, exception=None):
    return render(request, "errors/403.html", status=403)


def page_not_found(request, exception=None):
    return render(request, "errors/404.html", status=404)


def server_error(request):
    # No request context: the failure may be the database, which context processors use.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("errors/500.html").render({}))
