"""``manage.py verify_audit``: seal pending access entries into the chain, then check the audit
hash chain; exit 0 if intact, 1 naming the first broken entry. Safe to run at any time (it only
appends, as every page view's sealing does); cron, CI or the nightly job can call it.
``--no-seal`` checks without writing anything."""

from django.core.management.base import BaseCommand, CommandError

from openmash.audit.services import seal_pending, verify_chain


class Command(BaseCommand):
    help = "Verify the audit log's hash chain and report the first broken entry, if any."

    def add_arguments(self, parser):
        parser.add_argument(
            "--no-seal",
            action="store_true",
            help="Do not seal pending access entries first (a read-only check).",
        )

    def handle(self, *args, **options):
        if not options["no_seal"]:
            seal_pending()
        result = verify_chain()
        if not result.ok:
            raise CommandError(
                f"Audit chain BROKEN at entry #{result.first_broken_sequence}: {result.reason} "
                f"({result.checked} entries before it verified.)"
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Audit chain intact: {result.checked} entries verified; head at "
                f"#{result.head_sequence}, hash {result.head_hash}; "
                f"{result.pending} access entries pending, not yet sealed."
            )
        )
