"""Demo notifications: the deadline-warnings job run once over the demo case data, so the demo
opens with "due soon" and "overdue" warnings in the practice managers' and partners'
notification centres. Registered last (this app comes after the pathway apps in
INSTALLED_APPS). Idempotent because the job is: a second run sends nothing already sent."""

from openmash.accounts.models import User
from openmash.timescales.deadline_warnings import deadline_warnings_send


def load_demo_notifications() -> str:
    if not User.objects.filter(username="pm").exists():
        return "Deadline warnings: skipped (demo staff missing)"
    run = deadline_warnings_send()
    return (
        f"Deadline warnings: {run.approaching} due soon, {run.breached} overdue; "
        f"{run.sent} notification(s) sent"
    )
