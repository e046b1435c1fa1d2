"""Staff, the agencies they belong to, the teams of the MASH, and roles.

A user belongs to exactly one agency (the agency firewall, DESIGN.md §5) and holds one or more
roles; what a role may do is in ``roles.ROLE_CAPABILITIES``.
"""

import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import connection, models
from simple_history.models import HistoricalRecords

from openmash.core.models import BaseModel

from .roles import Role as RoleCode
from .roles import capabilities_for


class Agency(BaseModel):
    """A MASH partner agency (protocol Appendix 3)."""

    class Kind(models.TextChoices):
        CORE = "core", "Core partner"
        VIRTUAL = "virtual", "Virtual partner"

    code = models.SlugField(max_length=40, unique=True, help_text="Short stable code, e.g. POLICE")
    name = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    co_located = models.BooleanField(default=False, help_text="Works in the MASH office")
    location = models.CharField(max_length=200, blank=True)
    summary = models.TextField(blank=True)
    #: Children's social care owns contacts; every other agency only answers requests.
    is_childrens_social_care = models.BooleanField(default=False)
    #: Whether MASH enquiries may send information requests to this agency.
    receives_information_requests = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "agencies"

    def __str__(self):
        return self.name


class Team(BaseModel):
    """A team a contact can be handed to or staff can work in (SPA, MASH, Assessment…)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, unique=True)
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="teams")
    description = models.CharField(max_length=300, blank=True)
    email = models.EmailField(blank=True, help_text="Team inbox for handover summaries")
    receives_handovers = models.BooleanField(default=True)
    active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Role(models.Model):
    """A role a user can hold; rows mirror ``roles.Role`` (created by a data migration)."""

    code = models.CharField(max_length=40, primary_key=True, choices=RoleCode.choices)
    name = models.CharField(max_length=120)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A member of staff. Names are synthetic in demo data; never real staff."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    agency = models.ForeignKey(
        Agency, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    job_title = models.CharField(max_length=120, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    #: Set when an administrator chose or generated the password (create, reset): someone else
    #: has known it, so the user must change it before anything else (``middleware``).
    must_change_password = models.BooleanField(default=False)
    history = HistoricalRecords(m2m_fields=[roles], excluded_fields=["last_login", "password"])

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """The codes of the user's roles, read afresh on each request (a role withdrawn takes
        effect at once). Every signed-in page asks, so this is one plain statement on the link
        table: the ORM's join through ``Role`` cost four times as long to build and run."""
        if not self.pk or not self.is_active:
            return frozenset()
        table = User.roles.through._meta.db_table
        user_id = User._meta.pk.get_db_prep_value(self.pk, connection)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT role_id FROM {table} WHERE user_id = %s", [user_id])  # noqa: S608 (table name from the model)
            return frozenset(code for (code,) in cursor.fetchall())

    @cached_property
    def capabilities(self) -> frozenset[str]:
        return capabilities_for(self.role_codes)

    def can(self, capability: str) -> bool:
        """True if any of the user's roles grants ``capability``."""
        return capability in self.capabilities

    @property
    def is_childrens_social_care(self) -> bool:
        return bool(self.agency_id and self.agency.is_childrens_social_care)
