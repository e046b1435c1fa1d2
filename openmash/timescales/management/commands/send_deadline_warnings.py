"""Run the deadline-warnings job now (it also runs every 5 minutes in the worker)."""

from django.core.management.base import BaseCommand

from openmash.timescales.deadline_warnings import deadline_warnings_send


class Command(BaseCommand):
    help = "Warn staff about work nearly due or overdue (each warning is sent only once)."

    def handle(self, *args, **options):
        run = deadline_warnings_send()
        self.stdout.write(
            f"{run.approaching} approaching, {run.breached} overdue; "
            f"{run.sent} notification(s) sent."
        )
