"""``manage.py verify_audit``: check the audit hash chain; exit 0 if intact, 1 naming the first
broken entry. Safe to run at any time (read-only); cron, CI or the nightly job can call it."""

from django.core.management.base import BaseCommand, CommandError

from openmash.audit.services import verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and report the first broken entry, if any."

    def handle(self, *args, **options):
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at entry #{result.first_broken_sequence}: {result.reason} "
                f"({result.checked} entries before it verified.)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} entries verified; head at "
                f"#{result.head_sequence}, hash {result.head_hash}."
            )
        )
