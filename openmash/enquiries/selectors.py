"""Reads of MASH enquiries and information requests: the agency firewall lives here.

Partners read their own agency's requests (never another agency's, never the referral
narrative) through ``agency_request_queue`` and ``information_request_for_partner``; children's
social care MASH staff read enquiries and every agency's response through ``enquiry_queue``,
``enquiry_get_for_user`` and ``enquiry_for_contact``. Functions that show one record for
display write the access log.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    UUIDField,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone

from openmash.accounts.models import Agency
from openmash.accounts.scopes import can_read_contacts, is_csc_staff, is_partner_responder
from openmash.audit.services import access_record_for_people
from openmash.contacts.codes import PersonRole
from openmash.contacts.models import Contact, ContactPerson
from openmash.core.frozen import FrozenRead
from openmash.core.queues import DUE_SOON
from openmash.core.scoping import scope_rule
from openmash.decisions.models import Decision
from openmash.people.codes import Sex

from .models import EnquiryStatus, InformationRequest, MashEnquiry, RequestStatus


@scope_rule("enquiries.MashEnquiry")
def _enquiry_scope(qs, user):
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        return qs.filter(requests__agency_id=user.agency_id)
    return qs.none()


@scope_rule("enquiries.InformationRequest")
def _request_scope(qs, user):
    # Children's social care MASH staff see every agency's request and response; everyone
    # else — partners, and early help staff — sees only their own agency's.
    if is_csc_staff(user):
        return qs
    if is_partner_responder(user) or can_read_contacts(user):
        return qs.filter(agency_id=user.agency_id)
    return qs.none()


# -- partners: my agency's requests -----------------------------------------------------------


def _own_agency_requests(user) -> QuerySet:
    """The requests addressed to the user's own agency — also for CSC staff, whose scope rule
    would otherwise include every agency's."""
    if not user.agency_id:
        return InformationRequest.objects.none()
    return InformationRequest.objects.for_user(user).filter(agency_id=user.agency_id)


def _with_contact_markers(qs: QuerySet, now) -> QuerySet:
    """Annotate the few contact facts a partner may see (reference, RAG, immediate risk) as
    values, so no contact object — and no narrative — is ever loaded for them. A request's
    clock stops when it is answered: ``outstanding_due_at`` is empty once responded, so it is
    never marked overdue afterwards, and ``urgent`` pins only outstanding immediate-risk work."""
    outstanding = Q(status=RequestStatus.REQUESTED)
    # Subqueries rather than joins: PostgreSQL runs them only for the rows on the page, and
    # ``urgent`` only for outstanding requests, so sorting and counting an agency's queue
    # never joins thousands of requests to their contacts (bench/pathway.py). They read the
    # request's own contact only — what the joins they replace read.
    # (Scalar subqueries, not EXISTS, which PostgreSQL may turn into a hash of every contact
    # at immediate risk.)
    # The immediate-risk flag is the request's own copy (``InformationRequest.immediate_risk``):
    # ``urgent`` is computed for every outstanding request before the sort.
    contact = Contact.unscoped.filter(enquiry=OuterRef("enquiry_id"))
    return qs.annotate(
        contact_reference=Subquery(contact.values("reference")[:1]),
        rag=Subquery(contact.values("rag")[:1]),
        urgent=Case(
            When(outstanding, then=F("immediate_risk")),
            default=Value(False),
            output_field=BooleanField(),
        ),
        outstanding_due_at=Case(
            When(outstanding, then=F("due_at")), default=None, output_field=DateTimeField()
        ),
    )


def _with_request_details(qs: QuerySet, now) -> QuerySet:
    """What the request page and the API add to the markers: the contact's id (to read its
    people) and whether the request is overdue or due soon, as values. The queue page needs
    neither (its markers come from ``outstanding_due_at``), so it does not build them."""
    outstanding = Q(status=RequestStatus.REQUESTED)
    return qs.annotate(
        contact_id=Subquery(
            MashEnquiry.unscoped.filter(pk=OuterRef("enquiry_id")).values("contact_id")[:1],
            output_field=UUIDField(),
        ),
        is_overdue=ExpressionWrapper(outstanding & Q(due_at__lt=now), BooleanField()),
        is_due_soon=ExpressionWrapper(
            outstanding & Q(due_at__gte=now, due_at__lt=now + DUE_SOON), BooleanField()
        ),
    )


#: How long an answered request stays in "Requests to my agency" (filter "Responded").
ANSWERED_SHOWN_FOR = timedelta(days=30)


def agency_request_queue(user, *, now=None) -> QuerySet:
    """ "Requests to my agency", for ``core.queues.queue_page`` (which sorts, filters and
    pages it): the user's own agency's requests with the markers a partner may see — every
    request still to answer, and those answered in the last ``ANSWERED_SHOWN_FOR``.

    The queue is the partner's work list, not an archive: with every answer ever given
    (160,000 police requests in ten years, bench/pathway.py) each view joined, sorted and
    counted all of them to show 25 (1.6 s); the recent ones keep it to a few thousand rows."""
    now = now or timezone.now()
    return _with_request_details(_with_contact_markers(_agency_requests_shown(user, now), now), now)


def _agency_requests_shown(user, now) -> QuerySet:
    shown = Q(status=RequestStatus.REQUESTED) | Q(responded_at__gte=now - ANSWERED_SHOWN_FOR)
    return _own_agency_requests(user).filter(shown)


#: The request fields a row of "Requests to my agency" shows, sorts or marks by: the answer
#: itself (summary, risk and protective factors …) is most of a request's width and is read on
#: the request page, not carried into the queue's sort.
REQUEST_ROW_FIELDS = (
    "id",
    "status",
    "requested_at",
    "due_at",
    "responded_at",
    "enquiry_id",
    "immediate_risk",
)


def agency_request_queue_rows(user, *, now=None) -> QuerySet:
    """The rows of the "Requests to my agency" page: every request to the user's agency, with
    the markers ``agency_request_queue`` gives and only the fields the page shows. The page's
    two parts (``views.REQUEST_QUEUE_SPEC``: outstanding, then ``answered_since``) choose the
    same requests as ``agency_request_queue``, each part on its own index — as one ``OR`` the
    count of answered requests read every row of them (2.5 ms at bench size)."""
    now = now or timezone.now()
    return _with_contact_markers(_own_agency_requests(user), now).only(*REQUEST_ROW_FIELDS)


def answered_since(now) -> Q:
    """The requests answered within ``ANSWERED_SHOWN_FOR`` of ``now``: a request has an answer
    time exactly when it is answered (constraint ``answered_when_responded``)."""
    return Q(responded_at__gte=now - ANSWERED_SHOWN_FOR)


@dataclass(frozen=True)
class PersonDetails:
    """The minimum identifying details a partner needs to search their systems."""

    name: str
    role: str
    relationship: str
    date_of_birth: object
    expected_delivery_date: object
    sex: str
    address: str
    postcode: str


@dataclass(frozen=True)
class DecisionOutcome:
    outcome: str
    decided_at: object


@dataclass(frozen=True)
class PartnerRequest:
    """What a partner sees of one request: the request, its contact's reference and markers,
    the people named, and — once decided — the outcome. Nothing else of the contact."""

    request: InformationRequest
    people: list[PersonDetails]
    outcome: DecisionOutcome | None


def information_request_for_partner(user, request_id, *, channel: str) -> PartnerRequest:
    """One of the user's own agency's requests, for the request page; another agency's (or a
    missing) request is not found. Writes the access log for each person shown.

    A request about a restricted person raises ``RestrictedRecordError`` (governance) unless
    the user gave a break-glass reason in the last hour: the page answers with the reason form
    (``BreakGlassMiddleware``); any other caller (the API) must refuse too, without the
    details."""
    from openmash.governance.selectors import restricted_access_reason

    now = timezone.now()
    request = (
        _with_request_details(_with_contact_markers(_own_agency_requests(user), now), now)
        .select_related("agency", "responded_by")
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise Http404("No information request found.")
    rows = (
        ContactPerson.objects.for_user(user)
        .filter(contact_id=request.contact_id)
        .select_related("person")
        .order_by("role", "surname", "forename")
        .only(
            "person__restricted",
            "person_id",
            "role",
            "forename",
            "surname",
            "relationship_to_child",
            "date_of_birth",
            "expected_delivery_date",
            "sex",
            "address",
            "postcode",
        )
    )
    rows = sorted(rows, key=lambda p: p.role != PersonRole.SUBJECT_CHILD)
    reason = restricted_access_reason(user, [p.person for p in rows])
    people = [
        PersonDetails(
            name=f"{p.forename} {p.surname}",
            role=p.get_role_display(),
            relationship=p.relationship_to_child,
            date_of_birth=p.date_of_birth,
            expected_delivery_date=p.expected_delivery_date,
            sex=Sex(p.sex).label if p.sex in Sex.values else "",
            address=p.address,
            postcode=p.postcode,
        )
        for p in rows
    ]
    decision = (
        Decision.objects.for_user(user)
        .filter(contact_id=request.contact_id)
        .only("outcome", "decided_at")
        .first()
    )
    outcome = (
        DecisionOutcome(decision.get_outcome_display(), decision.decided_at) if decision else None
    )
    access_record_for_people(
        user, request, channel, [p.person_id for p in rows if p.person_id], reason=reason
    )
    return PartnerRequest(request=request, people=people, outcome=outcome)


def information_request_to_answer(user, request_id) -> InformationRequest:
    """The request a partner is answering (for the respond service), scoped like the page,
    restricted people included (``RestrictedRecordError`` without a name or a reason). Not
    logged as a view: the page shown afterwards is."""
    from openmash.governance.selectors import restricted_access_reason

    request = _own_agency_requests(user).filter(pk=request_id).first()
    if request is None:
        raise Http404("No information request found.")
    people = [
        cp.person
        for cp in ContactPerson.objects.for_user(user)
        .filter(contact__enquiry=request.enquiry_id, person__isnull=False)
        .select_related("person")
        .only("person__restricted", "person_id")
    ]
    restricted_access_reason(user, people)
    return request


# -- children's social care: enquiries and every agency's response ----------------------------


def _requests_prefetch(
    user, lookup: str = "requests", *, staff: bool = True, fields: tuple = ()
) -> Prefetch:
    """Every request of an enquiry ``user`` may see, as ``enquiry.visible_requests``;
    ``lookup`` is the path to the requests from the rows being read. ``staff``: with who
    responded (else the caller attaches them, e.g. ``staff_names_attach``); ``fields``: only
    these (else all)."""
    requests = _requests_in_order(InformationRequest.objects.for_user(user), staff, fields)
    return Prefetch(lookup, queryset=requests, to_attr="visible_requests")


def _requests_in_order(requests: QuerySet, staff: bool, fields: tuple) -> QuerySet:
    """``requests`` with their agencies (and who responded, if ``staff``), only ``fields`` if
    given, in the agencies' order."""
    related = ("agency", "responded_by") if staff else ("agency",)
    requests = requests.select_related(*related)
    if fields:
        requests = requests.only(*fields)
    return requests.order_by("agency__name")


def _children_prefetch(user) -> Prefetch:
    return Prefetch(
        "contact__people",
        queryset=ContactPerson.objects.for_user(user)
        .filter(role=PersonRole.SUBJECT_CHILD)
        .order_by("surname", "forename")
        .only("contact_id", "forename", "surname", "date_of_birth", "expected_delivery_date"),
        to_attr="children",
    )


ENQUIRY_QUEUE_STATUSES = (EnquiryStatus.OPEN, EnquiryStatus.READY)


def _request_counts(variant, *, enquiry_ids, now) -> QuerySet:
    return _counted_requests(InformationRequest.unscoped.all(), enquiry_ids, now)


def _counted_requests(requests: QuerySet, enquiry_ids, now) -> QuerySet:
    return (
        requests.filter(enquiry_id__in=enquiry_ids)
        .order_by()
        .values("enquiry_id")
        .annotate(
            total=Count("pk"),
            answered=Count("pk", filter=Q(status=RequestStatus.RESPONDED)),
            overdue=Count("pk", filter=Q(status=RequestStatus.REQUESTED, due_at__lt=now)),
        )
    )


#: ``enquiry_request_counts_attach``'s read, compiled once per page length (ADR 0012).
_REQUEST_COUNTS = FrozenRead(
    "request counts",
    _request_counts,
    models=(InformationRequest,),
    values=("enquiry_ids", "now"),
)


def enquiry_request_counts_attach(user, enquiries, *, now=None) -> None:
    """Set ``requests_total``, ``responses_in`` and ``overdue_requests`` on each of
    ``enquiries`` (the page of a queue, ``QueueSpec.page_reads``), counting the requests
    ``user`` may see, in one grouped query. As three correlated subqueries of the queue's own
    query the ORM spent longer building them than PostgreSQL spent running them (1.5 against
    0.4 ms), and nothing sorts or filters by them."""
    now = now or timezone.now()
    counts = {e.pk: (0, 0, 0) for e in enquiries}
    rows = _REQUEST_COUNTS.for_user(user, enquiry_ids=list(counts), now=now)
    if rows is None:  # the user's scope filters requests: count them scoped
        rows = _counted_requests(InformationRequest.objects.for_user(user), list(counts), now)
    for row in rows:
        counts[row["enquiry_id"]] = (row["total"], row["answered"], row["overdue"])
    for enquiry in enquiries:
        enquiry.requests_total, enquiry.responses_in, enquiry.overdue_requests = counts[enquiry.pk]


def enquiry_queue(user, status: str) -> QuerySet:
    """ "Open enquiries" (``open``: due = when responses are due) or "Awaiting analysis"
    (``ready``: due = the contact's decision deadline), for ``core.queues.queue_page``; the
    page's response counts come from ``enquiry_request_counts_attach``. Children's social care
    staff only."""
    if status not in ENQUIRY_QUEUE_STATUSES:
        raise ValueError(f"No enquiry queue for status {status!r}")
    if not is_csc_staff(user):
        return MashEnquiry.objects.none()
    due = F("responses_due_at") if status == EnquiryStatus.OPEN else F("contact__decision_due_at")
    return (
        MashEnquiry.objects.for_user(user)
        .filter(status=status)
        .select_related("contact")
        .only(
            "id",
            "status",
            "responses_due_at",
            "immediate_risk",
            "contact_id",
            "contact__reference",
            "contact__received_at",
        )
        # The pin (``immediate_risk``) and, for open enquiries, the due time are the
        # enquiry's own columns, on its ``enquiry_queue_pinned`` index: PostgreSQL reads the
        # page's 25 enquiries in order and joins only their contacts (ADR 0011).
        .annotate(due_at=due, rag=F("contact__rag"))
    )


def enquiry_queue_count(user, status: str) -> int:
    """How many enquiries ``enquiry_queue(user, status)`` holds, without its join to the
    contacts (which the paginator's own ``COUNT`` keeps: 0.7 ms at 1,000,000 contacts, against
    0.1 ms for this one on the status index)."""
    if not is_csc_staff(user):
        return 0
    return MashEnquiry.objects.for_user(user).filter(status=status).count()


def _enquiry_queryset(user) -> QuerySet:
    return (
        MashEnquiry.objects.for_user(user)
        .select_related("contact", "opened_by", "ready_by")
        .prefetch_related(_requests_prefetch(user), _children_prefetch(user))
    )


def enquiry_get_for_user(user, enquiry_id, *, channel: str) -> MashEnquiry:
    """The enquiry page (children's social care only): every agency's request and response in
    ``enquiry.visible_requests``, the children in ``enquiry.contact.children``. Writes the
    access log for each person named on the contact."""
    if not is_csc_staff(user):
        raise Http404("No MASH enquiry found.")
    enquiry = _enquiry_queryset(user).filter(pk=enquiry_id).first()
    if enquiry is None:
        raise Http404("No MASH enquiry found.")
    from openmash.governance.selectors import restricted_access_reason

    people = [
        cp.person
        for cp in ContactPerson.objects.for_user(user)
        .filter(contact_id=enquiry.contact_id, person__isnull=False)
        .select_related("person")
    ]
    # An enquiry about a restricted person opens only for named users or with a reason.
    reason = restricted_access_reason(user, people)
    access_record_for_people(user, enquiry, channel, [p.pk for p in people], reason=reason)
    return enquiry


def enquiry_to_manage(user, enquiry_id) -> MashEnquiry:
    """The enquiry a practice manager is moving on (for a service; nothing is displayed)."""
    enquiry = (
        MashEnquiry.objects.for_user(user).filter(pk=enquiry_id).first()
        if is_csc_staff(user)
        else None
    )
    if enquiry is None:
        raise Http404("No MASH enquiry found.")
    return enquiry


#: What the contact page shows of each request (``response_cards`` and the timeline): read
#: with ``only``, as a busy contact's dozen requests with every column of theirs and their
#: agencies' cost the page more to build than it shows (ADR 0011).
SHOWN_REQUEST_FIELDS = (
    "id",
    "enquiry_id",
    "agency_id",
    "question",
    "status",
    "due_at",
    "responded_at",
    "responded_by_id",
    "outcome",
    "summary",
    "risk_factors",
    "protective_factors",
    "systems_searched",
    "proportionality_note",
    "agency__id",
    "agency__name",
)


def _shown_requests(variant, *, enquiry_id) -> QuerySet:
    requests = InformationRequest.unscoped.filter(enquiry_id=enquiry_id)
    return _requests_in_order(requests, False, SHOWN_REQUEST_FIELDS)


#: ``enquiry_requests_prefetch``'s read of one enquiry, compiled once (ADR 0012): for a user
#: whose scope keeps every request (children's social care staff, who see every agency's).
SHOWN_REQUESTS = FrozenRead(
    "shown requests",
    _shown_requests,
    models=(InformationRequest, Agency),
    values=("enquiry_id",),
)


def enquiry_requests_prefetch(user, lookup: str) -> Prefetch:
    """For a page that reads the enquiry by a join (``lookup`` e.g. ``"enquiry__requests"``):
    the requests ``user`` may see, as ``visible_requests``, like ``enquiry_for_contact`` —
    only what the page shows (``SHOWN_REQUEST_FIELDS``), and without who responded, which
    the caller attaches with the page's other staff names."""
    return _requests_prefetch(user, lookup, staff=False, fields=SHOWN_REQUEST_FIELDS)


def enquiry_for_contact(user, contact) -> MashEnquiry | None:
    """The enquiry on ``contact`` with every agency's response, for the contact page (which
    writes its own access-log entry); None if there is none or the user is not CSC staff."""
    if not is_csc_staff(user):
        return None
    return (
        MashEnquiry.objects.for_user(user)
        .select_related("opened_by", "ready_by")
        .prefetch_related(_requests_prefetch(user))
        .filter(contact_id=contact.pk)
        .first()
    )


def _register_work_queues() -> None:
    from openmash.accounts.roles import Capability
    from openmash.core.work import WorkQueue, register

    register(
        WorkQueue(
            "Requests to my agency",
            "enquiries:request_queue",
            lambda user: user.can(Capability.ENQUIRY_RESPOND),
            lambda user: _own_agency_requests(user).filter(status=RequestStatus.REQUESTED),
            "due_at",
            "Information requests your agency has not answered yet",
        )
    )
    register(
        WorkQueue(
            "Open enquiries",
            "enquiries:open_queue",
            lambda user: is_csc_staff(user) and user.can(Capability.ENQUIRY_MANAGE),
            lambda user: MashEnquiry.objects.for_user(user).filter(status=EnquiryStatus.OPEN),
            "responses_due_at",
            "MASH enquiries waiting for agency responses",
        )
    )
    register(
        WorkQueue(
            "Awaiting analysis",
            "enquiries:ready_queue",
            lambda user: is_csc_staff(user) and user.can(Capability.ENQUIRY_ANALYSE),
            lambda user: MashEnquiry.objects.for_user(user).filter(status=EnquiryStatus.READY),
            "contact__decision_due_at",
            "Responses are in: record the analysis and recommendation",
        )
    )


_register_work_queues()
