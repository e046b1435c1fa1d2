"""Reads of notifications. A member of staff only ever sees their own."""

from django.core.paginator import Page, Paginator

from .models import Notification

PAGE_SIZE = 25


def notification_page(user, page_number) -> Page:
    """One page of ``user``'s notifications, newest first (one count, one page query)."""
    notifications = Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")
    return Paginator(notifications, PAGE_SIZE).get_page(page_number)


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()
