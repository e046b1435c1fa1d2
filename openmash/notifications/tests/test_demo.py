"""The demo loaders, run in order as ``load_demo_data`` runs them, end with deadline warnings
in the demo staff's notification centres."""

import pytest

from openmash.accounts.demo import create_demo_staff
from openmash.core.demo import DEMO_LOADERS
from openmash.notifications.demo import load_demo_notifications
from openmash.notifications.models import Notification

pytestmark = pytest.mark.django_db


def test_the_warnings_loader_runs_after_the_pathway_loaders():
    names = [loader.__name__ for loader in DEMO_LOADERS]

    warnings_at = names.index("load_demo_notifications")
    assert {"load_demo_contacts", "load_demo_enquiries"} <= set(names[:warnings_at])


def test_demo_data_comes_with_notifications_once(agencies):
    create_demo_staff({})
    for loader in DEMO_LOADERS:
        if loader is not load_demo_notifications:
            loader()

    first = load_demo_notifications()
    again = load_demo_notifications()

    assert Notification.objects.filter(recipient__username="pm").exists()
    assert Notification.objects.filter(kind="breached").exists()
    assert again.endswith("0 notification(s) sent")
    assert "0 notification(s) sent" not in first


def test_without_demo_staff_the_loader_does_nothing(db):
    assert load_demo_notifications() == "Deadline warnings: skipped (demo staff missing)"
    assert not Notification.objects.exists()
