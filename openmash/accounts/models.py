"""Staff, the agencies they belong to, the teams of the MASH, and roles.

A user belongs to exactly one agency (the agency firewall, DESIGN.md §5) and holds one or more
roles; what a role may do is in ``roles.ROLE_CAPABILITIES``.
"""

import uuid
from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
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
    #: The codes of ``roles``, space-separated and sorted: a copy that every page's capability
    #: check reads with the user's row instead of a query of its own. Kept by the
    #: ``m2m_changed`` signal (``held_role_codes_refresh``) in the transaction that changes the
    #: roles, whichever side (user or role) they are changed from; ``roles`` stays the truth.
    held_role_codes = models.CharField(max_length=400, blank=True, default="", editable=False)
    history = HistoricalRecords(
        m2m_fields=[roles], excluded_fields=["last_login", "password", "held_role_codes"]
    )

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self):
        return self.get_full_name() or self.username

    @property
    def role_codes(self) -> frozenset[str]:
        """The codes of the user's roles. Read from ``held_role_codes``, which comes with the
        user's row, so a request pays no query for them; a role withdrawn still takes effect at
        once, because the copy changes in the same transaction as the roles."""
        if not self.pk or not self.is_active:
            return frozenset()
        return frozenset(self.held_role_codes.split())

    @cached_property
    def capabilities(self) -> frozenset[str]:
        return capabilities_for(self.role_codes)

    def can(self, capability: str) -> bool:
        """True if any of the user's roles grants ``capability``."""
        return capability in self.capabilities

    @property
    def is_childrens_social_care(self) -> bool:
        return bool(self.agency_id and self.agency.is_childrens_social_care)


def held_role_codes_refresh(user_ids) -> None:
    """Copy the roles of these users into ``held_role_codes`` (see there)."""
    held: dict = {user_id: [] for user_id in user_ids}
    links = User.roles.through.objects.filter(user_id__in=held).values_list("user_id", "role_id")
    for user_id, code in links:
        held[user_id].append(code)
    for user_id, codes in held.items():
        User.objects.filter(pk=user_id).update(held_role_codes=" ".join(sorted(codes)))
