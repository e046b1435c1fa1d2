"""Demo information governance: two consent withdrawals (one with an override agreed with the
police, one waiting to be screened with none), a decision not to tell a family, and a
restricted child with a named social worker whose record the referral and information officer
opened with a reason. Everything goes through the same services staff use; idempotent (each
part is skipped if its records exist). All people are synthetic.
"""

from django.db import transaction

from openmash.accounts.models import Agency, User
from openmash.contacts.codes import ConsentStatus, PersonRole
from openmash.contacts.models import Contact, ContactPerson, ContactStatus

from .models import (
    ConsentOverride,
    ConsentRecord,
    NotInformGround,
    OverrideGround,
    PersonRestriction,
)
from .services_consent import (
    consent_override_agree,
    consent_override_propose,
    consent_record,
    not_inform_decision_record,
)
from .services_restricted import break_glass_open, person_restrict

USERNAMES = ("pm", "pm2", "police", "sw", "rio", "dpo")


def _parent(contact: Contact) -> ContactPerson | None:
    return (
        ContactPerson.unscoped.filter(contact=contact, role=PersonRole.PARENT_CARER)
        .order_by("created_at", "pk")
        .first()
    )


def _withdrawals(users, police) -> list[str]:
    """A withdrawal after requests went out, overridden with the police's agreement; and a
    withdrawal on a contact still to be screened, with no override (so no requests)."""
    done = []
    asked = (
        Contact.unscoped.filter(
            status=ContactStatus.ENQUIRY,
            enquiry__requests__agency=police,
            consent_status=ConsentStatus.GIVEN,
        )
        .order_by("received_at")
        .first()
    )
    if asked is not None:
        consent_record(
            asked,
            actor=users["pm"],
            status=ConsentStatus.WITHDRAWN,
            contact_person=_parent(asked),
            reason="Mother phoned the MASH to withdraw consent after a visit from her partner; "
            "she said he had told her not to let anyone 'poke around'.",
        )
        override = consent_override_propose(
            asked,
            actor=users["pm"],
            agency=police,
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Repeat domestic abuse with the children present and a withdrawal that "
            "appears to have been made under pressure. Police information is needed now to "
            "judge the risk of significant harm; waiting would leave the children exposed.",
        )
        consent_override_agree(
            override,
            actor=users["police"],
            note="Agreed by the police MASH supervisor: necessary and proportionate.",
            expected_version=override.version,
        )
        not_inform_decision_record(
            asked,
            actor=users["pm"],
            ground=NotInformGround.INCREASED_RISK,
            rationale="Telling the mother would alert her partner and could place her and the "
            "children at increased risk of significant harm.",
        )
        done.append(f"{asked.reference} (withdrawn; override agreed with the police)")
    to_screen = (
        Contact.unscoped.filter(status=ContactStatus.RECORDED, consent_status=ConsentStatus.GIVEN)
        .order_by("-received_at")
        .first()
    )
    if to_screen is not None:
        consent_record(
            to_screen,
            actor=users["pm2"],
            status=ConsentStatus.WITHDRAWN,
            contact_person=_parent(to_screen),
            reason="Father emailed the school to say the family no longer agree to information "
            "being shared; the school forwarded it to the MASH.",
        )
        done.append(f"{to_screen.reference} (withdrawn before screening; no override)")
    return done


def _restricted(users) -> str | None:
    """A child restricted because a relative works in the MASH: the social worker is named;
    the referral and information officer opened the record with a reason."""
    from openmash.people.models import Person

    linked = ContactPerson.unscoped.filter(
        role=PersonRole.SUBJECT_CHILD,
        person__isnull=False,
        contact__status=ContactStatus.DECIDED,
    ).values("person_id")
    person = (
        Person.unscoped.filter(pk__in=linked, restricted=False).order_by("local_id").first()
        or Person.unscoped.filter(restricted=False).order_by("local_id").first()
    )
    if person is None:
        return None
    person_restrict(
        person,
        actor=users["dpo"],
        reason="The child is the nephew of a member of MASH staff (synthetic demo record).",
        named_users=[users["sw"]],
    )
    break_glass_open(
        users["rio"],
        [person.pk],
        reason="A new contact from the school names this child's household; I need to check "
        "whether he is known before recording it.",
        channel="people:person_detail",
    )
    return person.local_id


def load_demo_governance() -> str | None:
    users = {name: User.objects.filter(username=name).first() for name in USERNAMES}
    if any(user is None for user in users.values()):
        return "Information governance: skipped (demo staff missing)"
    police = Agency.objects.filter(code="POLICE").first()
    parts = []
    with transaction.atomic():
        if not (ConsentOverride.unscoped.exists() or ConsentRecord.unscoped.exists()):
            withdrawals = _withdrawals(users, police)
            if withdrawals:
                parts.append("consent withdrawn on " + ", ".join(withdrawals))
        if not PersonRestriction.objects.exists():
            restricted = _restricted(users)
            if restricted:
                parts.append(f"restricted record {restricted} with a named user and a break-glass")
    if not parts:
        return "Information governance: already present"
    return "Information governance: " + "; ".join(parts)
