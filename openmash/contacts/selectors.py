"""Reads of contacts, scoped per user (see core/scoping.py). Views get contacts only from
here; the one-record read writes the access log."""

import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from openmash.accounts.scopes import can_read_contacts, is_csc_staff, is_partner_responder
from openmash.accounts.selectors import staff_names_attach
from openmash.audit.services import access_record_for_people
from openmash.core.formats import staff_name
from openmash.core.frozen import FrozenRead, store_prefetched
from openmash.core.scoping import scope_keeps_every_row, scope_rule
from openmash.governance.selectors import restricted_access_reason

from .codes import PersonRole
from .models import Contact, ContactConcern, ContactPerson, ContactStatus


@scope_rule("contacts.Contact")
def _contact_scope(qs, user):
    if can_read_contacts(user):
        return qs
    return qs.none()


@scope_rule("contacts.ContactPerson")
def _contact_person_scope(qs, user):
    if can_read_contacts(user):
        return qs
    if is_partner_responder(user):
        # Minimum identifying details, only for contacts their agency was asked about.
        return qs.filter(contact__enquiry__requests__agency_id=user.agency_id)
    return qs.none()


# -- reads for pages ---------------------------------------------------------------------------


#: What the contact's pages use of each person named on it, and of the person-index entry it is
#: linked to (whether it is restricted decides the break-glass check): read with ``only``, as
#: the person index's twenty-odd other columns cost a contact page more to read than to skip.
_PEOPLE_FIELDS = (
    "id",
    "contact_id",
    "person_id",
    "role",
    "forename",
    "surname",
    "date_of_birth",
    "expected_delivery_date",
    "sex",
    "address",
    "postcode",
    "relationship_to_child",
    "possible_duplicate",
    "created_at",
    "person__id",
    "person__local_id",
    "person__open_to_team_id",
    "person__restricted",
)


def _contact_people(user, *, shown: bool = False):
    """The people on the contact, in the order recorded (``people_in_order`` puts the children
    first). ``shown``: only what a page shows (``_PEOPLE_FIELDS``); not for records a service
    will change, as saving a partly read row would skip its other columns."""
    people = ContactPerson.objects.for_user(user)
    if shown:
        return Prefetch("people", queryset=_shown_people(people))
    return Prefetch("people", queryset=people.select_related("person").order_by("created_at", "pk"))


def _shown_people(people: QuerySet) -> QuerySet:
    """What the contact's pages show of ``people`` (``_PEOPLE_FIELDS``), in the order recorded."""
    return people.select_related("person").only(*_PEOPLE_FIELDS).order_by("created_at", "pk")


_ROLE_RANK = {
    role: rank
    for rank, role in enumerate(
        (
            PersonRole.SUBJECT_CHILD,
            PersonRole.PARENT_CARER,
            PersonRole.HOUSEHOLD_MEMBER,
            PersonRole.OTHER,
        )
    )
}


def people_in_order(contact: Contact) -> list[ContactPerson]:
    """The people on a contact read by this module's selectors: the children the concern is
    about first, then parents and carers, household members and others, each group in the
    order recorded. Sorted here, not by the database: the ``CASE`` it needed cost more to
    build than the query's read (ADR 0011)."""
    return sorted(contact.people.all(), key=lambda p: _ROLE_RANK.get(p.role, len(_ROLE_RANK)))


#: The annotations ``contact_get_for_user(..., panels=True)`` adds: whether the contact has
#: anything for each optional part of its page. A contact read without them shows every part
#: (``panel_flags`` answers True), so a missing flag can never hide a warning.
PANEL_FLAGS = (
    "has_consent_history",
    "has_processing_restriction",
    "has_incorrect_opinions",
    "on_agenda",
)


#: The parts of a contact's episode its page joins to the contact's own query, with what each
#: brings along — when the user's scope rule for the part keeps every row
#: (``core.scoping.scope_keeps_every_row``), so the join shows nothing a scoped read would not.
_EPISODE_JOINS = (
    ("enquiry", "enquiries.MashEnquiry", ("enquiry",)),
    ("analysis", "decisions.Analysis", ("analysis",)),
    ("decision", "decisions.Decision", ("decision__receiving_team",)),
)

#: The staff each part of the page names, loaded by ``staff_names_attach`` (one query for
#: all) rather than joined.
_STAFF_LINKS = {
    "contact": ("recorded_by", "screened_by"),
    "enquiry": ("opened_by", "ready_by"),
    "analysis": ("analysed_by",),
    "decision": ("decided_by",),
}


def contact_get_for_user(
    user,
    pk,
    *,
    channel: str = "contacts:detail",
    panels: bool = False,
    episode: bool = False,
) -> Contact:
    """One contact with its people and concerns, if ``user`` may read it — else 404 (never
    "forbidden", which would confirm the contact exists). Writes the access log: one entry per
    linked child or adult shown, so the DPO can find this view from any of them.

    ``panels``: also say, in the same query where the user's scopes allow, which optional parts
    of the contact page have anything to show (``PANEL_FLAGS``), so the page reads only those.
    ``episode``: also read the enquiry (with the requests the user may see), analysis and
    decision by joins where the scopes allow (``_EPISODE_JOINS``); ``contact_episode`` then
    reads only what was not joined.

    The contact page itself (``panels`` and ``episode``) is read by queries compiled once
    (``_contact_page_frozen``, ADR 0012) for a user whose scopes keep every row it reads."""
    contact = _contact_page_frozen(user, pk) if panels and episode else None
    if contact is None:
        contact = _contact_read(user, pk, panels=panels, episode=episode)
    staff = [(contact, name) for name in _STAFF_LINKS["contact"]]
    parts = getattr(contact, "_episode_parts", {})
    for part, record in parts.items():
        staff += [(record, name) for name in _STAFF_LINKS[part]]
    enquiry = parts.get("enquiry")
    if enquiry is not None:
        staff += [(request, "responded_by") for request in enquiry.visible_requests]
    staff_names_attach(staff)
    people = contact.people.all()
    person_ids = [p.person_id for p in people if p.person_id]
    # A contact about a restricted person needs the user to be named on them, or a reason.
    reason = restricted_access_reason(user, [p.person for p in people])
    access_record_for_people(user, contact, channel, person_ids, reason=reason)
    return contact


#: A contact's concerns in the order recorded.
_CONCERNS_IN_ORDER = Prefetch(
    "concerns", queryset=ContactConcern.objects.order_by("created_at", "pk")
)


def _contact_read(user, pk, *, panels: bool, episode: bool) -> Contact:
    """``contact_get_for_user``'s reads through the ORM, scoped."""
    from django.apps import apps

    rows = (
        Contact.objects.for_user(user)
        .prefetch_related(_contact_people(user, shown=True), _CONCERNS_IN_ORDER)
        .filter(pk=pk)
    )
    joined = []
    if episode:
        for part, label, paths in _EPISODE_JOINS:
            if scope_keeps_every_row(apps.get_model(label), user):
                joined.append(part)
                rows = rows.select_related(*paths)
        if "enquiry" in joined and is_csc_staff(user):
            from openmash.enquiries.selectors import enquiry_requests_prefetch

            rows = rows.prefetch_related(enquiry_requests_prefetch(user, "enquiry__requests"))
    flags_sql = _panel_flags_sql(user) if panels else None
    if flags_sql is not None:
        rows = rows.annotate(**_flag_annotations(flags_sql))
    try:
        # get(), not first(): first() orders by pk, and to order, the ORM hashes every
        # selected column — two hundred of them with the episode joined (~1 ms a page).
        contact = rows.get()
    except Contact.DoesNotExist:
        raise Http404("No contact found.") from None
    if panels and flags_sql is None:
        from openmash.governance.selectors import contact_page_flags
        from openmash.meetings.selectors import contact_on_agenda

        # A query of their own: joined to the wide row above, the subqueries took PostgreSQL
        # and the ORM twice as long to plan and build as this narrow one.
        flags = (
            Contact.unscoped.filter(pk=contact.pk)
            .annotate(**contact_page_flags(user), on_agenda=contact_on_agenda(user))
            .values(*PANEL_FLAGS)
            .get()
        )
        for name, value in flags.items():
            setattr(contact, name, value)
    if joined:
        contact._episode_parts = parts = {part: _joined(contact, part) for part in joined}
        enquiry = parts.get("enquiry")
        if enquiry is not None and not is_csc_staff(user):
            enquiry.visible_requests = []  # partners' answers are for CSC staff only
    return contact


def _flag_annotations(flags_sql: dict[str, str]) -> dict:
    return {
        name: RawSQL(sql, (), output_field=models.BooleanField())  # noqa: S611 (no user input: names from the models)
        for name, sql in flags_sql.items()
    }


@cache
def _page_reads() -> dict[str, FrozenRead]:
    """The contact page's reads, compiled once (built on first use: the models of other apps
    are not importable when this module is)."""
    from openmash.accounts.models import Team
    from openmash.decisions.models import Analysis, Decision
    from openmash.enquiries.models import MashEnquiry
    from openmash.governance import models as governance
    from openmash.meetings.models import AgendaItem
    from openmash.people.models import Person

    def contact(flags, *, contact_id):
        rows = Contact.unscoped.filter(pk=contact_id)
        for _part, _label, paths in _EPISODE_JOINS:
            rows = rows.select_related(*paths)
        return rows.annotate(**_flag_annotations(dict(flags)))

    def people(variant, *, contact_id):
        return _shown_people(ContactPerson.unscoped.filter(contact_id=contact_id))

    def concerns(variant, *, contact_id):
        return _CONCERNS_IN_ORDER.queryset.filter(contact_id=contact_id)

    return {
        "contact": FrozenRead(
            "contact page",
            contact,
            models=(Contact, MashEnquiry, Analysis, Decision, Team),
            values=("contact_id",),
            # The panel flags' EXISTS: _panel_flags_sql gives them only where scopes allow.
            tested_elsewhere=(
                ContactPerson,
                AgendaItem,
                governance.ConsentRecord,
                governance.ConsentOverride,
                governance.NotInformDecision,
                governance.IncorrectOpinionFlag,
                governance.ProcessingRestriction,
            ),
        ),
        "people": FrozenRead(
            "contact page people", people, models=(ContactPerson, Person), values=("contact_id",)
        ),
        "concerns": FrozenRead(
            "contact page concerns", concerns, models=(ContactConcern,), values=("contact_id",)
        ),
    }


def _contact_page_frozen(user, pk) -> Contact | None:
    """The contact page's contact — joined to its enquiry, analysis, decision and panel flags,
    with its people, concerns and (for CSC staff) the agencies' requests — by ``FrozenRead``s;
    None if the user's scopes filter anything read (then ``_contact_read``, scoped)."""
    from openmash.enquiries.selectors import SHOWN_REQUESTS

    reads = _page_reads()
    if not (is_csc_staff(user) and all(read.allowed(user) for read in reads.values())):
        return None
    if not SHOWN_REQUESTS.allowed(user):
        return None
    flags_sql = _panel_flags_sql(user)
    if flags_sql is None:
        return None
    try:
        contact_id = pk if isinstance(pk, uuid.UUID) else uuid.UUID(str(pk))
    except ValueError:
        raise Http404("No contact found.") from None
    rows = reads["contact"].rows(tuple(flags_sql.items()), contact_id=contact_id)
    if not rows:
        raise Http404("No contact found.")
    contact = rows[0]
    store_prefetched(contact, "people", reads["people"].rows(contact_id=contact_id))
    store_prefetched(contact, "concerns", reads["concerns"].rows(contact_id=contact_id))
    contact._episode_parts = parts = {part: _joined(contact, part) for part, *_ in _EPISODE_JOINS}
    enquiry = parts["enquiry"]
    if enquiry is not None:
        enquiry.visible_requests = SHOWN_REQUESTS.rows(enquiry_id=enquiry.pk)
    return contact


def _joined(contact: Contact, part: str):
    """A reverse one-to-one read by ``select_related``: the row, or None if there is none."""
    try:
        return getattr(contact, part)
    except ObjectDoesNotExist:
        return None


def _panel_flags_sql(user) -> dict | None:
    """``PANEL_FLAGS`` as plain SQL ``EXISTS`` over the contact's row, or None if a scope rule
    of ``user``'s filters one of the tables asked (then a separate query of ORM flags)."""
    from openmash.governance.selectors import contact_page_flags_sql
    from openmash.meetings.selectors import contact_on_agenda_sql

    flags = contact_page_flags_sql(user)
    on_agenda = contact_on_agenda_sql(user)
    if flags is None or on_agenda is None:
        return None
    return {**flags, "on_agenda": on_agenda}


def panel_flags(contact: Contact) -> dict[str, bool]:
    """``PANEL_FLAGS`` of a contact, True for any the contact was read without."""
    return {name: getattr(contact, name, True) is not False for name in PANEL_FLAGS}


def contact_for_action(user, pk) -> Contact:
    """The contact a form on its page acts on, if ``user`` may read it — else 404. Not logged
    as a view: the page shown afterwards (redirect or re-render) is."""
    contact = (
        Contact.objects.for_user(user)
        .prefetch_related(_contact_people(user), "concerns")
        .filter(pk=pk)
        .first()
    )
    if contact is None:
        raise Http404("No contact found.")
    restricted_access_reason(user, [p.person for p in contact.people.all()])
    return contact


#: The contact fields a queue row shows or sorts and marks by: a row need not carry the
#: narrative and the referrer's details (most of a contact's width) to the page.
QUEUE_ROW_FIELDS = (
    "id",
    "reference",
    "status",
    "channel",
    "received_at",
    "decision_due_at",
    "decided_at",
    "rag",
    "immediate_risk",
)


@dataclass(frozen=True, slots=True)
class ChildRow:
    """What a queue row shows of a subject child."""

    forename: str
    surname: str
    date_of_birth: object
    expected_delivery_date: object


def _subject_children(people: QuerySet, contact_ids, order_by) -> QuerySet:
    return (
        people.filter(role=PersonRole.SUBJECT_CHILD, contact_id__in=contact_ids)
        .order_by(*order_by)
        .values(*_CHILD_FIELDS)
    )


_CHILD_FIELDS = ("contact_id", "forename", "surname", "date_of_birth", "expected_delivery_date")
#: ``subject_children_attach``'s read, compiled once per ordering and page length (ADR 0012).
_SUBJECT_CHILDREN = FrozenRead(
    "subject children",
    lambda order_by, *, contact_ids: _subject_children(
        ContactPerson.unscoped.all(), contact_ids, order_by
    ),
    models=(ContactPerson,),
    values=("contact_ids",),
)


def subject_children_attach(user, contacts, *, order_by=("created_at", "pk")) -> None:
    """Set ``contact.children`` (``ChildRow``s) on each of ``contacts``: the subject children
    ``user`` may see, read for the whole page in one query (``QueueSpec.page_reads``)."""
    by_contact: dict = {contact.pk: [] for contact in contacts}
    rows = _SUBJECT_CHILDREN.for_user(user, tuple(order_by), contact_ids=list(by_contact))
    if rows is None:  # the user's scope filters people: read them scoped
        rows = _subject_children(
            ContactPerson.objects.for_user(user), list(by_contact), tuple(order_by)
        )
    for row in rows:
        by_contact[row["contact_id"]].append(
            ChildRow(
                row["forename"], row["surname"], row["date_of_birth"], row["expected_delivery_date"]
            )
        )
    for contact in contacts:
        contact.children = by_contact[contact.pk]


def contact_queue(user, status: str) -> QuerySet:
    """Contacts in ``status`` that ``user`` may read, for ``core.queues.queue_page`` (which
    sorts, filters and pages them); ``subject_children_attach`` adds the page's children."""
    return Contact.objects.for_user(user).filter(status=status).only(*QUEUE_ROW_FIELDS)


def contact_queue_counts(user) -> dict[str, int]:
    """How many contacts wait in each contacts-owned queue (for the queue tabs)."""
    rows = (
        Contact.objects.for_user(user)
        .filter(status__in=[ContactStatus.SUBMITTED, ContactStatus.RECORDED])
        .values("status")
        .annotate(n=models.Count("pk"))
    )
    counts = {ContactStatus.SUBMITTED: 0, ContactStatus.RECORDED: 0}
    counts.update({r["status"]: r["n"] for r in rows})
    return counts


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    title: str
    detail: str = ""
    by: str = ""


@dataclass(frozen=True)
class Episode:
    """What happened to a contact after screening, each read once through its scoped selector:
    the MASH enquiry with the requests the user may see (``visible_requests``; CSC staff only),
    the analysis and the decision — or None."""

    enquiry: object | None
    analysis: object | None
    decision: object | None


def contact_episode(user, contact: Contact) -> Episode:
    """The contact's enquiry (with every agency's request and response, for CSC staff),
    analysis and decision: four queries at most, shared by the timeline and the panels."""
    from openmash.decisions.models import Analysis, Decision
    from openmash.enquiries.models import MashEnquiry
    from openmash.enquiries.selectors import enquiry_for_contact

    if contact.status in (ContactStatus.SUBMITTED, ContactStatus.RECORDED):
        return Episode(None, None, None)  # not screened yet: nothing can hang off it
    joined = getattr(contact, "_episode_parts", {})
    if "enquiry" in joined:
        enquiry = joined["enquiry"]
    elif is_csc_staff(user):
        enquiry = enquiry_for_contact(user, contact)
    else:
        # Others who read contacts (early help) see that there was an enquiry, not the
        # partners' answers.
        enquiry = (
            MashEnquiry.objects.for_user(user)
            .filter(contact_id=contact.pk)
            .select_related("opened_by")
            .first()
        )
        if enquiry is not None:
            enquiry.visible_requests = []
    return Episode(
        enquiry=enquiry,
        analysis=joined["analysis"]
        if "analysis" in joined
        else Analysis.objects.for_user(user)
        .filter(contact_id=contact.pk)
        .select_related("analysed_by")
        .first(),
        decision=joined["decision"]
        if "decision" in joined
        else Decision.objects.for_user(user)
        .filter(contact_id=contact.pk)
        .select_related("decided_by", "receiving_team")
        .first(),
    )


def contact_timeline(user, contact: Contact, episode: Episode | None = None) -> list[TimelineEvent]:
    """The episode so far, oldest first: received, recorded, screened, the MASH enquiry with
    each agency's request and response (children's social care staff only: partners' answers
    are theirs to see), analysis and decision. ``episode`` as read for the same page, if it
    was; else it is read here (a constant number of queries)."""
    episode = episode or contact_episode(user, contact)
    events = [
        TimelineEvent(
            contact.received_at,
            "Contact received",
            f"{contact.get_channel_display()}"
            + (f" from {contact.referrer_name}" if contact.referrer_name else ""),
        )
    ]
    if contact.recorded_at:
        events.append(
            TimelineEvent(contact.recorded_at, "Recorded", by=staff_name(contact.recorded_by))
        )
    if contact.screened_at:
        events.append(
            TimelineEvent(
                contact.screened_at,
                "Screened",
                f"{contact.get_rag_display()}, {contact.get_threshold_level_display()}; route: "
                f"{contact.get_route_display()}",
                staff_name(contact.screened_by),
            )
        )
    enquiry = episode.enquiry
    if enquiry is not None:
        requests = enquiry.visible_requests
        events.append(
            TimelineEvent(
                enquiry.opened_at,
                "MASH enquiry opened",
                (
                    "Information requested from " + ", ".join(r.agency.name for r in requests)
                    if requests
                    else ""
                ),
                staff_name(enquiry.opened_by),
            )
        )
        for request in requests:
            if request.responded_at:
                events.append(
                    TimelineEvent(
                        request.responded_at,
                        f"{request.agency.name} responded",
                        request.get_outcome_display(),
                        staff_name(request.responded_by),
                    )
                )
        if enquiry.ready_at:
            events.append(TimelineEvent(enquiry.ready_at, "Ready for analysis"))
    analysis = episode.analysis
    if analysis is not None:
        events.append(
            TimelineEvent(
                analysis.analysed_at,
                "Analysis recorded",
                f"Recommendation: {analysis.get_recommendation_display()}",
                staff_name(analysis.analysed_by),
            )
        )
    decision = episode.decision
    if decision is not None:
        team = f" – {decision.receiving_team.name}" if decision.receiving_team else ""
        events.append(
            TimelineEvent(
                decision.decided_at,
                "Decision",
                f"{decision.get_outcome_display()}{team}",
                staff_name(decision.decided_by),
            )
        )
        # What the decision caused (handover, referrer feedback or why none) is the decisions
        # app's to describe.
        from openmash.decisions.selectors import decision_events

        events.extend(
            TimelineEvent(at, title, detail) for at, title, detail in decision_events(decision)
        )
    return sorted(events, key=lambda e: e.at)


def _register_work_queues() -> None:
    from openmash.accounts.roles import Capability
    from openmash.core.work import WorkQueue, register

    register(
        WorkQueue(
            "To record",
            "contacts:to_record",
            lambda user: user.can(Capability.CONTACT_RECORD),
            lambda user: Contact.objects.for_user(user).filter(status=ContactStatus.SUBMITTED),
            "decision_due_at",
            "Online referrals to check and record",
        )
    )
    register(
        WorkQueue(
            "To screen",
            "contacts:to_screen",
            lambda user: user.can(Capability.CONTACT_SCREEN),
            lambda user: Contact.objects.for_user(user).filter(status=ContactStatus.RECORDED),
            "decision_due_at",
            "Recorded contacts waiting for RAG rating and route",
        )
    )


_register_work_queues()
