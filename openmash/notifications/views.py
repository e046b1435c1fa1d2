"""The notification centre: a member of staff's own notifications, newest first."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .context_processors import remember_unread
from .forms import ReturnToPageForm


@login_required
@require_GET
def notification_list(request):
    page = selectors.notification_page(request.user, request.GET.get("page"))
    unread = selectors.unread_count(request.user)
    remember_unread(request, unread)
    return render(request, "notifications/notification_list.html", {"page": page, "unread": unread})


def _back_to_list(request):
    form = ReturnToPageForm(request.POST)
    url = reverse("notifications:list")
    if form.is_valid() and form.cleaned_data["page"] and form.cleaned_data["page"] > 1:
        url += f"?page={form.cleaned_data['page']}"
    return redirect(url)


@login_required
@require_POST
def notification_read(request, pk):
    if not services.notification_mark_read(request.user, pk):
        raise Http404("No such notification")
    remember_unread(request, selectors.unread_count(request.user))
    messages.success(request, "Notification marked as read.")
    return _back_to_list(request)


@login_required
@require_POST
def notification_read_all(request):
    count = services.notifications_mark_all_read(request.user)
    remember_unread(request, 0)
    noun = "notification" if count == 1 else "notifications"
    messages.success(request, f"{count} {noun} marked as read.")
    return _back_to_list(request)
