"""Synthetic demo staff: at least one user per role, and partner practitioners for several
agencies. Names come from Faker (en_GB) with a fixed seed; never real staff (the protocol's
appendix lists real people: they must not appear here)."""

import base64
import secrets
from dataclasses import dataclass

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import decrypt
from django.db import transaction
from faker import Faker

from .models import Agency, Role, Team, User
from .roles import Role as R


@dataclass(frozen=True)
class DemoStaff:
    username: str
    agency: str
    team: str | None
    roles: tuple[str, ...]
    job_title: str


DEMO_STAFF = [
    DemoStaff("rio", "CSC", "SPA", (R.REFERRAL_OFFICER,), "Referral and information officer"),
    DemoStaff("pm", "CSC", "MASH", (R.PRACTICE_MANAGER,), "SPA and MASH practice manager"),
    DemoStaff("pm2", "CSC", "MASH", (R.PRACTICE_MANAGER,), "SPA and MASH practice manager"),
    DemoStaff("sw", "CSC", "MASH", (R.MASH_SOCIAL_WORKER,), "MASH social worker"),
    DemoStaff("tm", "CSC", "MASH", (R.TEAM_MANAGER,), "SPA and MASH team manager"),
    DemoStaff("eh", "EARLY_HELP", "EARLY_HELP", (R.EARLY_HELP,), "Early help co-ordinator"),
    DemoStaff("am", "CSC", "FIRST_RESPONSE", (R.AREA_MANAGER,), "First Response area manager"),
    DemoStaff("dpo", "CSC", None, (R.DPO,), "Data protection officer"),
    DemoStaff("admin", "CSC", None, (R.ADMINISTRATOR,), "System administrator"),
    DemoStaff("police", "POLICE", None, (R.PARTNER_PRACTITIONER,), "MASH information co-ordinator"),
    DemoStaff("health", "HEALTH", None, (R.PARTNER_PRACTITIONER,), "MASH health professional"),
    DemoStaff("education", "EDUCATION", None, (R.PARTNER_PRACTITIONER,), "MASH education officer"),
    DemoStaff("housing", "HOUSING", None, (R.PARTNER_PRACTITIONER,), "Housing duty officer"),
]


def _new_password() -> str:
    return "-".join(secrets.token_urlsafe(4) for _ in range(4))


def _new_totp_secret() -> str:
    return base64.b32encode(secrets.token_bytes(20)).decode()


@transaction.atomic
def create_demo_staff(existing: dict[str, dict]) -> list[dict]:
    """Create or refresh the demo staff. ``existing`` maps usernames to credentials from a
    previous run, reused so that running twice changes nothing a demo user relies on."""
    fake = Faker("en_GB")
    fake.seed_instance(20181009)
    agencies = {a.code: a for a in Agency.objects.all()}
    teams = {t.code: t for t in Team.objects.all()}
    roles = {r.code: r for r in Role.objects.all()}
    credentials = []
    for staff in DEMO_STAFF:
        first, last = fake.first_name(), fake.last_name()
        previous = existing.get(staff.username, {})
        password = previous.get("password") or _new_password()
        secret = previous.get("totp_secret") or _new_totp_secret()
        user, created = User.objects.get_or_create(
            username=staff.username,
            defaults={
                "first_name": first,
                "last_name": last,
                "email": f"{staff.username}@demo.openmash.invalid",
                "agency": agencies[staff.agency],
                "team": teams.get(staff.team) if staff.team else None,
                "job_title": staff.job_title,
            },
        )
        if created or not user.check_password(password) or user.must_change_password:
            # The published demo credentials must keep working: never forced to change.
            user.set_password(password)
            user.must_change_password = False
            user.save(update_fields=["password", "must_change_password"])
        if created:
            user.roles.set([roles[code] for code in staff.roles])
        totp = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
        if totp is None or decrypt(totp.data["secret"]) != secret:
            if totp is not None:
                totp.delete()
            TOTP.activate(user, secret)
        credentials.append(
            {
                "username": staff.username,
                "password": password,
                "totp_secret": secret,
                "name": user.get_full_name(),
                "agency": user.agency.name,
                "roles": [roles[code].name for code in staff.roles],
            }
        )
    return credentials
