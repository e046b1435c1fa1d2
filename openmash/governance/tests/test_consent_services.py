"""Consent, overrides and the rule every information request obeys (protocol, "Consent")."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from openmash.audit.models import AuditEntry
from openmash.contacts.codes import ConsentStatus, PersonRole
from openmash.contacts.models import Contact, ContactPerson, ContactStatus
from openmash.core.errors import ConflictError, NotPermitted, TransitionNotAllowed
from openmash.enquiries.models import MashEnquiry
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import (
    ConsentOverride,
    ConsentRecord,
    NotInformDecision,
    NotInformGround,
    OverrideGround,
    OverrideStatus,
    SharingRecord,
)
from openmash.governance.services_consent import (
    ConsentInvalid,
    ConsentMissing,
    consent_override_agree,
    consent_override_cancel,
    consent_override_decline,
    consent_override_propose,
    consent_position,
    consent_record,
    consent_reference_for,
    not_inform_decision_record,
)
from openmash.tasks.models import OutboxMessage

pytestmark = pytest.mark.django_db

TOLD = {
    "told_purpose": "To find out whether the children are safe and what help the family needs.",
    "told_recipients": "Police, health and the children's school, through the MASH.",
    "told_retention": "Kept on the MASH record for the retention period, then deleted.",
}


def _parent(contact):
    return ContactPerson.unscoped.get(contact=contact, role=PersonRole.PARENT_CARER)


def _withdraw(contact, staff, **extra):
    return consent_record(
        contact,
        actor=staff["pm"],
        status=ConsentStatus.WITHDRAWN,
        contact_person=_parent(contact),
        reason="Mother phoned to withdraw consent.",
        **extra,
    )


def _agreed_override(contact, staff, agencies, code="POLICE", agreer="police"):
    override = consent_override_propose(
        contact,
        actor=staff["pm"],
        agency=agencies[code],
        ground=OverrideGround.SIGNIFICANT_HARM,
        rationale="Children at risk of significant harm; police information needed now.",
    )
    return consent_override_agree(override, actor=staff[agreer], expected_version=override.version)


class TestConsentRecord:
    def test_given_needs_what_they_were_told(self, staff, recorded_contact):
        contact = recorded_contact()
        with pytest.raises(ConsentInvalid) as error:
            consent_record(contact, actor=staff["pm"], status=ConsentStatus.GIVEN)
        assert error.value.field == "told_purpose"
        record = consent_record(contact, actor=staff["pm"], status=ConsentStatus.GIVEN, **TOLD)
        assert record.recorded_by == staff["pm"] and record.told_recipients

    def test_not_sought_needs_a_reason(self, staff, recorded_contact):
        contact = recorded_contact()
        with pytest.raises(ConsentInvalid, match="why consent was not sought"):
            consent_record(contact, actor=staff["pm"], status=ConsentStatus.NOT_SOUGHT)

    def test_withdrawal_is_recorded_any_time_and_kept_on_the_contact(
        self, staff, recorded_contact, open_enquiry
    ):
        contact = recorded_contact()
        open_enquiry(contact)  # requests already out
        record = _withdraw(contact, staff)
        contact.refresh_from_db()
        assert contact.status == ContactStatus.ENQUIRY
        assert contact.consent_status == ConsentStatus.WITHDRAWN
        assert contact.consent_reason == "Mother phoned to withdraw consent."
        assert record.contact_person.role == PersonRole.PARENT_CARER
        # The position given at intake is kept as the first record, not lost.
        statuses = list(
            ConsentRecord.unscoped.filter(contact=contact)
            .order_by("recorded_at")
            .values_list("status", flat=True)
        )
        assert statuses == [ConsentStatus.GIVEN, ConsentStatus.WITHDRAWN]
        # The change reaches the audit log through the contact's history.
        assert AuditEntry.objects.filter(
            target_type="contacts.contact", target_id=str(contact.pk), verb="updated"
        ).exists()

    def test_one_persons_withdrawal_outweighs_anothers_consent(self, staff, recorded_contact):
        contact = recorded_contact()
        child = ContactPerson.unscoped.get(contact=contact, role=PersonRole.SUBJECT_CHILD)
        _withdraw(contact, staff)
        consent_record(
            contact,
            actor=staff["pm"],
            status=ConsentStatus.GIVEN,
            contact_person=child,
            **TOLD,
        )
        assert consent_position(contact).status == ConsentStatus.WITHDRAWN
        # The mother gives consent again: her latest record replaces her withdrawal.
        consent_record(
            contact,
            actor=staff["pm"],
            status=ConsentStatus.GIVEN,
            contact_person=_parent(contact),
            **TOLD,
        )
        contact.refresh_from_db()
        assert consent_position(contact).status == ConsentStatus.GIVEN
        assert contact.consent_status == ConsentStatus.GIVEN and contact.consent_reason == ""

    def test_a_person_from_another_contact_is_refused(self, staff, recorded_contact):
        contact, other = recorded_contact(), recorded_contact()
        with pytest.raises(ConsentInvalid):
            consent_record(
                contact,
                actor=staff["pm"],
                status=ConsentStatus.REFUSED,
                contact_person=_parent(other),
            )

    @pytest.mark.parametrize("who", ["police", "dpo"])
    def test_only_childrens_social_care_staff_record_consent(self, staff, recorded_contact, who):
        with pytest.raises(NotPermitted):
            consent_record(recorded_contact(), actor=staff[who], status=ConsentStatus.REFUSED)


class TestOverride:
    def test_needs_two_distinct_people_of_the_right_roles(self, staff, agencies, recorded_contact):
        contact = recorded_contact()
        _withdraw(contact, staff)
        # Proposing is for the SPA and MASH practice manager.
        for who in ("sw", "rio", "police", "dpo"):
            with pytest.raises(NotPermitted):
                consent_override_propose(
                    contact,
                    actor=staff[who],
                    agency=agencies["POLICE"],
                    ground=OverrideGround.SIGNIFICANT_HARM,
                    rationale="Because.",
                )
        override = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["POLICE"],
            ground=OverrideGround.SERIOUS_CRIME,
            rationale="Information needed to prevent serious crime against the children.",
        )
        assert override.status == OverrideStatus.PROPOSED
        # Agreeing is for a representative of the agency that owns the information.
        for who in ("pm", "pm2", "health", "dpo"):
            with pytest.raises(NotPermitted):
                consent_override_agree(override, actor=staff[who])
        agreed = consent_override_agree(override, actor=staff["police"], note="Agreed.")
        assert agreed.status == OverrideStatus.AGREED
        assert agreed.proposed_by == staff["pm"] and agreed.decided_by == staff["police"]
        assert agreed.proposed_at <= agreed.decided_at <= timezone.now()

    def test_the_proposer_cannot_also_agree(self, staff, agencies, recorded_contact, make_user):
        # A practice manager seconded to the police since proposing is still the same person.
        contact = recorded_contact()
        _withdraw(contact, staff)
        both = make_user("practice_manager", "partner_practitioner", agency="CSC")
        override = consent_override_propose(
            contact,
            actor=both,
            agency=agencies["POLICE"],
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Risk of significant harm.",
        )
        both.agency = agencies["POLICE"]
        both.save(update_fields=["agency"])
        with pytest.raises(NotPermitted, match="second person"):
            consent_override_agree(override, actor=both)

    def test_the_database_refuses_one_person_in_both_roles(self, staff, agencies, recorded_contact):
        contact = recorded_contact()
        with pytest.raises(IntegrityError), transaction.atomic():
            ConsentOverride.unscoped.create(
                contact=contact,
                agency=agencies["POLICE"],
                ground=OverrideGround.SIGNIFICANT_HARM,
                rationale="x",
                status=OverrideStatus.AGREED,
                proposed_at=timezone.now(),
                proposed_by=staff["pm"],
                decided_at=timezone.now(),
                decided_by=staff["pm"],
            )

    def test_only_on_the_protocols_grounds_with_a_rationale(
        self, staff, agencies, recorded_contact
    ):
        contact = recorded_contact()
        _withdraw(contact, staff)
        with pytest.raises(ConsentInvalid) as error:
            consent_override_propose(
                contact,
                actor=staff["pm"],
                agency=agencies["POLICE"],
                ground="it_is_quicker",
                rationale="Faster.",
            )
        assert error.value.field == "ground"
        with pytest.raises(ConsentInvalid) as error:
            consent_override_propose(
                contact,
                actor=staff["pm"],
                agency=agencies["POLICE"],
                ground=OverrideGround.UNJUSTIFIED_DELAY,
                rationale="  ",
            )
        assert error.value.field == "rationale"

    def test_not_needed_while_consent_is_given(self, staff, agencies, recorded_contact):
        with pytest.raises(TransitionNotAllowed, match="only when consent was refused"):
            consent_override_propose(
                recorded_contact(),
                actor=staff["pm"],
                agency=agencies["POLICE"],
                ground=OverrideGround.SIGNIFICANT_HARM,
                rationale="Risk.",
            )

    def test_one_live_override_per_agency_and_stale_answers_conflict(
        self, staff, agencies, recorded_contact
    ):
        contact = recorded_contact()
        _withdraw(contact, staff)
        override = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["POLICE"],
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Risk.",
        )
        with pytest.raises(ConflictError):
            consent_override_propose(
                contact,
                actor=staff["pm2"],
                agency=agencies["POLICE"],
                ground=OverrideGround.SIGNIFICANT_HARM,
                rationale="Risk.",
            )
        seen = override.version
        consent_override_agree(override, actor=staff["police"], expected_version=seen)
        with pytest.raises(ConflictError, match="changed by"):
            consent_override_decline(
                override, actor=staff["police2"], note="No.", expected_version=seen
            )

    def test_declined_and_cancelled(self, staff, agencies, recorded_contact):
        contact = recorded_contact()
        _withdraw(contact, staff)
        police = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["POLICE"],
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Risk.",
        )
        with pytest.raises(ConsentInvalid):
            consent_override_decline(police, actor=staff["police"], note="")
        consent_override_decline(police, actor=staff["police"], note="Not proportionate.")
        health = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["HEALTH"],
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Risk.",
        )
        consent_override_cancel(health, actor=staff["pm2"], note="Consent given after all.")
        statuses = dict(ConsentOverride.unscoped.values_list("agency__code", "status"))
        assert statuses == {"POLICE": OverrideStatus.DECLINED, "HEALTH": OverrideStatus.CANCELLED}

    def test_the_agencys_representatives_are_told(self, staff, agencies, recorded_contact):
        contact = recorded_contact()
        _withdraw(contact, staff)
        override = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["POLICE"],
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Risk.",
        )
        message = OutboxMessage.objects.get(
            dedupe_key__startswith=f"override-proposed:{override.pk}"
        )
        assert message.recipient == "police-a@example.org"  # police2 has no email address
        assert contact.reference in message.subject
        assert "Risk." not in message.body  # the rationale is read signed in


class TestInformationRequestsObeyConsent:
    """enquiries.services.enquiry_open calls governance's rule before anything is sent."""

    def _refused(self, open_enquiry, contact, codes=("POLICE",), match=None):
        with pytest.raises(ConsentMissing, match=match):
            open_enquiry(contact, codes=codes)
        contact.refresh_from_db()
        assert contact.status == ContactStatus.RECORDED
        assert not MashEnquiry.unscoped.filter(contact=contact).exists()
        assert not SharingRecord.objects.filter(contact=contact).exists()

    def test_sending_without_consent_override_or_reason_is_refused(
        self, recorded_contact, open_enquiry
    ):
        contact = recorded_contact(consent_status=ConsentStatus.REFUSED, consent_reason="")
        self._refused(
            open_enquiry,
            contact,
            match=r"Consent on contact C\d\d-\d+ was refused, and no consent override is "
            "agreed with .*Police",
        )
        contact = recorded_contact(consent_status="", consent_reason="")
        self._refused(open_enquiry, contact, match="no consent position recorded")
        contact = recorded_contact(consent_status=ConsentStatus.NOT_SOUGHT, consent_reason=" ")
        self._refused(open_enquiry, contact, match="no reason is recorded")

    def test_withdrawn_without_an_override_refuses_further_requests(
        self, staff, recorded_contact, open_enquiry
    ):
        contact = recorded_contact()
        _withdraw(contact, staff)
        self._refused(open_enquiry, contact, match="was withdrawn")

    def test_a_proposed_or_declined_override_is_not_enough(
        self, staff, agencies, recorded_contact, open_enquiry
    ):
        contact = recorded_contact()
        _withdraw(contact, staff)
        override = consent_override_propose(
            contact,
            actor=staff["pm"],
            agency=agencies["POLICE"],
            ground=OverrideGround.SIGNIFICANT_HARM,
            rationale="Risk.",
        )
        self._refused(open_enquiry, contact)
        consent_override_decline(override, actor=staff["police"], note="Not proportionate.")
        self._refused(open_enquiry, contact)

    def test_an_agreed_override_covers_only_its_own_agency(
        self, staff, agencies, recorded_contact, open_enquiry
    ):
        contact = recorded_contact()
        _withdraw(contact, staff)
        _agreed_override(contact, staff, agencies, "POLICE")
        self._refused(open_enquiry, contact, codes=("POLICE", "HEALTH"), match="with .*Health")
        enquiry = open_enquiry(contact, codes=("POLICE",))
        record = SharingRecord.objects.get(kind=DisclosureKind.IDENTIFYING_DETAILS)
        assert record.to_agency == agencies["POLICE"]
        assert record.consent_reference.startswith("Consent withdrawn; override agreed with POLICE")
        assert "significant harm" in record.consent_reference
        assert enquiry.contact_id == contact.pk

    @pytest.mark.parametrize(
        ("fields", "expected"),
        [
            ({"consent_status": ConsentStatus.GIVEN, "consent_reason": ""}, "Consent given"),
            (
                {"consent_status": ConsentStatus.NOT_SOUGHT, "consent_reason": "Risk to child."},
                "Consent not sought: Risk to child.",
            ),
        ],
    )
    def test_consent_or_a_recorded_reason_lets_requests_go(
        self, recorded_contact, open_enquiry, fields, expected
    ):
        contact = recorded_contact(**fields)
        open_enquiry(contact)
        assert SharingRecord.objects.get(contact=contact).consent_reference == expected
        assert consent_reference_for(Contact.unscoped.get(pk=contact.pk)) == expected


class TestNotInform:
    def test_recorded_with_its_ground(self, staff, recorded_contact):
        contact = recorded_contact()
        decision = not_inform_decision_record(
            contact,
            actor=staff["pm"],
            ground=NotInformGround.PREJUDICE_CRIME,
            rationale="Telling the family would alert the suspect.",
        )
        assert decision.decided_by == staff["pm"]
        assert NotInformDecision.unscoped.get().ground == NotInformGround.PREJUDICE_CRIME

    def test_needs_a_ground_a_rationale_and_a_practice_manager(self, staff, recorded_contact):
        contact = recorded_contact()
        with pytest.raises(ConsentInvalid):
            not_inform_decision_record(contact, actor=staff["pm"], ground="", rationale="x")
        with pytest.raises(ConsentInvalid):
            not_inform_decision_record(
                contact, actor=staff["pm"], ground=NotInformGround.INCREASED_RISK, rationale=""
            )
        with pytest.raises(NotPermitted):
            not_inform_decision_record(
                contact, actor=staff["rio"], ground=NotInformGround.INCREASED_RISK, rationale="x"
            )


def test_consent_recorded_in_the_past_keeps_its_order(staff, recorded_contact):
    contact = recorded_contact()
    earlier = timezone.now() - dt.timedelta(minutes=10)  # after the contact arrived
    _withdraw(contact, staff)
    consent_record(
        contact,
        actor=staff["pm"],
        status=ConsentStatus.GIVEN,
        contact_person=_parent(contact),
        recorded_at=earlier,
        **TOLD,
    )
    # The mother's later withdrawal still decides: her back-dated consent came before it.
    assert consent_position(contact).status == ConsentStatus.WITHDRAWN
