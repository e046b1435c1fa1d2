"""Every path that discloses personal data writes exactly one Record of Sharing entry of its
kind, with a lawful basis.

The paths are enumerated, not sampled: ``DISCLOSURE_PATHS`` names a driver for every kind of
disclosure, and ``NOT_YET_DISCLOSED`` says why a kind has none. The tests fail when

* a ``DisclosureKind`` is added without a driver or a reason here;
* a module discloses a kind (``kind=DisclosureKind.X`` anywhere outside the tests) with no
  driver for that module — a new kind, a kind listed as not yet disclosed, or a second path
  of a known kind: write its driver;
* a driver's disclosure writes no entry, more than one, or one without a basis.

Each driver takes the path the way staff do — the real service or page — from a state built
through the services too.
"""

import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import openmash
from openmash.accounts.models import Team
from openmash.accounts.roles import Role
from openmash.contacts.models import Contact
from openmash.decisions.codes import TEAM_REQUIRED_OUTCOMES, Outcome
from openmash.decisions.services import analysis_record, contact_decide
from openmash.enquiries.models import InformationRequest
from openmash.enquiries.services import enquiry_open
from openmash.enquiries.tests.factories import RecordedContactFactory
from openmash.governance.codes import DisclosureKind
from openmash.governance.models import SharingRecord

pytestmark = pytest.mark.django_db

K = DisclosureKind


# -- the state a driver starts from -----------------------------------------------------------


@dataclass
class World:
    staff: dict
    agencies: dict

    def client(self, who: str) -> Client:
        from allauth.mfa.models import Authenticator

        user = self.staff[who]
        Authenticator.objects.get_or_create(
            user=user,
            type=Authenticator.Type.TOTP,
            defaults={"data": {"secret": "JBSWY3DPEHPK3PXP"}},
        )
        client = Client()
        client.force_login(user)
        return client

    def recorded_contact(self) -> Contact:
        return RecordedContactFactory(referrer_email="referrer@school.example")

    def contact_with_police_request(self) -> Contact:
        """A contact whose MASH enquiry asked only the police (not yet answered)."""
        contact = self.recorded_contact()
        police = self.agencies["POLICE"]
        enquiry_open(
            contact,
            actor=self.staff["pm"],
            agency_ids=[police.pk],
            questions={police.pk: "What do the police hold?"},
            expected_version=contact.version,
            screening={"rag": "red"},
        )
        return Contact.unscoped.get(pk=contact.pk)

    def police_request(self, contact) -> InformationRequest:
        return InformationRequest.unscoped.get(enquiry__contact=contact)

    def answered(self, contact) -> Contact:
        from openmash.enquiries.services import information_request_respond

        request = self.police_request(contact)
        information_request_respond(
            request,
            actor=self.staff["police"],
            expected_version=request.version,
            outcome="known",
            summary="Two domestic incidents at the address this year.",
            systems_searched="Police national computer",
        )
        return Contact.unscoped.get(pk=contact.pk)

    def analysed_contact(self) -> Contact:
        contact = self.answered(self.contact_with_police_request())
        analysis_record(
            contact,
            actor=self.staff["sw"],
            expected_version=contact.version,
            analysis="Repeat domestic abuse with the children present.",
            recommendation=Outcome.ASSESSMENT_S17,
        )
        return Contact.unscoped.get(pk=contact.pk)

    def decide(self, contact, outcome) -> None:
        team = (
            Team.objects.filter(receives_handovers=True, active=True).order_by("code").first()
            if outcome in TEAM_REQUIRED_OUTCOMES
            else None
        )
        contact_decide(
            contact,
            actor=self.staff["pm"],
            outcome=outcome,
            rationale="Synthetic rationale for the decision.",
            receiving_team=team,
            expected_version=contact.version,
        )

    def meeting_in_progress(self, contact):
        """Today's MASH meeting, started, with ``contact`` on its agenda; and its item."""
        from openmash.meetings.models import AgendaItem
        from openmash.meetings.services import (
            agenda_item_add,
            meeting_get_or_create,
            meeting_start,
            meeting_types_ensure,
        )
        from openmash.timescales.calendar import LONDON

        pm = self.staff["pm"]
        starts = timezone.localtime(timezone.now(), LONDON).replace(
            hour=11, minute=30, second=0, microsecond=0
        )
        meeting = meeting_get_or_create(
            meeting_types_ensure()["mash_meeting"], starts.date(), starts, pm
        )
        meeting = meeting_start(meeting, actor=pm, expected_version=meeting.version)
        item = AgendaItem.unscoped.filter(meeting=meeting, contact=contact).first()
        if item is None:
            item = agenda_item_add(meeting, actor=pm, reference=contact.reference)
        return meeting, item


# -- one driver per disclosure path ------------------------------------------------------------


def discloses_in(module: str):
    """Marks a driver with the module (under ``openmash/``) whose disclosure it exercises."""

    def mark(driver):
        driver.module = module
        return driver

    return mark


@discloses_in("enquiries/services.py")
def drive_information_request(world: World) -> None:
    """The MASH opens an enquiry: the police get the identifying details (enquiries service)."""
    world.contact_with_police_request()


@discloses_in("enquiries/services.py")
def drive_agency_response(world: World) -> None:
    """The police answer on their request page (the partner's view)."""
    contact = world.contact_with_police_request()
    request = world.police_request(contact)
    response = world.client("police").post(
        reverse("enquiries:request_detail", args=[request.pk]),
        {
            "outcome": "known",
            "summary": "Two domestic incidents at the address this year.",
            "risk_factors": "",
            "protective_factors": "",
            "systems_searched": "Police national computer",
            "proportionality_note": "",
            "version": request.version,
        },
    )
    assert response.status_code == 302


@discloses_in("enquiries/services.py")
def drive_api_read(world: World) -> None:
    """The police's case system reads its request through the REST API with a token."""
    from rest_framework.test import APIClient

    from openmash.api.services import api_token_create

    request = world.police_request(world.contact_with_police_request())
    _, secret = api_token_create(
        actor=world.staff["police"], name="Force case system", lifetime_days=30
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    response = client.get(reverse("api:information-request-detail", args=[request.pk]))
    assert response.status_code == 200


@discloses_in("decisions/services.py")
def drive_handover_summary(world: World) -> None:
    """The practice manager decides an outcome that hands the child to a receiving team."""
    world.decide(world.analysed_contact(), Outcome.ASSESSMENT_S17)


@discloses_in("decisions/services.py")
def drive_referrer_feedback(world: World) -> None:
    """A decision tells the referrer the outcome (an outcome without a handover)."""
    world.decide(world.analysed_contact(), Outcome.NFA)


@discloses_in("decisions/services.py")
def drive_outcome_to_partner_by_decision(world: World) -> None:
    """The agency that answered sees the decision on its outcomes page."""
    world.decide(world.analysed_contact(), Outcome.SIGNPOST)


@discloses_in("meetings/services.py")
def drive_outcome_to_partner_by_meeting(world: World) -> None:
    """A MASH meeting records the outcome for a contact the police were asked about."""
    from openmash.meetings.codes import OutcomeCode
    from openmash.meetings.services import outcome_record

    contact = world.contact_with_police_request()
    _, item = world.meeting_in_progress(contact)
    outcome_record(
        item,
        actor=world.staff["pm"],
        expected_version=item.version,
        outcome_code=OutcomeCode.NFA,
        outcome="No further action agreed.",
    )


@discloses_in("meetings/services.py")
def drive_meeting_minutes(world: World) -> None:
    """The police download the minutes of a closed MASH meeting (the PDF page)."""
    from openmash.meetings.codes import AttendanceStatus, OutcomeCode
    from openmash.meetings.services import attendance_record, meeting_close, outcome_record

    pm = world.staff["pm"]
    contact = world.contact_with_police_request()
    meeting, item = world.meeting_in_progress(contact)
    outcome_record(
        item,
        actor=pm,
        expected_version=item.version,
        outcome_code=OutcomeCode.NFA,
        outcome="No further action agreed.",
    )
    attendance_record(
        meeting,
        actor=pm,
        agency=world.agencies["EARLY_HELP"],
        attendee=world.staff["eh"],
        status=AttendanceStatus.APOLOGIES,
    )
    meeting.refresh_from_db()
    meeting_close(meeting, actor=pm, expected_version=meeting.version)
    before = SharingRecord.objects.count()
    response = world.client("police").get(reverse("meetings:minutes_pdf", args=[meeting.pk]))
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert SharingRecord.objects.count() > before


@discloses_in("governance/services_retention.py")
def drive_statistical_extract(world: World) -> None:
    """The DPO exports the pseudonymised statistical extract for a named recipient."""
    from openmash.governance.services_retention import statistical_extract

    world.decide(world.analysed_contact(), Outcome.NFA)
    today = timezone.localdate()
    statistical_extract(
        actor=world.staff["dpo"],
        date_from=today - timedelta(days=30),
        date_to=today,
        recipient="The partnership's performance team",
    )


@discloses_in("governance/services_rights.py")
def drive_subject_access(world: World) -> None:
    """The DPO releases a subject access export to the requester."""
    from openmash.contacts.models import ContactPerson
    from openmash.governance.services_rights import (
        rights_request_register,
        subject_access_prepare,
        subject_access_redactions_save,
        subject_access_release,
    )
    from openmash.governance.subject_access import subject_access_collect, third_party_items

    dpo = world.staff["dpo"]
    contact = world.analysed_contact()
    person = ContactPerson.unscoped.filter(contact=contact, person__isnull=False).first().person
    rights_request = rights_request_register(
        actor=dpo,
        kind="access",
        requester_name="Synthetic Requester",
        requester_relationship="The person themselves",
        received_on=timezone.localdate(),
        person=person,
    )
    export = subject_access_prepare(rights_request, actor=dpo)
    shown = [item.key for item in third_party_items(subject_access_collect(person))]
    export = subject_access_redactions_save(
        export, actor=dpo, shown_keys=shown, redacted_keys=shown, expected_version=export.version
    )
    subject_access_release(export, actor=dpo, expected_version=export.version)


DISCLOSURE_PATHS = {
    K.IDENTIFYING_DETAILS: [drive_information_request],
    K.AGENCY_RESPONSE: [drive_agency_response],
    K.HANDOVER_SUMMARY: [drive_handover_summary],
    K.REFERRER_FEEDBACK: [drive_referrer_feedback],
    K.OUTCOME_TO_PARTNER: [
        drive_outcome_to_partner_by_decision,
        drive_outcome_to_partner_by_meeting,
    ],
    K.MEETING_MINUTES: [drive_meeting_minutes],
    K.EXPORT: [drive_statistical_extract],
    K.SUBJECT_ACCESS: [drive_subject_access],
    K.API_READ: [drive_api_read],
}

#: Kinds no code path discloses yet, and why. Moving one into use means writing its driver.
NOT_YET_DISCLOSED: dict[str, str] = {}


# -- what the code base discloses ----------------------------------------------------------------

_KIND_IN_CODE = re.compile(r"\bkind\s*=\s*DisclosureKind\.([A-Z_]+)")


def kinds_disclosed_in_code() -> dict[str, set[str]]:
    """Every ``kind=DisclosureKind.X`` outside tests and migrations: kind -> the modules."""
    root = Path(openmash.__file__).parent
    found: dict[str, list[str]] = {}
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(root).parts)
        if parts & {"tests", "migrations"}:
            continue
        for name in _KIND_IN_CODE.findall(path.read_text(encoding="utf-8")):
            found.setdefault(DisclosureKind[name].value, set()).add(
                path.relative_to(root).as_posix()
            )
    return found


def test_every_kind_of_disclosure_has_a_driver_or_a_reason():
    declared = set(DISCLOSURE_PATHS) | set(NOT_YET_DISCLOSED)
    missing = set(DisclosureKind.values) - declared
    assert not missing, (
        f"New kinds of disclosure without a test path: {sorted(missing)}. Add a driver to "
        "DISCLOSURE_PATHS (or, if nothing discloses it yet, a reason to NOT_YET_DISCLOSED)."
    )
    assert not set(DISCLOSURE_PATHS) & set(NOT_YET_DISCLOSED)
    assert all(DISCLOSURE_PATHS.values())


def test_every_disclosure_in_the_code_has_a_driver():
    """Each module that discloses a kind must have a driver for it: a second path of a known
    kind (say, a new export) is caught as well as a new kind."""
    in_code = kinds_disclosed_in_code()
    assert in_code, "the scan found no disclosures at all: has sharing_record been renamed?"
    driven = {(kind, d.module) for kind, drivers in DISCLOSURE_PATHS.items() for d in drivers}
    undriven = sorted(
        (kind, module)
        for kind, modules in in_code.items()
        for module in modules
        if (kind, module) not in driven
    )
    assert not undriven, f"Disclosed in code but not driven by this test: {undriven}"
    for kind in NOT_YET_DISCLOSED:
        assert kind not in in_code, (
            f"{kind} is now disclosed by {sorted(in_code[kind])}: move it from "
            "NOT_YET_DISCLOSED to DISCLOSURE_PATHS with a driver."
        )


@pytest.fixture
def world(make_user, agencies):
    staff = {
        "pm": make_user(Role.PRACTICE_MANAGER),
        "sw": make_user(Role.MASH_SOCIAL_WORKER),
        "dpo": make_user(Role.DPO),
        "eh": make_user(Role.EARLY_HELP, agency="EARLY_HELP"),
        "police": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE"),
    }
    return World(staff=staff, agencies=agencies)


@pytest.mark.parametrize(
    ("kind", "driver"),
    [(kind, driver) for kind, drivers in DISCLOSURE_PATHS.items() for driver in drivers],
    ids=lambda value: getattr(value, "__name__", str(value)),
)
def test_each_disclosure_path_writes_exactly_one_record_with_a_basis(world, kind, driver):
    if driver.module not in kinds_disclosed_in_code().get(kind, set()):
        pytest.skip(f"{driver.module} does not disclose {kind} in this code base yet")
    before = set(SharingRecord.objects.filter(kind=kind).values_list("pk", flat=True))
    driver(world)
    new = list(SharingRecord.objects.filter(kind=kind).exclude(pk__in=before))
    assert len(new) == 1, f"{driver.__name__} wrote {len(new)} {kind} records"
    record = new[0]
    assert record.article6 and record.purpose
    assert record.shared_by_id and record.from_agency_id
    assert record.to_agency_id or record.to_team_id or record.to_description
    assert not record.special_category or record.article9
    assert not record.criminal_offence or record.article10
