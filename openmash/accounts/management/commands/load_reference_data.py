from django.core.management.base import BaseCommand

from openmash.accounts.reference_data import load_reference_data


class Command(BaseCommand):
    help = "Load the protocol's agencies and teams (idempotent; keeps administrators' edits)."

    def handle(self, *args, **options):
        agencies, teams = load_reference_data()
        self.stdout.write(f"Reference data: {agencies} agencies and {teams} teams created.")
