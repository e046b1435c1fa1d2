"""Load synthetic demo data and write var/demo-credentials.json — demo mode only."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from openmash.accounts.demo import create_demo_staff
from openmash.core.demo import DEMO_LOADERS


class Command(BaseCommand):
    help = "Load synthetic demo staff and case data (idempotent) and print the demo users."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError("Demo data is only loaded in demo mode (config.settings.local).")
        path = settings.VAR_DIR / "demo-credentials.json"
        existing = {}
        if path.exists():
            existing = {c["username"]: c for c in json.loads(path.read_text())}
        credentials = create_demo_staff(existing)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(credentials, indent=2))
        path.chmod(0o600)
        for loader in DEMO_LOADERS:
            message = loader()
            if message:
                self.stdout.write(message)
        self._print_table(credentials, path)

    def _print_table(self, credentials, path):
        cols = ("username", "password", "totp_secret", "agency", "roles")
        rows = [[c[k] if k != "roles" else ", ".join(c[k]) for k in cols] for c in credentials]
        widths = [max(len(col), *(len(r[i]) for r in rows)) for i, col in enumerate(cols)]
        line = "  ".join(col.ljust(w) for col, w in zip(cols, widths, strict=True))
        self.stdout.write("\nDemo users (sign in, then enter the 6-digit code for the TOTP secret")
        self.stdout.write('from an authenticator app, or: python -c "import pyotp;')
        self.stdout.write("print(pyotp.TOTP('SECRET').now())\"):\n")
        self.stdout.write(line)
        self.stdout.write("  ".join("-" * w for w in widths))
        for r in rows:
            self.stdout.write("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)))
        self.stdout.write(f"\nAlso written to {path}\n")
