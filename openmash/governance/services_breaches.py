"""Writes for the personal data breach register (protocol Appendix 4, "Reporting a Breach").

The organisations involved decide who leads and whether the breach is reported to the
Information Commissioner and to the people affected — "without undue delay and usually within
72 hours of having become aware of the breach". The clock runs in elapsed hours from discovery
(not working hours), and its end is stored when the breach is logged (``ico_due_at``).

Lifecycle: ``breach_record`` (open) → ``breach_ico_decide`` and ``breach_individuals_decide``
(each recorded once, with reasons; a decision after the 72 hours needs the reason for the
delay, as the ICO asks) → ``breach_close``. ``breach_action_add`` logs what was done at any
point; every step also writes a ``BreachAction``.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from openmash.accounts.models import Agency
from openmash.accounts.roles import Capability
from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed

from .models import Breach, BreachAction, BreachDataCategory, BreachStatus

#: UK GDPR Art 33(1): report "not later than 72 hours after having become aware of it".
ICO_DECISION_WINDOW = timedelta(hours=72)


class BreachInvalid(DomainError):
    def __init__(self, message: str, field: str = ""):
        super().__init__(message)
        self.field = field


def breach_ico_due_at(discovered_at: datetime) -> datetime:
    """72 elapsed hours after discovery, nights, weekends and bank holidays included."""
    return discovered_at + ICO_DECISION_WINDOW


def _require_dpo(actor) -> None:
    if actor is None or not actor.can(Capability.GOVERNANCE_MANAGE):
        raise NotPermitted("Only the data protection officer may do this.")


def _new_reference() -> str:
    while True:
        reference = f"BR-{uuid.uuid4().hex[:8].upper()}"
        if not Breach.unscoped.filter(reference=reference).exists():
            return reference


def _log(breach: Breach, actor, what: str, at: datetime | None = None) -> BreachAction:
    return BreachAction.unscoped.create(
        breach=breach,
        at=at or timezone.now(),
        by=actor,
        what=what,
        created_by=actor,
        modified_by=actor,
    )


def _locked(breach: Breach, expected_version: int | None) -> Breach:
    locked = Breach.unscoped.select_for_update().get(pk=breach.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConflictError(
            "Someone else has changed this breach since you opened the page. Its current "
            "state is shown; check it before trying again."
        )
    return locked


def _save(locked: Breach, actor, fields: list[str]) -> None:
    locked.version += 1
    locked.modified_by = actor
    locked.save(update_fields=[*fields, "version", "modified_at", "modified_by"])


def _require_open(breach: Breach) -> None:
    if breach.status != BreachStatus.OPEN:
        raise TransitionNotAllowed("This breach is closed: it cannot change.")


def _categories(codes) -> str:
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in BreachDataCategory.values]
    if unknown:
        raise BreachInvalid("Select the kinds of data from the list.", "data_categories")
    if not codes:
        raise BreachInvalid("Select the kinds of personal data involved.", "data_categories")
    return " ".join(codes)


@transaction.atomic
def breach_record(
    *,
    actor,
    discovered_at: datetime,
    description: str,
    agencies,
    lead_agency: Agency | None,
    data_categories,
    people_affected: int | None,
) -> Breach:
    """Log a breach. The lead agency is one of those involved (added if it was not listed)."""
    _require_dpo(actor)
    now = timezone.now()
    if discovered_at > now:
        raise BreachInvalid("The time it was discovered must be in the past.", "discovered_at")
    if not description.strip():
        raise BreachInvalid("Describe what happened.", "description")
    if people_affected is not None and people_affected < 0:
        raise BreachInvalid("Enter the number of people affected, or leave it empty.")
    breach = Breach.unscoped.create(
        reference=_new_reference(),
        discovered_at=discovered_at,
        logged_at=now,
        reported_by=actor,
        description=description.strip(),
        lead_agency=lead_agency,
        data_categories=_categories(data_categories),
        people_affected=people_affected,
        ico_due_at=breach_ico_due_at(discovered_at),
        created_by=actor,
        modified_by=actor,
    )
    involved = list(agencies)
    if lead_agency is not None and lead_agency not in involved:
        involved.append(lead_agency)
    breach.agencies.set(involved)
    _log(
        breach,
        actor,
        f"Breach logged. Discovered {timezone.localtime(discovered_at):%d/%m/%Y %H:%M}; the "
        f"decision on reporting to the ICO is due by "
        f"{timezone.localtime(breach.ico_due_at):%d/%m/%Y %H:%M}.",
        at=now,
    )
    return breach


@transaction.atomic
def breach_update(
    breach: Breach,
    *,
    actor,
    description: str,
    agencies,
    lead_agency: Agency | None,
    data_categories,
    people_affected: int | None,
    expected_version: int | None = None,
) -> Breach:
    """Correct what is known as the investigation goes on. The discovery time (and so the
    clock) does not move."""
    _require_dpo(actor)
    locked = _locked(breach, expected_version)
    _require_open(locked)
    if not description.strip():
        raise BreachInvalid("Describe what happened.", "description")
    locked.description = description.strip()
    locked.lead_agency = lead_agency
    locked.data_categories = _categories(data_categories)
    locked.people_affected = people_affected
    _save(locked, actor, ["description", "lead_agency", "data_categories", "people_affected"])
    involved = list(agencies)
    if lead_agency is not None and lead_agency not in involved:
        involved.append(lead_agency)
    locked.agencies.set(involved)
    _log(locked, actor, "Details updated.")
    return locked


@transaction.atomic
def breach_ico_decide(
    breach: Breach,
    *,
    actor,
    report: bool,
    reason: str,
    delay_reason: str = "",
    reported_at: datetime | None = None,
    ico_reference: str = "",
    expected_version: int | None = None,
) -> Breach:
    """Record the decision on reporting to the ICO (once). After the 72 hours, the reason for
    the delay is required."""
    _require_dpo(actor)
    locked = _locked(breach, expected_version)
    _require_open(locked)
    if locked.ico_report is not None:
        raise TransitionNotAllowed("The decision on reporting to the ICO is already recorded.")
    if not reason.strip():
        raise BreachInvalid("Enter the reasons for the decision.", "ico_reason")
    now = timezone.now()
    late = now > locked.ico_due_at
    if late and not delay_reason.strip():
        raise BreachInvalid(
            "The 72 hours have passed: enter the reasons for the delay.", "ico_delay_reason"
        )
    if reported_at is not None and (not report or reported_at > now):
        raise BreachInvalid("Enter when it was reported, in the past.", "ico_reported_at")
    locked.ico_report = report
    locked.ico_reason = reason.strip()
    locked.ico_delay_reason = delay_reason.strip() if late else ""
    locked.ico_decided_at = now
    locked.ico_decided_by = actor
    locked.ico_reported_at = reported_at if report else None
    locked.ico_reference = ico_reference.strip() if report else ""
    _save(
        locked,
        actor,
        [
            "ico_report",
            "ico_reason",
            "ico_delay_reason",
            "ico_decided_at",
            "ico_decided_by",
            "ico_reported_at",
            "ico_reference",
        ],
    )
    _log(
        locked,
        actor,
        ("Decided to report to the ICO" if report else "Decided not to report to the ICO")
        + (" (after the 72 hours)" if late else "")
        + f": {reason.strip()}",
        at=now,
    )
    return locked


@transaction.atomic
def breach_ico_reported(
    breach: Breach, *, actor, reported_at: datetime, ico_reference: str = ""
) -> Breach:
    """The report to the ICO was made (after a decision to report)."""
    _require_dpo(actor)
    locked = _locked(breach, None)
    if locked.ico_report is not True:
        raise TransitionNotAllowed("Record the decision to report to the ICO first.")
    if reported_at > timezone.now():
        raise BreachInvalid("Enter when it was reported, in the past.", "ico_reported_at")
    locked.ico_reported_at = reported_at
    locked.ico_reference = ico_reference.strip()
    _save(locked, actor, ["ico_reported_at", "ico_reference"])
    _log(
        locked,
        actor,
        f"Reported to the ICO on {timezone.localtime(reported_at):%d/%m/%Y %H:%M}"
        + (f", reference {ico_reference.strip()}." if ico_reference.strip() else "."),
    )
    return locked


@transaction.atomic
def breach_individuals_decide(
    breach: Breach,
    *,
    actor,
    inform: bool,
    reason: str,
    expected_version: int | None = None,
) -> Breach:
    """Record the decision on telling the people affected (Art 34: when the breach is likely to
    result in a high risk to them), once."""
    _require_dpo(actor)
    locked = _locked(breach, expected_version)
    _require_open(locked)
    if locked.individuals_inform is not None:
        raise TransitionNotAllowed("The decision on telling the people affected is recorded.")
    if not reason.strip():
        raise BreachInvalid("Enter the reasons for the decision.", "individuals_reason")
    locked.individuals_inform = inform
    locked.individuals_reason = reason.strip()
    locked.individuals_decided_at = timezone.now()
    locked.individuals_decided_by = actor
    _save(
        locked,
        actor,
        [
            "individuals_inform",
            "individuals_reason",
            "individuals_decided_at",
            "individuals_decided_by",
        ],
    )
    _log(
        locked,
        actor,
        ("Decided to tell the people affected" if inform else "Decided not to tell them")
        + f": {reason.strip()}",
    )
    return locked


@transaction.atomic
def breach_action_add(breach: Breach, *, actor, what: str) -> BreachAction:
    """Something done about the breach: contained, partners told, staff spoken to …"""
    _require_dpo(actor)
    locked = _locked(breach, None)
    _require_open(locked)
    if not what.strip():
        raise BreachInvalid("Enter what was done.", "what")
    return _log(locked, actor, what.strip())


@transaction.atomic
def breach_close(
    breach: Breach, *, actor, note: str, expected_version: int | None = None
) -> Breach:
    """Close the breach once both decisions are recorded, with what was learned."""
    _require_dpo(actor)
    locked = _locked(breach, expected_version)
    _require_open(locked)
    if locked.ico_report is None or locked.individuals_inform is None:
        raise TransitionNotAllowed(
            "Record the decisions on reporting to the ICO and on telling the people affected "
            "before closing the breach."
        )
    if not note.strip():
        raise BreachInvalid("Enter what was done to stop it happening again.", "note")
    locked.status = BreachStatus.CLOSED
    locked.closed_at = timezone.now()
    locked.closed_by = actor
    locked.closure_note = note.strip()
    _save(locked, actor, ["status", "closed_at", "closed_by", "closure_note"])
    _log(locked, actor, f"Closed: {note.strip()}")
    return locked
