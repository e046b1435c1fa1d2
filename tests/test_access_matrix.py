"""Who may open which page: every URL of OpenMASH that shows case data, asked by every role.

The expectations are one table (``MATRIX``) so a reviewer reads, row by row, what each role may
see: 200 (allowed), 403 (refused by capability), 404 (out of scope: the record exists, but not
for this user — e.g. the health practitioner on the police request), 405 (a POST-only action
asked with GET by a role that may use it), 302 (a redirect elsewhere) and ``login`` (signed-out
visitors are sent to sign in; the API answers them 401 instead). Direct object URLs are tried
with the IDs of every kind of record, including another agency's request.

``test_every_case_url_is_in_the_matrix`` fails when a page appears that nobody decided about:
add its rows here before the page ships. ``test_refused_posts_change_nothing`` sends each
action's real form as every refused role, checks nothing changed, then sends the same form as a
role that may act and checks it took effect (so the refusal is not vacuous).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from faker import Faker

from openmash.accounts.models import Agency, Team
from openmash.accounts.roles import Role
from openmash.audit.models import AuditEntry
from openmash.contacts.codes import Channel, ConsentStatus, PersonRole, ReferralSource, Route
from openmash.contacts.models import Contact, ContactPerson
from openmash.contacts.services import PersonInput, Referrer, contact_create, contact_screen
from openmash.decisions.codes import Outcome
from openmash.decisions.services import analysis_record, contact_decide
from openmash.enquiries.models import InformationRequest, MashEnquiry
from openmash.enquiries.services import information_request_respond
from openmash.people.services import contact_person_link, person_create

pytestmark = pytest.mark.django_db

fake = Faker("en_GB")

# -- the table ---------------------------------------------------------------------------------

#: Column order of ``MATRIX``. rio: referral and information officer; pm: SPA and MASH practice
#: manager; sw: MASH social worker; tm: team manager; eh: early help co-ordinator (Early Help
#: agency, answers Early Help's requests); am: First Response area manager; dpo: data
#: protection officer; adm: administrator; pol / hea / hou: partner agency MASH practitioners
#: of police (asked, answered), health (asked, not yet answered on the open enquiry) and
#: housing (never asked); anon: signed out.
ROLES = ("rio", "pm", "sw", "tm", "eh", "am", "dpo", "adm", "pol", "hea", "hou", "anon")

#: route · object (whose IDs fill the path) · one outcome per role, in ``ROLES`` order.
#: Objects: "enquiry contact" is in MASH enquiry with police (answered) and health (waiting);
#: "decided contact" went police-only enquiry → analysis → s47 strategy discussion, handed to
#: the Assessment team; "submitted contact" came through the online form; "to-screen contact"
#: waits for screening; "police request" / "health request" are the enquiry contact's requests.
MATRIX = """
route                                object                      rio   pm    sw    tm    eh    am    dpo   adm   pol   hea   hou   anon
# -- contacts: children's social care and early help read; recording and screening by capability
contacts:index                       -                           302   302   302   302   302   302   302   302   302   302   302   302
contacts:new                         -                           200   200   403   403   403   403   403   403   403   403   403   login
contacts:to_record                   -                           200   200   200   200   200   200   403   403   403   403   403   login
contacts:to_screen                   -                           200   200   200   200   200   200   403   403   403   403   403   login
contacts:detail                      enquiry contact             200   200   200   200   200   200   403   403   403   403   403   login
contacts:detail                      decided contact             200   200   200   200   200   200   403   403   403   403   403   login
contacts:detail                      submitted contact           200   200   200   200   200   200   403   403   403   403   403   login
contacts:detail                      to-screen contact           200   200   200   200   200   200   403   403   403   403   403   login
contacts:complete                    submitted contact           200   200   403   403   403   403   403   403   403   403   403   login
contacts:complete                    enquiry contact             302   302   403   403   403   403   403   403   403   403   403   login
contacts:screen                      to-screen contact           403   405   403   405   403   403   403   403   403   403   403   login
# -- enquiries: partners see only their own agency's requests; CSC MASH staff see enquiries
enquiries:index                      -                           302   302   302   302   302   302   403   403   302   302   302   login
enquiries:request_queue              -                           403   403   403   403   200   403   403   403   200   200   200   login
enquiries:request_detail             police request              403   403   403   403   404   403   403   403   200   404   404   login
enquiries:request_detail             health request              403   403   403   403   404   403   403   403   404   200   404   login
enquiries:request_detail             decided police request      403   403   403   403   404   403   403   403   200   404   404   login
enquiries:open_queue                 -                           200   200   200   200   403   200   403   403   403   403   403   login
enquiries:ready_queue                -                           200   200   200   200   403   200   403   403   403   403   403   login
enquiries:enquiry_detail             enquiry                     200   200   200   200   403   200   403   403   403   403   403   login
enquiries:enquiry_detail             decided enquiry             200   200   200   200   403   200   403   403   403   403   403   login
enquiries:enquiry_proceed            enquiry                     403   405   403   405   403   403   403   403   403   403   403   login
# -- decisions: analysis by the social worker, decision by managers, outcomes for partners
decisions:awaiting                   -                           403   200   403   200   403   403   403   403   403   403   403   login
decisions:today                      -                           403   200   200   200   403   403   403   403   403   403   403   login
decisions:outcomes                   -                           403   403   403   403   200   403   403   403   200   200   200   login
decisions:analysis                   enquiry contact             403   403   200   403   403   403   403   403   403   403   403   login
decisions:analysis                   decided contact             403   403   200   403   403   403   403   403   403   403   403   login
decisions:decide                     enquiry contact             403   200   403   200   403   403   403   403   403   403   403   login
decisions:decide                     decided contact             403   200   403   200   403   403   403   403   403   403   403   login
decisions:summary                    decided contact             200   200   200   200   404   200   403   403   403   403   403   login
decisions:summary                    enquiry contact             404   404   404   404   404   404   403   403   403   403   403   login
decisions:summary_pdf                decided contact             200   200   200   200   404   200   403   403   403   403   403   login
decisions:summary_pdf                enquiry contact             404   404   404   404   404   404   403   403   403   403   403   login
# -- people: the person index is children's social care's (and early help's), never partners'
people:search                        -                           200   200   200   200   200   200   403   403   403   403   403   login
people:person_detail                 person                      200   200   200   200   200   200   403   403   403   403   403   login
people:contact_person_link           parent on contact           200   200   403   200   403   403   403   403   403   403   403   login
# -- audit: the DPO's (and the administrator's) search of the access log and audit trail
audit:access_log                     -                           403   403   403   403   403   403   200   200   403   403   403   login
audit:entry_detail                   audit entry                 403   403   403   403   403   403   200   200   403   403   403   login
audit:record_history                 contact history             403   403   403   403   403   403   200   200   403   403   403   login
# -- meetings: attendees read agendas (partners only their own agency's items); chairs act
meetings:index                       -                           200   200   200   200   200   403   403   403   200   200   200   login
meetings:arrange                     -                           403   200   403   200   403   403   403   403   403   403   403   login
meetings:coverage                    -                           403   200   403   200   403   403   403   403   403   403   403   login
meetings:availability                -                           200   200   200   200   200   200   200   200   200   200   200   login
meetings:availability_cancel         police time away            405   405   405   405   405   405   405   405   405   405   405   login
meetings:meeting_detail              meeting                     200   200   200   200   200   403   403   403   200   200   200   login
meetings:agenda                      meeting                     200   200   200   200   200   403   403   403   200   200   200   login
meetings:agenda_pdf                  meeting                     200   200   200   200   200   403   403   403   200   200   200   login
meetings:minutes                     meeting (open)              404   404   404   404   404   403   403   403   404   404   404   login
meetings:minutes                     closed meeting              200   200   200   200   200   403   403   403   200   200   200   login
meetings:minutes_pdf                 meeting (open)              404   404   404   404   404   403   403   403   404   404   404   login
meetings:minutes_pdf                 closed meeting              200   200   200   200   200   403   403   403   200   200   200   login
meetings:item_detail                 item on enquiry contact     200   200   200   200   200   403   403   403   200   200   404   login
meetings:item_detail                 item on to-screen contact   200   200   200   200   200   403   403   403   404   404   404   login
meetings:item_remove                 item on enquiry contact     403   200   403   200   403   403   403   403   403   403   403   login
meetings:item_move                   item on enquiry contact     403   405   403   405   403   403   403   403   403   403   403   login
meetings:item_add                    meeting                     403   405   403   405   403   403   403   403   403   403   403   login
meetings:meeting_start               meeting                     403   405   403   405   403   403   403   403   403   403   403   login
meetings:meeting_close               meeting                     403   405   403   405   403   403   403   403   403   403   403   login
meetings:meeting_refresh             meeting                     403   405   403   405   403   403   403   403   403   403   403   login
meetings:meeting_notes               meeting                     403   405   403   405   403   403   403   403   403   403   403   login
meetings:attendance_add              meeting                     403   405   403   405   403   403   403   403   403   403   403   login
meetings:attendance_remove           police attendance           403   405   403   405   403   403   403   403   403   403   403   login
# -- governance: consent on a contact (CSC), overrides (CSC and the agency asked), the DPO's
# registers, restricted records (a person restricted by the practice manager; the social
# worker broke the glass)
governance:dashboard                 -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:consent_detail            enquiry contact             200   200   200   200   404   200   200   403   403   403   403   login
governance:consent_record            enquiry contact             200   200   200   200   403   403   403   403   403   403   403   login
governance:override_propose          refused-consent contact     403   200   403   200   403   403   403   403   403   403   403   login
governance:not_inform                refused-consent contact     403   200   403   200   403   403   403   403   403   403   403   login
governance:override_queue            -                           403   403   403   403   200   403   403   403   200   200   200   login
# early help read every contact (and so its consent overrides); only the agency asked answers;
# the DPO reads consent and overrides (not the contact page) but acts on neither
governance:override_detail           police override             200   200   200   200   200   200   200   403   200   404   404   login
governance:sharing_search            -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:sharing_export            -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:person_recipients         person                      403   403   403   403   403   403   200   403   403   403   403   login
governance:break_glass               -                           405   405   405   405   405   405   403   403   405   405   405   login
governance:break_glass_review        break-glass access          403   403   403   403   403   403   405   403   403   403   403   login
governance:restricted_list           -                           403   200   403   200   403   403   200   403   403   403   403   login
governance:restriction_detail        restriction                 403   200   403   200   403   403   200   403   403   403   403   login
# data subject rights: the DPO's alone (subject access about the linked child; a restriction
# of processing in force for someone else)
governance:rights_list               -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_new                -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_detail             access request              403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_person             access request              403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_export_prepare     access request (no export)  403   403   403   403   403   403   405   403   403   403   403   login
governance:rights_rectify            access request              403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_erase              access request              403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_restrict           restriction request         403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_opinion            access request              403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_restriction_lift   restriction request         403   403   403   403   403   403   405   403   403   403   403   login
governance:rights_export             export                      403   403   403   403   403   403   200   403   403   403   403   login
governance:rights_export_pdf         export                      403   403   403   403   403   403   404   403   403   403   403   login
governance:rights_export_json        export                      403   403   403   403   403   403   404   403   403   403   403   login
governance:rights_notification       recipient notice            403   403   403   403   403   403   405   403   403   403   403   login
# retention and the breach register: the DPO's alone
governance:retention_overview        -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:retention_schedule_new    -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:retention_schedule_edit   retention schedule          403   403   403   403   403   403   200   403   403   403   403   login
governance:retention_run             -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:retention_log             -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:retention_extract         -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:breach_list               -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:breach_new                -                           403   403   403   403   403   403   200   403   403   403   403   login
governance:breach_detail             breach                      403   403   403   403   403   403   200   403   403   403   403   login
governance:breach_edit               breach                      403   403   403   403   403   403   200   403   403   403   403   login
people:person_detail                 restricted person           403   200   200   403   403   403   403   403   403   403   403   login
# -- reporting: timeliness for managers (figures, no child named)
reporting:timeliness                 -                           403   200   403   200   403   200   403   403   403   403   403   login
# -- notifications: each member of staff's own (a notification of the practice manager's)
notifications:list                   -                           200   200   200   200   200   200   200   200   200   200   200   login
notifications:read_all               -                           405   405   405   405   405   405   405   405   405   405   405   login
notifications:read                   notification                405   405   405   405   405   405   405   405   405   405   405   login
# -- the partner API (signed in here with a session; tokens act the same): those who answer
# requests, their own agency's only; no credentials -> 401
api:information-request-list         -                           403   403   403   403   200   403   403   403   200   200   200   401
api:information-request-detail       police request              403   403   403   403   404   403   403   403   200   404   404   401
api:information-request-detail       health request              403   403   403   403   404   403   403   403   404   200   404   401
api:information-request-detail       decided police request      403   403   403   403   404   403   403   403   200   404   404   401
api:information-request-response     health request              403   403   403   403   405   403   403   403   405   405   405   401
"""  # noqa: E501

#: Namespaces that show no case data, and why they are outside the matrix. Any other namespace
#: (a new app's pages) must be in ``MATRIX``.
NOT_CASE_DATA = {
    "accounts": "staff administration (users, agencies, teams): accounts/tests/test_staff_admin",
    "referral": "the public referral form: no sign-in, shows only what the visitor typed",
    "admin": "Django admin: superusers only, outside the service",
    "timescales": "closure days of the working-time calendar (administrators): dates and counts",
    "api_tokens": "a user's own API tokens (names and dates): openmash/api/tests/test_tokens.py",
}
#: Routes outside any namespace that are not case data (allauth's sign-in pages are skipped by
#: module, see ``_case_routes``).
NOT_CASE_DATA_ROUTES = {
    "home": "shortcuts to the pages the user's roles allow, no records",
    "healthz": "liveness of the database and queue",
    "api-schema": "the OpenAPI schema, no records",
}

REFUSED = {"401", "403", "404", "login"}


@dataclass(frozen=True)
class Row:
    route: str
    obj: str
    outcomes: dict[str, str]


def _rows() -> list[Row]:
    rows = []
    for line in MATRIX.strip().splitlines()[1:]:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        words = line.split()
        route, obj, cells = words[0], " ".join(words[1 : -len(ROLES)]), words[-len(ROLES) :]
        assert obj, f"no object in: {line}"
        rows.append(Row(route, obj, dict(zip(ROLES, cells, strict=True))))
    return rows


ROWS = _rows()


# -- the project's URLs -------------------------------------------------------------------------


@dataclass(frozen=True)
class RouteInfo:
    name: str  # "namespace:url_name"
    namespace: str | None
    args: tuple[str, ...]
    module: str


def _walk(patterns, namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, ns)
        elif isinstance(pattern, URLPattern):
            callback = pattern.callback
            module = getattr(callback, "__module__", "") or ""
            name = f"{namespace}:{pattern.name}" if namespace else (pattern.name or "")
            args = tuple(pattern.pattern.converters) or tuple(
                getattr(pattern.pattern.regex, "groupindex", {})
            )
            yield RouteInfo(name, namespace, args, module)


def _all_routes() -> list[RouteInfo]:
    return list(_walk(get_resolver().url_patterns))


def _case_routes() -> dict[str, RouteInfo]:
    """Every named route that may show case data: all namespaced routes except the namespaces
    declared not to, plus unnamespaced ones not declared (allauth's account pages aside)."""
    routes = {}
    for route in _all_routes():
        if route.namespace:
            if route.namespace.split(":")[0] in NOT_CASE_DATA:
                continue
        elif route.module.startswith("allauth.") or route.name in NOT_CASE_DATA_ROUTES:
            continue
        routes[route.name] = route
    return routes


def _mounted_namespaces() -> set[str]:
    return {r.namespace for r in _all_routes() if r.namespace}


# -- the scenario --------------------------------------------------------------------------------

NARRATIVE = "Narrative for children's social care only: the neighbour heard shouting at night."
POLICE_ANSWER = "Police summary: two call-outs to the address this year."


@pytest.fixture
def users(make_user):
    return {
        "rio": make_user(Role.REFERRAL_OFFICER),
        "pm": make_user(Role.PRACTICE_MANAGER),
        "sw": make_user(Role.MASH_SOCIAL_WORKER),
        "tm": make_user(Role.TEAM_MANAGER),
        "eh": make_user(Role.EARLY_HELP, agency="EARLY_HELP"),
        "am": make_user(Role.AREA_MANAGER),
        "dpo": make_user(Role.DPO),
        "adm": make_user(Role.ADMINISTRATOR),
        "pol": make_user(Role.PARTNER_PRACTITIONER, agency="POLICE"),
        "hea": make_user(Role.PARTNER_PRACTITIONER, agency="HEALTH"),
        "hou": make_user(Role.PARTNER_PRACTITIONER, agency="HOUSING"),
    }


def _people() -> list[PersonInput]:
    surname = fake.last_name()
    return [
        PersonInput(
            role=PersonRole.SUBJECT_CHILD,
            forename=fake.first_name(),
            surname=surname,
            date_of_birth=fake.date_of_birth(minimum_age=2, maximum_age=15),
            address=fake.street_address(),
            postcode="ME4 4TR",
        ),
        PersonInput(
            role=PersonRole.PARENT_CARER,
            forename=fake.first_name(),
            surname=surname,
            relationship_to_child="Mother",
        ),
    ]


def _record(rio, **kwargs) -> Contact:
    fields = {
        "actor": rio,
        "channel": Channel.PHONE,
        "source": ReferralSource.POLICE,
        "narrative": NARRATIVE,
        "consent_status": ConsentStatus.GIVEN,
        "people": _people(),
        "concerns": ["domestic_abuse"],
        "referrer": Referrer(name=fake.name(), role="Police officer", organisation="Police"),
        "received_at": timezone.now() - timedelta(hours=1),
    }
    fields.update(kwargs)
    return contact_create(**fields)


def _fresh(contact: Contact) -> Contact:
    return Contact.unscoped.get(pk=contact.pk)


def _request(contact, code) -> InformationRequest:
    return InformationRequest.unscoped.get(enquiry__contact=contact, agency__code=code)


def _respond(contact, code, user, summary="Nothing further held.") -> None:
    request = _request(contact, code)
    information_request_respond(
        request,
        actor=user,
        expected_version=request.version,
        outcome="known",
        summary=summary,
        risk_factors="Domestic abuse call-outs.",
        systems_searched="Force records",
    )


def _screen_to_enquiry(contact, pm, codes) -> None:
    agency_ids = [Agency.objects.get(code=c).pk for c in codes]
    contact_screen(
        contact,
        actor=pm,
        expected_version=contact.version,
        rag="red",
        threshold_level="cin_cp",
        route=Route.MASH_ENQUIRY,
        rationale="Partner information needed to understand the risk.",
        agency_ids=agency_ids,
        questions={pk: "What do you hold on the family?" for pk in agency_ids},
    )


def _analyse(contact, sw) -> None:
    contact = _fresh(contact)
    analysis_record(
        contact,
        actor=sw,
        expected_version=contact.version,
        analysis="Escalating domestic abuse with a child in the home.",
        recommendation=Outcome.STRATEGY_S47,
    )


@dataclass
class Scenario:
    users: dict
    objects: dict  # object label -> path kwargs (or one value for the only path argument)
    enquiry_contact: Contact
    decided_contact: Contact
    submitted_contact: Contact
    to_screen_contact: Contact
    notification: object | None


@pytest.fixture
def scenario(users, agencies) -> Scenario:
    """Built through the real services, as the pathway would leave it."""
    rio, pm, sw = users["rio"], users["pm"], users["sw"]

    enquiry_contact = _record(rio, immediate_risk=True)
    _screen_to_enquiry(enquiry_contact, pm, ("POLICE", "HEALTH"))
    _respond(enquiry_contact, "POLICE", users["pol"], POLICE_ANSWER)

    decided = _record(rio)
    _screen_to_enquiry(decided, pm, ("POLICE",))
    _respond(decided, "POLICE", users["pol"])
    _analyse(decided, sw)
    decided = _fresh(decided)
    contact_decide(
        decided,
        actor=pm,
        outcome=Outcome.STRATEGY_S47,
        rationale="Threshold for a strategy discussion is met.",
        receiving_team=Team.objects.get(code="ASSESSMENT"),
        expected_version=decided.version,
    )

    submitted = contact_create(
        actor=None,
        channel=Channel.PROFESSIONAL_PORTAL,
        source=ReferralSource.SCHOOLS,
        narrative="Came to school hungry all week.",
        consent_status=ConsentStatus.GIVEN,
        people=_people()[:1],
        concerns=["neglect"],
        referrer=Referrer(name=fake.name(), role="Teacher", email="dsl@example.org"),
    )
    to_screen = _record(rio, concerns=["neglect"])

    child = ContactPerson.unscoped.get(contact=enquiry_contact, role=PersonRole.SUBJECT_CHILD)
    person = person_create(
        actor=rio,
        forename=child.forename,
        surname=child.surname,
        date_of_birth=child.date_of_birth,
    )
    contact_person_link(child, person, actor=pm)
    parent = ContactPerson.unscoped.get(contact=enquiry_contact, role=PersonRole.PARENT_CARER)

    change = AuditEntry.objects.filter(
        target_type="contacts.contact", target_id=str(enquiry_contact.pk)
    ).first()
    assert change is not None, "recording a contact writes its audit entry"

    notification = None
    if apps.is_installed("openmash.notifications"):
        from openmash.notifications.services import NotificationDraft, notification_send

        notification = notification_send(
            NotificationDraft(
                recipient=pm,
                kind="approaching",
                subject_type="contacts.contact",
                subject_id=enquiry_contact.pk,
                title=f"Decision due soon on {enquiry_contact.reference}",
                link_url_name="contacts:detail",
                link_args=[str(enquiry_contact.pk)],
            )
        )

    objects = {
        **_meetings_scenario(users, enquiry_contact, to_screen),
        **_governance_scenario(users, agencies),
        "-": {},
        "enquiry contact": enquiry_contact.pk,
        "decided contact": decided.pk,
        "submitted contact": submitted.pk,
        "to-screen contact": to_screen.pk,
        "enquiry": MashEnquiry.unscoped.get(contact=enquiry_contact).pk,
        "decided enquiry": MashEnquiry.unscoped.get(contact=decided).pk,
        "police request": _request(enquiry_contact, "POLICE").pk,
        "health request": _request(enquiry_contact, "HEALTH").pk,
        "decided police request": _request(decided, "POLICE").pk,
        "person": person.pk,
        "parent on contact": parent.pk,
        "audit entry": change.sequence,
        "contact history": {"target_type": change.target_type, "target_id": change.target_id},
        "notification": notification.pk if notification else None,
    }
    return Scenario(users, objects, enquiry_contact, decided, submitted, to_screen, notification)


def _meetings_scenario(users, enquiry_contact, to_screen) -> dict:
    """A MASH meeting today with the enquiry contact and the to-screen contact on its agenda,
    the police practitioner recorded present, and their time away next week; and this
    afternoon's MASH meeting, already closed (so it has minutes)."""
    from openmash.meetings.codes import AbsenceReason, AttendanceStatus, PartOfDay
    from openmash.meetings.services import (
        agenda_item_add,
        attendance_record,
        meeting_close,
        meeting_get_or_create,
        meeting_start,
        meeting_types_ensure,
        unavailability_record,
    )

    pm, police = users["pm"], users["pol"]
    today = timezone.localdate()
    starts = timezone.localtime().replace(hour=11, minute=30, second=0, microsecond=0)
    meeting = meeting_get_or_create(meeting_types_ensure()["mash_meeting"], today, starts, pm)
    on_enquiry = agenda_item_add(meeting, actor=pm, reference=enquiry_contact.reference)
    on_to_screen = agenda_item_add(meeting, actor=pm, reference=to_screen.reference)
    present = attendance_record(
        meeting, actor=pm, agency=police.agency, status=AttendanceStatus.PRESENT, attendee=police
    )
    away = unavailability_record(
        actor=police,
        starts_on=today + timedelta(days=7),
        ends_on=today + timedelta(days=7),
        part_of_day=PartOfDay.ALL_DAY,
        reason=AbsenceReason.PLANNED_LEAVE,
    )
    closed = meeting_get_or_create(
        meeting_types_ensure()["mash_meeting"], today, starts.replace(hour=15, minute=0), pm
    )
    agenda_item_add(closed, actor=pm, reference=enquiry_contact.reference)
    closed = meeting_start(closed, actor=pm, expected_version=closed.version)
    attendance_record(
        closed,
        actor=pm,
        agency=users["eh"].agency,
        status=AttendanceStatus.PRESENT,
        attendee=users["eh"],
    )
    meeting_close(closed, actor=pm, expected_version=closed.version)
    return {
        "meeting": meeting.pk,
        "meeting (open)": meeting.pk,
        "closed meeting": closed.pk,
        "item on enquiry contact": {"pk": meeting.pk, "item_id": on_enquiry.pk},
        "item on to-screen contact": {"pk": meeting.pk, "item_id": on_to_screen.pk},
        "police attendance": {"pk": meeting.pk, "attendance_id": present.pk},
        "police time away": away.pk,
    }


def _governance_scenario(users, agencies) -> dict:
    """A contact whose family refused consent, with an override proposed for police; a person
    restricted by the practice manager, whose record the social worker opened by breaking the
    glass."""
    from openmash.governance.services_consent import consent_override_propose
    from openmash.governance.services_restricted import break_glass_open, person_restrict

    refused = _record(
        users["rio"],
        consent_status=ConsentStatus.REFUSED,
        consent_reason="The mother refused: she fears her partner will find out.",
    )
    override = consent_override_propose(
        refused,
        actor=users["pm"],
        agency=agencies["POLICE"],
        ground="significant_harm",
        rationale="Risk of significant harm outweighs the refusal.",
    )
    restricted = person_create(
        actor=users["rio"],
        forename=fake.first_name(),
        surname=fake.last_name(),
        date_of_birth=fake.date_of_birth(minimum_age=2, maximum_age=15),
    )
    restriction = person_restrict(
        restricted, actor=users["pm"], reason="The child's carer works in the MASH."
    )
    [access] = break_glass_open(
        users["sw"],
        [restricted.pk],
        reason="Duty call about this child tonight: checking who is in the household.",
        channel="people:person_detail",
    )
    rights = _rights_scenario(users)
    return {
        **rights,
        "refused-consent contact": refused.pk,
        "police override": override.pk,
        "restricted person": restricted.pk,
        "restriction": restriction.pk,
        "break-glass access": access.pk,
    }


def _rights_scenario(users) -> dict:
    """Data subject rights: a subject access request about a person in the index with its
    export started (not released); another with none; a restriction of processing in force
    for a third person; a notice to the police about a correction. And the DPO's registers:
    a retention schedule and a breach inside its 72-hour clock."""
    from openmash.governance.models import NotificationReason, RecipientNotification
    from openmash.governance.services_rights import (
        restriction_apply,
        rights_request_register,
        subject_access_prepare,
    )

    dpo = users["dpo"]

    def person():
        return person_create(
            actor=users["rio"],
            forename=fake.first_name(),
            surname=fake.last_name(),
            date_of_birth=fake.date_of_birth(minimum_age=2, maximum_age=15),
        )

    def request(kind, subject):
        return rights_request_register(
            actor=dpo,
            kind=kind,
            requester_name=fake.name(),
            requester_relationship="Parent",
            received_on=timezone.localdate(),
            person=subject,
        )

    access = request("access", person())
    export = subject_access_prepare(access, actor=dpo)
    restriction = request("restriction", person())
    restriction_apply(restriction, actor=dpo, ground="accuracy", note="Contested address.")
    notice = RecipientNotification._base_manager.create(
        rights_request=access,
        person=access.person,
        reason=NotificationReason.RECTIFICATION,
        to_agency=Agency.objects.get(code="POLICE"),
    )

    from openmash.governance.models import BreachDataCategory
    from openmash.governance.services_breaches import breach_record
    from openmash.governance.services_retention import retention_schedule_save

    schedule = retention_schedule_save(
        None,
        actor=dpo,
        record_type="breach",
        trigger="closure",
        years=6,
        months=0,
        action="delete",
    )
    police = Agency.objects.get(code="POLICE")
    breach = breach_record(
        actor=dpo,
        discovered_at=timezone.now() - timedelta(hours=1),
        description="A response was emailed to the wrong secure mailbox.",
        agencies=[police],
        lead_agency=police,
        data_categories=[BreachDataCategory.values[0]],
        people_affected=1,
    )
    return {
        "retention schedule": schedule.pk,
        "breach": breach.pk,
        "access request": access.pk,
        "access request (no export)": request("access", person()).pk,
        "restriction request": restriction.pk,
        "export": export.pk,
        "recipient notice": notice.pk,
    }


def _url(row_route: str, obj: str, scenario: Scenario) -> str:
    route = _case_routes()[row_route]
    value = scenario.objects[obj]
    if isinstance(value, dict):
        kwargs = value
    else:
        assert len(route.args) == 1, f"{row_route} takes {route.args}: give {obj!r} as a dict"
        kwargs = {route.args[0]: value}
    return reverse(row_route, kwargs=kwargs)


def _client(role: str, scenario: Scenario, signed_in) -> Client:
    if role == "anon":
        return Client()
    return signed_in(scenario.users[role])


def _outcome(response) -> str:
    if response.status_code == 302:
        login = redirect_to_login("/", settings.LOGIN_URL)["Location"].split("?")[0]
        return "login" if response["Location"].startswith(login) else "302"
    return str(response.status_code)


def _mounted_rows() -> list[Row]:
    mounted = _mounted_namespaces()
    return [r for r in ROWS if r.route.split(":")[0] in mounted]


# -- the tests -----------------------------------------------------------------------------------


def test_every_case_url_is_in_the_matrix():
    """A page that shows case data ships only once someone decided who may see it."""
    in_table = {r.route for r in ROWS}
    missing = sorted(set(_case_routes()) - in_table)
    assert not missing, (
        "These URLs are not in the access matrix; add rows to MATRIX in "
        f"tests/test_access_matrix.py saying what each role gets: {missing}"
    )
    stale = sorted({r.route for r in _mounted_rows()} - set(_case_routes()))
    assert not stale, f"MATRIX names routes that no longer exist: {stale}"


def test_the_matrix_is_well_formed():
    codes = {"200", "302", "401", "403", "404", "405", "login"}
    for row in ROWS:
        assert set(row.outcomes.values()) <= codes, row
        assert row.outcomes["anon"] in {"login", "302", "401"}, f"{row.route}: signed-out"
    # Direct object URLs are tried with another agency's IDs: each partner is refused the
    # others' requests, and never sees a request that was not sent to their agency.
    requests = [r for r in ROWS if r.route == "enquiries:request_detail"]
    assert {r.obj for r in requests} >= {"police request", "health request"}


@pytest.mark.parametrize("role", ROLES)
def test_role_page_access_matrix(role, scenario, signed_in):
    client = _client(role, scenario, signed_in)
    wrong = []
    for row in _mounted_rows():
        if scenario.objects.get(row.obj, "") is None:
            continue  # e.g. no notification: the notifications app is not installed
        url = _url(row.route, row.obj, scenario)
        got = _outcome(client.get(url))
        if got != row.outcomes[role]:
            wrong.append(f"{row.route} [{row.obj}] {url}: expected {row.outcomes[role]}, got {got}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)


def test_partners_see_no_narrative_and_no_other_agencys_answer(scenario, signed_in):
    """Beyond the status code: what the allowed partner pages show."""
    health = _client("hea", scenario, signed_in)
    page = health.get(_url("enquiries:request_detail", "health request", scenario))
    body = page.content.decode()
    assert page.status_code == 200
    assert NARRATIVE not in body
    assert POLICE_ANSWER not in body
    for name in ("enquiries:request_queue", "decisions:outcomes"):
        body = health.get(reverse(name)).content.decode()
        assert scenario.decided_contact.reference not in body, name  # police-only enquiry

    police = _client("pol", scenario, signed_in)
    body = police.get(_url("enquiries:request_detail", "police request", scenario)).content
    assert NARRATIVE not in body.decode()
    outcomes = police.get(reverse("decisions:outcomes")).content.decode()
    assert scenario.decided_contact.reference in outcomes


# -- refused actions change nothing ------------------------------------------------------------


#: Apps whose rows a refused action must leave exactly as they were (every field of every row,
#: their history tables included, and the outbox of emails to send).
STATE_APPS = (
    "contacts",
    "people",
    "enquiries",
    "decisions",
    "meetings",
    "governance",
    "notifications",
    "tasks",
)


def _state() -> dict:
    """Every row of every case-data model, so any change a refused action made shows."""
    state = {}
    for label in STATE_APPS:
        if not apps.is_installed(f"openmash.{label}"):
            continue
        for model in apps.get_app_config(label).get_models():
            rows = model._base_manager.values_list()
            state[model._meta.label] = sorted(map(repr, rows))
    return state


def _new_contact_form(s: Scenario) -> dict:
    received = timezone.localtime() - timedelta(hours=1)
    return {
        "channel": "phone",
        "received_date_0": str(received.day),
        "received_date_1": str(received.month),
        "received_date_2": str(received.year),
        "received_time": received.strftime("%H:%M"),
        "referrer_name": "Robin Caller",
        "source": "2A",
        "concerns": ["neglect"],
        "narrative": "Came to school hungry every day this week.",
        "consent_status": "given",
        "people-TOTAL_FORMS": "1",
        "people-INITIAL_FORMS": "0",
        "people-0-role": "subject_child",
        "people-0-forename": "Kit",
        "people-0-surname": "Testchild",
    }


def _complete_form(s: Scenario) -> dict:
    contact = _fresh(s.submitted_contact)
    child = ContactPerson.unscoped.get(contact=contact)
    form = _new_contact_form(s)
    del form["channel"], form["received_date_0"], form["received_date_1"]
    del form["received_date_2"], form["received_time"]
    form.update(
        {
            "version": str(contact.version),
            "people-INITIAL_FORMS": "1",
            "people-0-id": str(child.pk),
        }
    )
    return form


def _screen_form(s: Scenario) -> dict:
    police = Agency.objects.get(code="POLICE")
    return {
        "version": str(_fresh(s.to_screen_contact).version),
        "rag": "amber",
        "threshold_level": "cin_cp",
        "route": "mash_enquiry",
        "rationale": "Partner information needed.",
        "agencies": [str(police.pk)],
        f"question_{police.pk}": "What do you hold?",
    }


def _response_form(s: Scenario) -> dict:
    return {
        "version": str(_request(s.enquiry_contact, "HEALTH").version),
        "outcome": "known",
        "summary": "Health visitor concerns about the child's weight.",
        "systems_searched": "GP record",
    }


def _api_response_form(s: Scenario) -> dict:
    return {
        "expected_version": str(_request(s.enquiry_contact, "HEALTH").version),
        "outcome": "known",
        "summary": "Health visitor concerns about the child's weight.",
        "systems_searched": "GP record",
    }


def _proceed_form(s: Scenario) -> dict:
    enquiry = MashEnquiry.unscoped.get(contact=s.enquiry_contact)
    return {"version": str(enquiry.version), "reason": "Health chased at 14:00, no answer."}


def _analysis_form(s: Scenario) -> dict:
    return {
        "version": str(_fresh(s.enquiry_contact).version),
        "analysis": "Escalating domestic abuse with a child in the home.",
        "recommendation": Outcome.STRATEGY_S47,
    }


def _decision_form(s: Scenario) -> dict:
    return {
        "version": str(_fresh(s.enquiry_contact).version),
        "outcome": Outcome.STRATEGY_S47,
        "rationale": "Threshold for a strategy discussion is met.",
        "receiving_team": str(Team.objects.get(code="ASSESSMENT").pk),
    }


def _health_answers(s: Scenario) -> None:
    _respond(s.enquiry_contact, "HEALTH", s.users["hea"])


def _health_answers_and_analysed(s: Scenario) -> None:
    _health_answers(s)
    _analyse(s.enquiry_contact, s.users["sw"])


def _row(label: str, pk):
    """One row of a model by its label, read unscoped (for versions in the forms below)."""
    return apps.get_model(label)._base_manager.get(pk=pk)


def _meeting_version(s: Scenario) -> dict:
    return {"version": str(_row("meetings.Meeting", s.objects["meeting"]).version)}


def _start_meeting(s: Scenario) -> None:
    from openmash.meetings.services import meeting_start

    meeting = _row("meetings.Meeting", s.objects["meeting"])
    meeting_start(meeting, actor=s.users["pm"], expected_version=meeting.version)


def _start_meeting_with_early_help(s: Scenario) -> None:
    from openmash.meetings.services import attendance_record

    _start_meeting(s)
    attendance_record(
        _row("meetings.Meeting", s.objects["meeting"]),
        actor=s.users["pm"],
        agency=Agency.objects.get(code="EARLY_HELP"),
        status="apologies",
        attendee_name="Early Help co-ordinator",
    )


def _outcome_form(s: Scenario) -> dict:
    from openmash.meetings.codes import OUTCOMES_BY_RULE

    meeting = _row("meetings.Meeting", s.objects["meeting"])
    item = _row("meetings.AgendaItem", s.objects["item on enquiry contact"]["item_id"])
    return {
        "version": str(item.version),
        "outcome_code": OUTCOMES_BY_RULE[meeting.meeting_type.agenda_rule][0],
        "outcome": "Police to share the call-out log with the allocated worker today.",
    }


def _override_answer_form(s: Scenario) -> dict:
    override = _row("governance.ConsentOverride", s.objects["police override"])
    return {"action": "decide", "decision": "agree", "version": str(override.version)}


def _break_glass_form(s: Scenario) -> dict:
    person = s.objects["restricted person"]
    return {
        "people": str(person),
        "next": reverse("people:person_detail", args=[person]),
        "reason": "Duty call about this child: checking who lives in the household.",
    }


@dataclass(frozen=True)
class PostCase:
    """One action: the row of ``MATRIX`` it belongs to, its form, the role whose identical
    POST takes effect, what must be true first, and (for actions every signed-in user may
    send about their own things) the answer others get when they send it about someone else's."""

    route: str
    obj: str
    form: Callable[[Scenario], dict]
    allowed: str
    prepare: Callable[[Scenario], None] | None = None
    bystanders: str = ""  # the status others who may open the page get when they send it
    control: bool = True  # False only where the allowed POST may rightly change nothing
    also_allowed: tuple[str, ...] = ()  # other roles that may act (not tried)


POST_CASES = [
    PostCase("contacts:new", "-", _new_contact_form, "rio"),
    PostCase("contacts:complete", "submitted contact", _complete_form, "rio"),
    PostCase("contacts:screen", "to-screen contact", _screen_form, "pm"),
    PostCase("enquiries:request_detail", "health request", _response_form, "hea"),
    PostCase(
        "api:information-request-response",
        "health request",
        _api_response_form,
        "hea",
        bystanders="404",
    ),
    PostCase("enquiries:enquiry_proceed", "enquiry", _proceed_form, "pm"),
    PostCase("decisions:analysis", "enquiry contact", _analysis_form, "sw", _health_answers),
    PostCase(
        "decisions:decide", "enquiry contact", _decision_form, "pm", _health_answers_and_analysed
    ),
    PostCase(
        "people:contact_person_link", "parent on contact", lambda s: {"action": "create"}, "pm"
    ),
    PostCase("notifications:read", "notification", lambda s: {}, "pm", bystanders="404"),
    PostCase("notifications:read_all", "-", lambda s: {}, "pm", bystanders="302"),
    # meetings: only the chair acts; a practitioner cancels only their own time away
    PostCase("meetings:meeting_start", "meeting", _meeting_version, "pm"),
    PostCase(
        "meetings:meeting_close",
        "meeting",
        _meeting_version,
        "pm",
        _start_meeting_with_early_help,
    ),
    PostCase("meetings:meeting_refresh", "meeting", lambda s: {}, "pm", control=False),
    PostCase(
        "meetings:meeting_notes",
        "meeting",
        lambda s: {**_meeting_version(s), "staffing_notes": "Two social workers on leave."},
        "pm",
    ),
    PostCase(
        "meetings:item_add",
        "meeting",
        lambda s: {"reference": s.decided_contact.reference, "reason": "Strategy tomorrow"},
        "pm",
    ),
    PostCase(
        "meetings:item_move", "item on enquiry contact", lambda s: {"direction": "down"}, "pm"
    ),
    PostCase("meetings:item_remove", "item on enquiry contact", lambda s: {}, "pm"),
    PostCase(
        "meetings:item_detail",
        "item on enquiry contact",
        _outcome_form,
        "pm",
        _start_meeting,
        bystanders="403",
        also_allowed=("tm",),
    ),
    PostCase(
        "meetings:attendance_add",
        "meeting",
        lambda s: {
            "agency": str(Agency.objects.get(code="HEALTH").pk),
            "attendee": str(s.users["hea"].pk),
            "status": "present",
        },
        "pm",
    ),
    PostCase("meetings:attendance_remove", "police attendance", lambda s: {}, "pm"),
    PostCase(
        "meetings:availability_cancel", "police time away", lambda s: {}, "pol", bystanders="404"
    ),
    # governance: the agency asked answers an override; the DPO reviews break-glass access
    PostCase(
        "governance:override_detail",
        "police override",
        _override_answer_form,
        "pol",
        bystanders="404",
    ),
    PostCase(
        "governance:break_glass_review", "break-glass access", lambda s: {"note": "Seen"}, "dpo"
    ),
    PostCase("governance:break_glass", "-", _break_glass_form, "rio"),
    # Refused by capability before the form is read; allowed, nothing is due for disposal.
    PostCase("governance:retention_run", "-", lambda s: {"confirm": "yes"}, "dpo", control=False),
    PostCase("governance:rights_export_prepare", "access request (no export)", lambda s: {}, "dpo"),
    PostCase(
        "governance:rights_restriction_lift",
        "restriction request",
        lambda s: {"lift_note": "The address was checked and is right."},
        "dpo",
    ),
    PostCase(
        "governance:rights_notification",
        "recipient notice",
        lambda s: {"action": "sent", "note": "Told by phone"},
        "dpo",
    ),
]


def test_every_action_has_a_post_case():
    """A POST-only URL (405 on GET) must be in POST_CASES, so its refusal is exercised."""
    post_only = {r.route for r in ROWS if "405" in r.outcomes.values()}
    assert post_only <= {c.route for c in POST_CASES}
    rows = {(r.route, r.obj) for r in ROWS}
    assert all((c.route, c.obj) in rows for c in POST_CASES)


@pytest.mark.parametrize("case", POST_CASES, ids=lambda c: f"{c.route}[{c.obj}]")
def test_refused_posts_change_nothing(case, scenario, signed_in):
    if case.route.split(":")[0] not in _mounted_namespaces():
        pytest.skip(f"{case.route} is not mounted")
    if case.prepare:
        case.prepare(scenario)
    row = next(r for r in ROWS if (r.route, r.obj) == (case.route, case.obj))
    url = _url(case.route, case.obj, scenario)
    before = _state()
    wrong = []
    for role in ROLES:
        if role == case.allowed or role in case.also_allowed:
            continue
        expected = row.outcomes[role]
        if expected not in REFUSED:
            if not case.bystanders:
                continue  # another role that may act: not a refusal
            expected = case.bystanders
        got = _outcome(_client(role, scenario, signed_in).post(url, case.form(scenario)))
        # A role refused the page may be refused the action by capability (403) or scope (404);
        # either way, with nothing changed. Signed-out visitors are sent to sign in (API: 401).
        refused = got == expected if expected in {"login", "401"} else got in {"403", "404"}
        if (got != expected) if expected not in REFUSED else not refused:
            wrong.append(f"{role}: expected {expected}, got {got}")
    assert not wrong, f"POST {case.route} [{case.obj}]:\n" + "\n".join(wrong)
    after = _state()
    changed = [label for label in before if before[label] != after[label]]
    assert not changed, f"a refused POST to {case.route} changed {changed}"

    # The control: the same form from a role that may act takes effect.
    response = _client(case.allowed, scenario, signed_in).post(url, case.form(scenario))
    assert response.status_code in {302, 201}, response.content.decode()[:3000]  # 201: API
    if case.control:
        assert _state() != before, f"the control POST to {case.route} changed nothing"
