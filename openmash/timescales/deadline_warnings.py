"""The deadline-warnings job: tell people when work is nearly due, and when it is overdue.

Run every five minutes by Celery beat (``tasks.send_deadline_warnings``) and on demand by
``manage.py send_deadline_warnings``. What it watches, with the deadline stored on each record
when its clock started (DESIGN.md §3):

* contacts awaiting a decision (any status but decided), by ``Contact.decision_due_at``,
  measured from ``clock_started_at``. Notified: the decision-makers of children's social care
  (everyone whose roles grant ``contact.decide``) and the screener, once screened;
* information requests not yet answered while their MASH enquiry still waits for responses,
  by ``InformationRequest.due_at``, measured from ``requested_at``. Notified: the agency's MASH
  practitioners (``enquiry.respond``) and the practice manager who opened the enquiry. Once a
  practice manager has gone ahead without a late answer, the MASH is no longer waiting for it,
  so it is no longer chased (it still counts as late on the timeliness dashboard).

A record is "approaching" once ``settings.WARNING_THRESHOLD_PERCENT`` of its allowed *working*
time has gone, and "breached" once its deadline has passed (``calendar.deadline_warning``).
Nothing is written on the records: the warning state is derived from the stored deadline and
the clock. The job is stateless beyond the database — each ``Notification`` row is the record
that one warning was sent to one person, and its unique key stops it being sent again by a later
run, a concurrent run, or a run after a worker restart.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import dateformat, timezone

from openmash.accounts.models import User
from openmash.accounts.roles import ROLE_CAPABILITIES
from openmash.accounts.roles import Capability as C
from openmash.contacts.models import Contact, ContactStatus
from openmash.enquiries.models import EnquiryStatus, InformationRequest, RequestStatus
from openmash.notifications.models import NotificationKind
from openmash.notifications.services import (
    NotificationDraft,
    notification_keys_sent,
    notification_send,
)

from .calendar import APPROACHING, BREACHED, WorkingCalendar, deadline_warning
from .services import current_calendar

CONTACT_SUBJECT = Contact._meta.label_lower
REQUEST_SUBJECT = InformationRequest._meta.label_lower

_KIND = {APPROACHING: NotificationKind.APPROACHING, BREACHED: NotificationKind.BREACHED}


@dataclass(frozen=True)
class WarningRun:
    """What one run found and did."""

    approaching: int
    breached: int
    sent: int


def _roles_granting(capability: str) -> list[str]:
    return [code for code, caps in ROLE_CAPABILITIES.items() if capability in caps]


def _active_staff():
    return User.objects.filter(is_active=True)


def _when(moment: datetime) -> str:
    return dateformat.format(timezone.localtime(moment), r"H:i \o\n l j F Y")


# -- contacts -------------------------------------------------------------------------------


def _contact_drafts(calendar: WorkingCalendar, now: datetime, threshold: int):
    flagged = []
    contacts = (
        Contact.unscoped.exclude(status=ContactStatus.DECIDED)
        .values("id", "reference", "clock_started_at", "decision_due_at", "screened_by_id")
        .order_by("decision_due_at", "pk")
    )
    for contact in contacts:
        level = deadline_warning(
            calendar, contact["clock_started_at"], contact["decision_due_at"], now, threshold
        )
        if level:
            flagged.append((contact, level))
    if not flagged:
        return [], []

    csc = _active_staff().filter(agency__is_childrens_social_care=True)
    decision_makers = list(csc.filter(roles__code__in=_roles_granting(C.CONTACT_DECIDE)).distinct())
    screener_ids = {c["screened_by_id"] for c, _ in flagged if c["screened_by_id"]}
    screeners = {
        u.pk: u
        for u in csc.filter(
            pk__in=screener_ids, roles__code__in=_roles_granting(C.CONTACT_VIEW)
        ).distinct()
    }
    drafts = []
    for contact, level in flagged:
        recipients = {u.pk: u for u in decision_makers}
        screener = screeners.get(contact["screened_by_id"])
        if screener is not None:
            recipients[screener.pk] = screener
        ref, due = contact["reference"], contact["decision_due_at"]
        if level == BREACHED:
            title = f"Decision overdue on contact {ref}"
            detail = f"The decision on contact {ref} was due by {_when(due)} and is now overdue."
        else:
            title = f"Decision due soon on contact {ref}"
            detail = (
                f"The decision on contact {ref} is due by {_when(due)} (one working day from "
                "when it was received)."
            )
        for recipient in recipients.values():
            drafts.append(
                NotificationDraft(
                    recipient=recipient,
                    kind=_KIND[level],
                    subject_type=CONTACT_SUBJECT,
                    subject_id=contact["id"],
                    title=title,
                    link_url_name="contacts:detail",
                    link_args=(str(contact["id"]),),
                    due_at=due,
                    detail=detail,
                )
            )
    return [level for _, level in flagged], drafts


# -- information requests -------------------------------------------------------------------


def _request_drafts(calendar: WorkingCalendar, now: datetime, threshold: int):
    flagged = []
    requests = (
        InformationRequest.unscoped.filter(
            status=RequestStatus.REQUESTED, enquiry__status=EnquiryStatus.OPEN
        )
        .values(
            "id",
            "agency_id",
            "agency__name",
            "requested_at",
            "due_at",
            "enquiry_id",
            "enquiry__opened_by_id",
            "enquiry__contact__reference",
        )
        .order_by("due_at", "pk")
    )
    for info_request in requests:
        level = deadline_warning(
            calendar, info_request["requested_at"], info_request["due_at"], now, threshold
        )
        if level:
            flagged.append((info_request, level))
    if not flagged:
        return [], []

    responders_by_agency = defaultdict(list)
    responders = (
        _active_staff()
        .filter(
            agency_id__in={r["agency_id"] for r, _ in flagged},
            roles__code__in=_roles_granting(C.ENQUIRY_RESPOND),
        )
        .distinct()
    )
    for user in responders:
        responders_by_agency[user.agency_id].append(user)
    openers = {
        u.pk: u
        for u in _active_staff().filter(pk__in={r["enquiry__opened_by_id"] for r, _ in flagged})
    }

    drafts = []
    for info_request, level in flagged:
        agency, ref = info_request["agency__name"], info_request["enquiry__contact__reference"]
        due = info_request["due_at"]
        if level == BREACHED:
            title = f"{agency} response overdue for contact {ref}"
            detail = f"{agency}'s response for contact {ref} was due by {_when(due)}."
        else:
            title = f"{agency} response due soon for contact {ref}"
            detail = f"{agency}'s response for contact {ref} is due by {_when(due)}."
        common = {
            "kind": _KIND[level],
            "subject_type": REQUEST_SUBJECT,
            "subject_id": info_request["id"],
            "title": title,
            "due_at": due,
            "detail": detail,
        }
        practitioners = responders_by_agency.get(info_request["agency_id"], [])
        for recipient in practitioners:
            drafts.append(
                NotificationDraft(
                    recipient=recipient,
                    link_url_name="enquiries:request_detail",
                    link_args=(str(info_request["id"]),),
                    **common,
                )
            )
        opener = openers.get(info_request["enquiry__opened_by_id"])
        if opener is not None and opener not in practitioners:
            drafts.append(
                NotificationDraft(
                    recipient=opener,
                    link_url_name="enquiries:enquiry_detail",
                    link_args=(str(info_request["enquiry_id"]),),
                    **common,
                )
            )
    return [level for _, level in flagged], drafts


# -- the job --------------------------------------------------------------------------------


def deadline_warnings_send(now: datetime | None = None) -> WarningRun:
    """Find work approaching or past its deadline and notify each person responsible once.

    Safe to run at any time, any number of times, concurrently: what was sent is read back
    from the notifications table (one query), and the table's unique key settles a race.
    A record already past its deadline gets only the "overdue" warning, never a late "due
    soon" one.
    """
    now = now or timezone.now()
    calendar = current_calendar()
    threshold = settings.WARNING_THRESHOLD_PERCENT
    contact_levels, contact_drafts = _contact_drafts(calendar, now, threshold)
    request_levels, request_drafts = _request_drafts(calendar, now, threshold)
    drafts = contact_drafts + request_drafts
    already_sent = notification_keys_sent({d.subject_id for d in drafts})
    sent = sum(1 for draft in drafts if draft.key not in already_sent and notification_send(draft))
    levels = contact_levels + request_levels
    return WarningRun(
        approaching=levels.count(APPROACHING), breached=levels.count(BREACHED), sent=sent
    )
