"""Demo data for data subject rights, retention and breaches, through the same services the
data protection officer (demo user ``dpo``) uses:

* retention schedules for each type of record (synthetic periods; a real partnership sets its
  own);
* four rights requests — a subject access request past its one-month deadline, a
  rectification request, an erasure request whose person is not yet identified, and a
  completed subject access request;
* two breaches: one discovered this morning, inside its 72-hour clock, and one decided and
  closed.

Idempotent: each part is skipped if its records exist. Requesters are synthetic (Faker en_GB,
fixed seed).
"""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from faker import Faker

from openmash.accounts.models import Agency, User
from openmash.contacts.models import ContactPerson, ContactStatus

from .models import (
    Breach,
    RetentionAction,
    RetentionRecordType,
    RetentionSchedule,
    RetentionTrigger,
    RightsRequest,
    RightsRequestKind,
    RightsRequestStatus,
)
from .services_breaches import (
    breach_action_add,
    breach_close,
    breach_ico_decide,
    breach_individuals_decide,
    breach_record,
)
from .services_retention import retention_schedule_save
from .services_rights import (
    rights_request_add_note,
    rights_request_register,
    rights_request_set_status,
)

RT, TR, RA = RetentionRecordType, RetentionTrigger, RetentionAction
DEMO_AUTHORITY = "Demo schedule (synthetic): set your partnership's own periods"

SCHEDULES = [
    (RT.CONTACT, TR.BIRTH, 25, RA.DELETE, "Kept until the youngest child's 25th birthday"),
    (RT.PERSON, TR.BIRTH, 25, RA.DELETE, "Person entries no contact names any more"),
    (RT.SHARING_RECORD, TR.CREATION, 6, RA.DELETE, "Exports and other disclosures"),
    (RT.RIGHTS_REQUEST, TR.CLOSURE, 2, RA.DELETE, "Two years after the request is closed"),
    (RT.BREACH, TR.CLOSURE, 6, RA.PSEUDONYMISE, "Kept for the partnership's breach statistics"),
    (RT.OUTBOX_MESSAGE, TR.CREATION, 1, RA.DELETE, "Copies of emails sent"),
]


def _people_on_decided_contacts(limit: int) -> list:
    entries = (
        ContactPerson.unscoped.filter(
            contact__status=ContactStatus.DECIDED,
            person__isnull=False,
            person__restricted=False,
            role="subject_child",
        )
        .select_related("person")
        .order_by("contact__received_at", "pk")
    )
    people = []
    for entry in entries:
        if entry.person not in people:
            people.append(entry.person)
        if len(people) == limit:
            break
    return people


def _schedules(dpo) -> int:
    if RetentionSchedule.objects.exists():
        return 0
    for record_type, trigger, years, action, notes in SCHEDULES:
        retention_schedule_save(
            None,
            actor=dpo,
            record_type=record_type,
            trigger=trigger,
            years=years,
            months=0,
            action=action,
            authority=DEMO_AUTHORITY,
            notes=notes,
        )
    return len(SCHEDULES)


def _requests(dpo, fake: Faker) -> int:
    if RightsRequest.unscoped.exists():
        return 0
    today = timezone.localdate()
    people = _people_on_decided_contacts(3)
    first, second, third = (people + [None, None, None])[:3]
    overdue = rights_request_register(
        actor=dpo,
        kind=RightsRequestKind.ACCESS,
        requester_name=fake.name(),
        requester_relationship="Mother",
        requester_contact=fake.address(),
        description="A copy of everything held about her son.",
        received_on=today - timedelta(days=38),
        person=first,
    )
    rights_request_add_note(
        overdue, actor=dpo, note="Identity and parental responsibility checked in person."
    )
    rights_request_register(
        actor=dpo,
        kind=RightsRequestKind.RECTIFICATION,
        requester_name=fake.name(),
        requester_relationship="Father",
        requester_contact=fake.email(),
        description="Says his daughter's date of birth is recorded wrongly.",
        received_on=today - timedelta(days=4),
        person=second,
    )
    rights_request_register(
        actor=dpo,
        kind=RightsRequestKind.ERASURE,
        requester_name=fake.name(),
        requester_relationship="The person themselves",
        requester_contact=fake.email(),
        description="Asks for all records about her to be deleted.",
        received_on=today - timedelta(days=9),
    )
    done = rights_request_register(
        actor=dpo,
        kind=RightsRequestKind.ACCESS,
        requester_name=fake.name(),
        requester_relationship="Solicitor acting for the mother",
        received_on=today - timedelta(days=70),
        person=third,
    )
    rights_request_set_status(
        done,
        actor=dpo,
        status=RightsRequestStatus.COMPLETED,
        note="Answered by letter: OpenMASH holds nothing beyond what the family already has.",
    )
    return 4


def _breaches(dpo) -> int:
    if Breach.unscoped.exists():
        return 0
    agencies = {a.code: a for a in Agency.objects.all()}
    now = timezone.now()
    breach_record(
        actor=dpo,
        discovered_at=now - timedelta(hours=5),
        description=(
            "A handover summary was emailed to a school's general inbox instead of its "
            "designated safeguarding lead. The school has been asked to delete it."
        ),
        agencies=[agencies["CSC"], agencies["EDUCATION"]],
        lead_agency=agencies["CSC"],
        data_categories=["identity", "safeguarding"],
        people_affected=3,
    )
    old = breach_record(
        actor=dpo,
        discovered_at=now - timedelta(hours=50),
        description=(
            "A police officer's notes from a MASH meeting were left in a shared printer tray "
            "and found by a colleague from another agency, who returned them unread."
        ),
        agencies=[agencies["CSC"], agencies["POLICE"]],
        lead_agency=agencies["POLICE"],
        data_categories=["identity", "criminal"],
        people_affected=2,
    )
    breach_ico_decide(
        old,
        actor=dpo,
        report=False,
        reason="Returned unread within the hour by a vetted colleague: unlikely to result in "
        "a risk to the people's rights.",
    )
    breach_individuals_decide(old, actor=dpo, inform=False, reason="No likely high risk to them.")
    breach_action_add(old, actor=dpo, what="Printer tray checks added to the meeting close-down.")
    breach_close(old, actor=dpo, note="Secure print release enabled on the MASH printer.")
    return 2


def load_demo_rights() -> str:
    dpo = User.objects.filter(username="dpo", is_active=True).first()
    if dpo is None:
        return "Rights, retention and breaches: no demo data protection officer"
    fake = Faker("en_GB")
    fake.seed_instance(5105)
    with transaction.atomic():
        counts = (_schedules(dpo), _requests(dpo, fake), _breaches(dpo))
    if not any(counts):
        return "Rights, retention and breaches: already present"
    return (
        f"Rights, retention and breaches: {counts[0]} retention schedules, {counts[1]} rights "
        f"requests, {counts[2]} breaches"
    )
