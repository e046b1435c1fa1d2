"""Reads of governance records, scoped per user.

Consent, overrides and "do not inform" decisions are case data: children's social care staff
read them with the contact, a partner agency reads them only for contacts it was asked about
(and only overrides addressed to it), the data protection officer reads them all. The Record of
Sharing, restricted records and the dashboard are for the DPO (``governance.manage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
)
from django.http import Http404
from django.utils import timezone

from openmash.accounts.roles import Capability
from openmash.accounts.scopes import can_read_contacts, is_partner_responder
from openmash.audit.services import access_record_for_people
from openmash.core.scoping import exists_sql, scope_keeps_every_row, scope_rule

from .models import (
    BreakGlassAccess,
    ConsentOverride,
    ConsentRecord,
    NotInformDecision,
    OverrideStatus,
    PersonRestriction,
    RestrictedAccessGrant,
    SharingRecord,
)

# == Part A: consent and override =============================================================


def _is_dpo(user) -> bool:
    return user.can(Capability.GOVERNANCE_MANAGE)


@scope_rule("governance.ConsentRecord")
def _consent_record_scope(qs, user):
    if can_read_contacts(user) or _is_dpo(user):
        return qs
    if is_partner_responder(user):
        return qs.filter(contact__enquiry__requests__agency_id=user.agency_id)
    return qs.none()


@scope_rule("governance.NotInformDecision")
def _not_inform_scope(qs, user):
    # Partners asked about the contact must know not to tell the family (no tipping off).
    return _consent_record_scope(qs, user)


@scope_rule("governance.ConsentOverride")
def _override_scope(qs, user):
    if can_read_contacts(user) or _is_dpo(user):
        return qs
    if is_partner_responder(user):
        return qs.filter(agency_id=user.agency_id)
    return qs.none()


def _may_read_consent_of(user, contact_id) -> bool:
    if can_read_contacts(user) or _is_dpo(user):
        return True
    if is_partner_responder(user):
        from openmash.enquiries.models import InformationRequest

        return InformationRequest.unscoped.filter(
            enquiry__contact_id=contact_id, agency_id=user.agency_id
        ).exists()
    return False


@dataclass
class ConsentSummary:
    """What every page showing a contact says about consent."""

    contact_id: UUID
    reference: str
    position: object  # services_consent.ConsentPosition
    records: list = field(default_factory=list)  # every record, newest first
    overrides: list = field(default_factory=list)  # newest first
    not_inform: list = field(default_factory=list)  # newest first
    full: bool = True  # children's social care and the DPO; partners see a short version

    @property
    def agreed_overrides(self) -> list:
        return [o for o in self.overrides if o.status == OverrideStatus.AGREED]

    @property
    def proposed_overrides(self) -> list:
        return [o for o in self.overrides if o.status == OverrideStatus.PROPOSED]

    @property
    def is_withdrawn(self) -> bool:
        return self.position.status == "withdrawn"

    @property
    def needs_override(self) -> bool:
        return self.position.status in ("refused", "withdrawn")


def consent_summary_for_user(user, contact, *, history: bool = True) -> ConsentSummary | None:
    """The consent position of ``contact`` (a Contact or its id) with its history, overrides
    and "do not inform" decisions, as far as ``user`` may see them; None if they may not.
    Four queries at most, whatever the history; none for the history when the caller knows
    there is none for this user (``history=False``, see ``contact_page_flags``)."""
    from openmash.contacts.models import Contact

    from .services_consent import position_from_records

    contact_id = getattr(contact, "pk", contact)
    if contact_id is None or not _may_read_consent_of(user, contact_id):
        return None
    if not isinstance(contact, Contact):
        contact = (
            Contact.unscoped.only("reference", "consent_status", "consent_reason")
            .filter(pk=contact_id)
            .first()
        )
        if contact is None:
            return None
    records, overrides, not_inform = [], [], []
    if history:
        records = list(
            ConsentRecord.objects.for_user(user)
            .filter(contact_id=contact_id)
            .select_related("contact_person", "recorded_by")
            .order_by("-recorded_at", "-created_at")
        )
        overrides = list(
            ConsentOverride.objects.for_user(user)
            .filter(contact_id=contact_id)
            .select_related("agency", "proposed_by", "decided_by")
            .order_by("-proposed_at")
        )
        not_inform = list(
            NotInformDecision.objects.for_user(user)
            .filter(contact_id=contact_id)
            .select_related("decided_by")
            .order_by("-decided_at")
        )
    return ConsentSummary(
        contact_id=contact_id,
        reference=contact.reference,
        position=position_from_records(records, contact),
        records=records,
        overrides=overrides,
        not_inform=not_inform,
        full=can_read_contacts(user) or _is_dpo(user),
    )


def contact_page_flags(user) -> dict:
    """Annotations for a query of contacts (``OuterRef("pk")`` is the contact) saying whether
    it has anything for the governance parts of its page, as ``user`` may see them: consent
    history, a restriction of processing on someone named, opinions flagged as incorrect. Most
    contacts have none, and the page then reads none of them: one query's subqueries instead
    of five queries. Each subquery goes through the same scope as the panel's own selector."""
    from openmash.contacts.models import ContactPerson

    from .models import IncorrectOpinionFlag, ProcessingRestriction

    contact = OuterRef("pk")
    restricted = ProcessingRestriction.unscoped.filter(lifted_at__isnull=True).values("person_id")
    consent_history = (
        Exists(ConsentRecord.objects.for_user(user).filter(contact_id=contact))
        | Exists(ConsentOverride.objects.for_user(user).filter(contact_id=contact))
        | Exists(NotInformDecision.objects.for_user(user).filter(contact_id=contact))
    )
    return {
        "has_consent_history": ExpressionWrapper(consent_history, output_field=BooleanField()),
        "has_processing_restriction": Exists(
            ContactPerson.unscoped.filter(contact_id=contact, person_id__in=restricted)
        ),
        "has_incorrect_opinions": Exists(
            IncorrectOpinionFlag.objects.for_user(user).filter(contact_id=contact)
        ),
    }


def contact_page_flags_sql(user, outer: str = '"contacts_contact"."id"') -> dict | None:
    """``contact_page_flags`` as plain SQL over the contact's own row (``outer``), for the
    contact page's own query — or None if a scope rule of ``user``'s filters any of the tables
    (``core.scoping.exists_sql``), and the caller uses ``contact_page_flags``. A test checks
    that both give the same answers."""
    from django.db import connection

    from openmash.contacts.models import ContactPerson

    from .models import IncorrectOpinionFlag, ProcessingRestriction

    history = [
        exists_sql(model, user, "contact", outer)
        for model in (ConsentRecord, ConsentOverride, NotInformDecision)
    ]
    opinions = exists_sql(IncorrectOpinionFlag, user, "contact", outer)
    if None in history or opinions is None:
        return None
    # Restrictions are shown to everyone who reads the contact (as in contact_page_flags).
    quote = connection.ops.quote_name
    people, restrictions = (
        quote(ContactPerson._meta.db_table),
        quote(ProcessingRestriction._meta.db_table),
    )
    restriction = (
        f"EXISTS (SELECT 1 FROM {people} U JOIN {restrictions} R ON R.person_id = U.person_id"  # noqa: S608 (names from the models)
        f" WHERE U.contact_id = {outer} AND R.lifted_at IS NULL)"
    )
    return {
        "has_consent_history": "(" + " OR ".join(history) + ")",
        "has_processing_restriction": restriction,
        "has_incorrect_opinions": opinions,
    }


def _contact_person_ids(contact_id) -> list:
    from openmash.contacts.models import ContactPerson

    return list(
        ContactPerson.unscoped.filter(contact_id=contact_id, person__isnull=False)
        .order_by("created_at", "pk")
        .values_list("person_id", flat=True)
    )


def consent_contact_get_for_dpo(user, contact_id, *, channel: str):
    """The contact whose consent history and overrides the DPO reviews — else 404. Only the
    reference and consent fields are loaded: the DPO oversees consent, not the case itself
    (``contacts:detail`` stays closed to them). Written to the access log once per person
    linked to the contact. No break-glass reason is asked: the DPO oversees restricted records
    and sees who they are about (``restricted_person_may_see_name``)."""
    from openmash.contacts.models import Contact

    if not _is_dpo(user):
        raise Http404("No contact found.")
    contact = (
        Contact.unscoped.only("reference", "consent_status", "consent_reason")
        .filter(pk=contact_id)
        .first()
    )
    if contact is None:
        raise Http404("No contact found.")
    access_record_for_people(user, contact, channel, _contact_person_ids(contact.pk))
    return contact


def override_get_for_user(user, pk, *, channel: str = "") -> ConsentOverride:
    """One override, if ``user`` may read it (its agency's representatives, children's social
    care, the DPO) — else 404. With ``channel`` (a page shown, not a form acted on) the view is
    written to the access log, once per person linked to the contact."""
    override = (
        ConsentOverride.objects.for_user(user)
        .select_related("contact", "agency", "proposed_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if override is None:
        raise Http404("No such consent override.")
    if channel:
        access_record_for_people(user, override, channel, _contact_person_ids(override.contact_id))
    return override


def overrides_for_agency(user) -> QuerySet:
    """Overrides addressed to the user's agency, those awaiting an answer first."""
    if not user.agency_id:
        return ConsentOverride.objects.none()
    return (
        ConsentOverride.objects.for_user(user)
        .filter(agency_id=user.agency_id)
        .select_related("contact", "proposed_by", "decided_by")
        .order_by(
            Case(When(status=OverrideStatus.PROPOSED, then=0), default=1),
            "-proposed_at",
        )
    )


# == Part A: the Record of Sharing =============================================================


@dataclass(frozen=True)
class SharingSearch:
    """The DPO's filters. Kept in the session (never in a URL: a person is personal data)."""

    person_id: UUID | None = None
    from_agency_id: UUID | None = None
    to_agency_id: UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    article6: str = ""
    kind: str = ""

    @property
    def is_empty(self) -> bool:
        return self == SharingSearch()

    def to_session(self) -> dict:
        return {
            "person_id": str(self.person_id) if self.person_id else "",
            "from_agency_id": str(self.from_agency_id) if self.from_agency_id else "",
            "to_agency_id": str(self.to_agency_id) if self.to_agency_id else "",
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
            "article6": self.article6,
            "kind": self.kind,
        }

    @classmethod
    def from_session(cls, data) -> SharingSearch:
        if not isinstance(data, dict):
            return cls()
        try:
            return cls(
                person_id=UUID(data["person_id"]) if data.get("person_id") else None,
                from_agency_id=UUID(data["from_agency_id"]) if data.get("from_agency_id") else None,
                to_agency_id=UUID(data["to_agency_id"]) if data.get("to_agency_id") else None,
                date_from=date.fromisoformat(data["date_from"]) if data.get("date_from") else None,
                date_to=date.fromisoformat(data["date_to"]) if data.get("date_to") else None,
                article6=str(data.get("article6") or ""),
                kind=str(data.get("kind") or ""),
            )
        except (KeyError, ValueError, TypeError):
            return cls()

    def as_audit_payload(self) -> dict:
        """The filters, for the audit entry of an export (ids only, no names)."""
        return {k: v for k, v in self.to_session().items() if v}


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _subjects_prefetch() -> Prefetch:
    from openmash.people.models import Person

    # The DPO reads the names of the people a disclosure was about; the person index itself
    # stays closed to them (people.selectors).
    return Prefetch(
        "subjects",
        queryset=Person.unscoped.only(
            "id", "forename", "middle_names", "surname", "local_id"
        ).order_by("surname", "forename", "pk"),
    )


def sharing_records_search(user, search: SharingSearch) -> QuerySet:
    """Record of Sharing entries matching ``search``, newest first, with everything a results
    page or a CSV row shows loaded up front (a constant number of queries per page)."""
    if not _is_dpo(user):
        return SharingRecord.objects.none()
    qs = SharingRecord.objects.all()
    if search.person_id:
        qs = qs.filter(subjects__id=search.person_id)
    if search.from_agency_id:
        qs = qs.filter(from_agency_id=search.from_agency_id)
    if search.to_agency_id:
        qs = qs.filter(
            Q(to_agency_id=search.to_agency_id) | Q(to_team__agency_id=search.to_agency_id)
        )
    if search.date_from:
        qs = qs.filter(shared_at__gte=_day_start(search.date_from))
    if search.date_to:
        qs = qs.filter(shared_at__lt=_day_start(search.date_to + timedelta(days=1)))
    if search.article6:
        qs = qs.filter(article6=search.article6)
    if search.kind:
        qs = qs.filter(kind=search.kind)
    return (
        qs.select_related(
            "shared_by", "from_agency", "to_agency", "to_team", "to_team__agency", "contact"
        )
        .prefetch_related(_subjects_prefetch())
        .order_by("-shared_at", "-pk")
    )


def sharing_person_get(user, person_id):
    """The person a DPO is asking about (name and local ID only) — else 404."""
    from openmash.people.models import Person

    if not _is_dpo(user):
        raise Http404("No such person.")
    person = (
        Person.unscoped.only("id", "forename", "middle_names", "surname", "local_id", "restricted")
        .filter(pk=person_id)
        .first()
    )
    if person is None:
        raise Http404("No such person.")
    return person


def sharing_person_by_local_id(user, local_id: str):
    """The person with this local ID, for the DPO's search; None if there is none."""
    from openmash.people.models import Person

    if not _is_dpo(user) or not local_id.strip():
        return None
    return (
        Person.unscoped.only("id", "forename", "middle_names", "surname", "local_id")
        .filter(local_id__iexact=local_id.strip())
        .first()
    )


def sharing_person_candidates(user, query, limit: int = 10) -> list:
    """People in the index matching a name (and date of birth), for the DPO to choose whose
    sharing to see. Uses the person index's own matching (misspellings, nicknames)."""
    from openmash.people.models import Person
    from openmash.people.search import person_matches

    if not _is_dpo(user):
        return []
    return person_matches(Person.unscoped.all(), query, limit=limit, min_score=30)


@dataclass(frozen=True)
class Recipient:
    """Somebody a person's information was shared with, and how often."""

    label: str
    times: int
    first_shared_at: datetime
    last_shared_at: datetime
    kinds: tuple[str, ...]


def sharing_recipients_for_person(user, person_id) -> list[Recipient]:
    """ "Who has this been shared with?": every recipient of a disclosure about the person, as
    the Record of Sharing holds it (agency, team or someone outside the agencies), most recent
    first. Built on ``recipients_for_person`` — the list rectification, erasure and restriction
    notify — so the two answers cannot differ. One query."""
    if not _is_dpo(user):
        return []
    recipients = []
    for share in recipients_for_person(person_id):
        records = share.records  # newest first
        recipients.append(
            Recipient(
                label=share.label,
                times=len(records),
                first_shared_at=records[-1].shared_at,
                last_shared_at=records[0].shared_at,
                kinds=tuple(sorted({r.get_kind_display() for r in records})),
            )
        )
    return sorted(recipients, key=lambda r: r.last_shared_at, reverse=True)


# == Part A: restricted records ================================================================


class RestrictedRecordError(Exception):
    """The user is not named on a restricted record and has given no reason to open it. The
    governance middleware answers with the break-glass form (never with the record)."""

    def __init__(self, person_ids):
        super().__init__("This record is restricted: give a reason to open it.")
        self.person_ids = [str(p) for p in person_ids]


#: How long one break-glass reason opens a record for (every view in the window is logged
#: with the reason).
BREAK_GLASS_WINDOW = timedelta(hours=1)


def _named_and_glass(user, person_ids, now) -> tuple[set, dict]:
    named = set(
        RestrictedAccessGrant.objects.filter(
            user_id=user.pk, person_id__in=person_ids, revoked_at__isnull=True
        ).values_list("person_id", flat=True)
    )
    glass: dict = {}
    pending = [p for p in person_ids if p not in named]
    if pending:
        for person_id, reason in (
            BreakGlassAccess.objects.filter(
                user_id=user.pk, person_id__in=pending, expires_at__gt=now
            )
            .order_by("accessed_at")
            .values_list("person_id", "reason")
        ):
            glass[person_id] = reason  # the latest reason wins
    return named, glass


def restricted_access_reason(user, people) -> str:
    """For a selector about to show ``people`` (Person objects, any of them None): "" if none
    is restricted or the user is named on each, else the break-glass reason(s) the user gave
    — which the selector writes into the access log. Raises ``RestrictedRecordError`` for a
    restricted person the user is not named on and gave no reason for. No query unless a
    person is restricted."""
    restricted = list(dict.fromkeys(p.pk for p in people if p is not None and p.restricted))
    if not restricted:
        return ""
    named, glass = _named_and_glass(user, restricted, timezone.now())
    missing = [p for p in restricted if p not in named and p not in glass]
    if missing:
        raise RestrictedRecordError(missing)
    return "; ".join(dict.fromkeys(glass[p] for p in restricted if p in glass))


def restricted_hidden_ids(user, people) -> set:
    """Which of ``people`` the user may see only as "restricted record — reason needed" in a
    list: restricted, not named, no current break-glass reason."""
    restricted = list(dict.fromkeys(p.pk for p in people if p is not None and p.restricted))
    if not restricted:
        return set()
    named, glass = _named_and_glass(user, restricted, timezone.now())
    return {p for p in restricted if p not in named and p not in glass}


def _may_manage_restrictions(user) -> bool:
    return _is_dpo(user) or user.can(Capability.CONTACT_DECIDE)


def restrictions_in_force(user) -> list[PersonRestriction]:
    """Restricted people with their named users, for the DPO and practice managers."""
    if not _may_manage_restrictions(user):
        return []
    restrictions = list(
        PersonRestriction.objects.filter(lifted_at__isnull=True)
        .select_related("person", "restricted_by")
        .order_by("-restricted_at")
    )
    named = dict(
        RestrictedAccessGrant.objects.filter(
            person_id__in=[r.person_id for r in restrictions], revoked_at__isnull=True
        )
        .values("person_id")
        .annotate(n=Count("pk"))
        .values_list("person_id", "n")
    )
    for restriction in restrictions:
        restriction.named_count = named.get(restriction.person_id, 0)
    return restrictions


def restriction_get_for_user(user, pk) -> PersonRestriction:
    if not _may_manage_restrictions(user):
        raise Http404("No such restriction.")
    restriction = (
        PersonRestriction.objects.select_related("person", "restricted_by", "lifted_by")
        .filter(pk=pk)
        .first()
    )
    if restriction is None:
        raise Http404("No such restriction.")
    restriction.grants = list(
        RestrictedAccessGrant.objects.filter(
            person_id=restriction.person_id, revoked_at__isnull=True
        )
        .select_related("user", "user__agency", "granted_by")
        .order_by("user__last_name", "user__first_name")
    )
    restriction.break_glass = list(
        BreakGlassAccess.objects.filter(
            person_id=restriction.person_id, accessed_at__gte=restriction.restricted_at
        )
        .select_related("user", "user__agency", "reviewed_by")
        .order_by("-accessed_at")[:50]
    )
    return restriction


def restricted_person_may_see_name(user, restriction) -> bool:
    """The DPO and the named users see who a restricted record is about; other managers see
    only its local ID."""
    return _is_dpo(user) or any(g.user_id == user.pk for g in getattr(restriction, "grants", []))


def break_glass_recent(user, limit: int = 20) -> list[BreakGlassAccess]:
    if not _is_dpo(user):
        return []
    return list(
        BreakGlassAccess.objects.select_related(
            "user", "user__agency", "person", "reviewed_by"
        ).order_by("-accessed_at")[:limit]
    )


def break_glass_get_for_user(user, pk) -> BreakGlassAccess:
    if not _is_dpo(user):
        raise Http404("No such access.")
    access = BreakGlassAccess.objects.filter(pk=pk).first()
    if access is None:
        raise Http404("No such access.")
    return access


# == Part A: the DPO dashboard =================================================================

DASHBOARD_PERIODS = {
    "month": "This month",
    "quarter": "The last 3 months",
    "year": "The last 12 months",
}


@dataclass(frozen=True)
class Volume:
    label: str
    count: int


@dataclass
class DpoDashboard:
    period: str
    period_start: datetime
    month_start: datetime
    overrides_this_month: list
    overrides_awaiting: int
    break_glass: list
    break_glass_unreviewed: int
    shared_total: int
    by_from_agency: list[Volume]
    by_to_agency: list[Volume]
    by_article6: list[Volume]
    by_kind: list[Volume]

    @property
    def period_label(self) -> str:
        return DASHBOARD_PERIODS[self.period]


def _month_start(now: datetime) -> datetime:
    local = timezone.localtime(now)
    return _day_start(local.date().replace(day=1))


def _period_start(period: str, now: datetime) -> datetime:
    if period == "quarter":
        return _day_start(timezone.localtime(now).date() - timedelta(days=91))
    if period == "year":
        return _day_start(timezone.localtime(now).date() - timedelta(days=365))
    return _month_start(now)


def dpo_dashboard(user, *, period: str = "month", now: datetime | None = None) -> DpoDashboard:
    """Overrides agreed this month, recent break-glass access, and sharing volumes by agency
    and lawful basis for ``period`` — aggregate queries, a constant number whatever the
    volumes."""
    from django.db.models import Value
    from django.db.models.functions import Coalesce

    from .codes import Article6, DisclosureKind

    if not _is_dpo(user):
        raise Http404
    now = now or timezone.now()
    period = period if period in DASHBOARD_PERIODS else "month"
    month_start = _month_start(now)
    start = _period_start(period, now)
    overrides = list(
        ConsentOverride.unscoped.filter(status=OverrideStatus.AGREED, decided_at__gte=month_start)
        .select_related("contact", "agency", "proposed_by", "decided_by")
        .order_by("-decided_at")
    )
    awaiting = ConsentOverride.unscoped.filter(status=OverrideStatus.PROPOSED).count()
    shared = SharingRecord.objects.filter(shared_at__gte=start, shared_at__lte=now)

    def volumes(rows, label) -> list[Volume]:
        return sorted(
            (Volume(label(r["key"]), r["n"]) for r in rows), key=lambda v: (-v.count, v.label)
        )

    by_from = shared.values(key=F("from_agency__name")).annotate(n=Count("pk"))
    by_to = shared.values(
        key=Coalesce("to_agency__name", "to_team__agency__name", Value("Outside the agencies"))
    ).annotate(n=Count("pk"))
    by_basis = shared.values(key=F("article6")).annotate(n=Count("pk"))
    by_kind = shared.values(key=F("kind")).annotate(n=Count("pk"))
    by_from_agency = volumes(by_from, str)
    return DpoDashboard(
        period=period,
        period_start=start,
        month_start=month_start,
        overrides_this_month=overrides,
        overrides_awaiting=awaiting,
        break_glass=break_glass_recent(user, limit=10),
        break_glass_unreviewed=BreakGlassAccess.objects.filter(reviewed_at__isnull=True).count(),
        shared_total=sum(v.count for v in by_from_agency),
        by_from_agency=by_from_agency,
        by_to_agency=volumes(by_to, str),
        by_article6=volumes(by_basis, lambda k: Article6(k).label),
        by_kind=volumes(by_kind, lambda k: DisclosureKind(k).label),
    )


# == Part B: data subject rights, retention and disposal, breaches ============================
#
# The rights register, breach register and what hangs off them are for the data protection
# officer only. The one exception: a flag saying an opinion is incorrect is shown with the
# contact, to whoever may read the contact.

_DPO_ONLY_MODELS = (
    "governance.RightsRequest",
    "governance.RightsAction",
    "governance.SubjectAccessExport",
    "governance.RecipientNotification",
    "governance.ProcessingRestriction",
    "governance.Breach",
    "governance.BreachAction",
)


def _dpo_only_scope(qs, user):
    return qs if _is_dpo(user) else qs.none()


for _label in _DPO_ONLY_MODELS:
    scope_rule(_label)(_dpo_only_scope)


@scope_rule("governance.IncorrectOpinionFlag")
def _opinion_flag_scope(qs, user):
    if _is_dpo(user):
        return qs
    if can_read_contacts(user):
        from openmash.contacts.models import Contact

        if scope_keeps_every_row(Contact, user):
            return qs  # every contact, so every flag on one
        return qs.filter(contact__in=Contact.objects.for_user(user))
    return qs.none()


def _require_dpo(user) -> None:
    if not _is_dpo(user):
        raise Http404("Not found.")


# -- "who has this been shared with?" (for notifications) -----------------------------------


@dataclass
class ShareRecipient:
    """One recipient on the Record of Sharing (an agency, a team, or someone outside the
    agencies such as a referrer) with every disclosure they received, newest first."""

    key: str
    agency: object  # accounts.Agency | None
    team: object  # accounts.Team | None
    description: str
    records: list = field(default_factory=list)

    @property
    def label(self) -> str:
        if (
            self.team is not None
            and self.agency is not None
            and self.team.agency_id != self.agency.pk
        ):
            return f"{self.team.name} ({self.agency.name})"
        if self.team is not None:
            return self.team.name
        if self.agency is not None:
            return self.agency.name
        return self.description

    @property
    def last_shared_at(self):
        return self.records[0].shared_at if self.records else None

    @property
    def items_text(self) -> str:
        """What they were given, without its content: kind, contact reference, date."""
        lines = []
        for record in self.records:
            where = record.contact.reference if record.contact_id else record.record_type
            when = timezone.localtime(record.shared_at).strftime("%d/%m/%Y")
            lines.append(f"{record.get_kind_display()} – {where} – {when}")
        return "\n".join(lines)


def _recipient_key(record) -> str:
    if record.to_agency_id or record.to_team_id:
        return f"agency:{record.to_agency_id or ''}|team:{record.to_team_id or ''}"
    return f"other:{record.to_description.strip().lower()}"


def _share_recipients(records) -> list[ShareRecipient]:
    grouped: dict[str, ShareRecipient] = {}
    for record in records:
        key = _recipient_key(record)
        if key not in grouped:
            grouped[key] = ShareRecipient(
                key=key,
                agency=record.to_agency,
                team=record.to_team,
                description=""
                if (record.to_agency_id or record.to_team_id)
                else record.to_description.strip(),
            )
        grouped[key].records.append(record)
    return sorted(grouped.values(), key=lambda r: (r.label.lower(), r.key))


def _sharing_rows(qs, exclude_kinds):
    if exclude_kinds:
        qs = qs.exclude(kind__in=list(exclude_kinds))
    return (
        qs.select_related("to_agency", "to_team", "to_team__agency", "contact")
        .distinct()
        .order_by("-shared_at", "-pk")
    )


def recipients_for_person(person, *, exclude_kinds=()) -> list[ShareRecipient]:
    """Every recipient of a disclosure about ``person`` on the Record of Sharing (the
    disclosures whose subjects include them), with what each was given, in one query. For
    services and for the DPO's pages (their views check ``governance.manage``); the same
    answer as the "who has this been shared with?" page."""
    person_id = getattr(person, "pk", person)
    return _share_recipients(
        _sharing_rows(SharingRecord.objects.filter(subjects__id=person_id), exclude_kinds)
    )


def recipients_for_contact(contact_id, *, exclude_kinds=()) -> list[ShareRecipient]:
    """Every recipient of a disclosure made from one contact (e.g. of an opinion in it)."""
    return _share_recipients(
        _sharing_rows(SharingRecord.objects.filter(contact_id=contact_id), exclude_kinds)
    )


# -- the rights register ----------------------------------------------------------------------


def rights_request_queue(user) -> QuerySet:
    """Every rights request the user may see (the DPO: all), for the register page."""
    from .models import RightsRequest

    return RightsRequest.objects.for_user(user).select_related("person")


def rights_request_get_for_user(user, pk, *, channel: str = ""):
    """One request with its action log, notifications, exports and any restriction — else 404.
    With ``channel`` (a page showing it) the view goes to the access log."""
    from openmash.audit.services import access_record

    from .models import (
        ProcessingRestriction,
        RecipientNotification,
        RightsAction,
        RightsRequest,
        SubjectAccessExport,
    )

    rights_request = (
        RightsRequest.objects.for_user(user)
        .select_related("person", "closed_by")
        .filter(pk=pk)
        .first()
    )
    if rights_request is None:
        raise Http404("No such request.")
    rights_request.action_log = list(
        RightsAction.objects.for_user(user)
        .filter(rights_request=rights_request)
        .select_related("by")
        .order_by("at", "created_at")
    )
    rights_request.notification_list = list(
        RecipientNotification.objects.for_user(user)
        .filter(rights_request=rights_request)
        .select_related("to_agency", "to_team", "sent_by", "acknowledged_by")
        .order_by("created_at", "pk")
    )
    rights_request.export_list = list(
        SubjectAccessExport.objects.for_user(user)
        .filter(rights_request=rights_request)
        .select_related("prepared_by", "released_by")
        .order_by("-prepared_at")
    )
    rights_request.processing_restriction = (
        ProcessingRestriction.objects.for_user(user)
        .filter(person_id=rights_request.person_id, lifted_at__isnull=True)
        .first()
        if rights_request.person_id
        else None
    )
    if channel:
        access_record(user, rights_request, channel, person_id=rights_request.person_id)
    return rights_request


def rights_person_candidates(user, query, limit: int = 10) -> list:
    """People matching a name, date of birth or identifiers, for the DPO to say whom a request
    is about. Reads the whole index (``unscoped``): the DPO answers for every agency's records;
    see ``subject_access``."""
    from openmash.people.models import Person
    from openmash.people.search import person_matches

    if not _is_dpo(user):
        return []
    return person_matches(Person.unscoped.all(), query, limit=limit, min_score=30)


def rights_person_get(user, person_id):
    from openmash.people.models import Person

    _require_dpo(user)
    person = Person.unscoped.filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    return person


def subject_access_export_get_for_user(user, pk):
    from .models import SubjectAccessExport

    export = (
        SubjectAccessExport.objects.for_user(user)
        .select_related("rights_request", "rights_request__person", "prepared_by", "released_by")
        .filter(pk=pk)
        .first()
    )
    if export is None:
        raise Http404("No such export.")
    return export


@dataclass
class SubjectAccessPreview:
    export: object
    document: dict  # with the chosen redactions applied
    groups: list  # [(category, [ThirdParty, …])]
    keys: list[str]


def subject_access_preview(user, export, *, channel: str) -> SubjectAccessPreview:
    """Everything held on the export's person, with the third-party items for the redaction
    step. Read unscoped for the DPO alone (``subject_access``); written to the access log."""
    from openmash.audit.services import access_record

    from .subject_access import (
        subject_access_collect,
        subject_access_render,
        third_party_groups,
        third_party_items,
    )

    _require_dpo(user)
    person = export.rights_request.person
    if person is None:
        raise Http404("No person.")
    collected = subject_access_collect(person)
    items = third_party_items(collected)
    access_record(user, person, channel, person_id=person.pk)
    return SubjectAccessPreview(
        export=export,
        document=subject_access_render(collected, export.redacted_keys),
        groups=third_party_groups(items),
        keys=[item.key for item in items],
    )


def rights_record_items(user, rights_request, fields) -> list:
    """The details of the request's person that can be corrected (or flagged) — DPO only."""
    from .services_rights import person_record_items

    _require_dpo(user)
    if rights_request.person is None:
        return []
    return person_record_items(rights_request.person, fields)


def rights_erasure_assessment(user, rights_request):
    from .services_rights import erasure_assessment

    _require_dpo(user)
    if rights_request.person is None:
        return None
    return erasure_assessment(rights_request.person)


def recipient_notification_get_for_user(user, pk):
    from .models import RecipientNotification

    notification = (
        RecipientNotification.objects.for_user(user)
        .select_related("rights_request", "to_agency", "to_team")
        .filter(pk=pk)
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    return notification


def processing_restriction_in_force(person_id):
    """The restriction of processing (Art 18) in force for a person, or None. For any code
    about to use a person's data for something new (a new information request, a report):
    while restricted, only storage, legal claims or protecting another person are allowed."""
    from .models import ProcessingRestriction

    return ProcessingRestriction.unscoped.filter(
        person_id=person_id, lifted_at__isnull=True
    ).first()


def processing_restrictions_for_people(person_ids) -> list:
    """The restrictions of processing (Art 18) in force for any of ``person_ids``, with their
    rights request and person, oldest first — one query. For code about to disclose their data
    (referrer feedback, a meeting agenda) and for the banner on pages that name them."""
    from .models import ProcessingRestriction

    return list(
        ProcessingRestriction.unscoped.filter(person_id__in=person_ids, lifted_at__isnull=True)
        .select_related("person", "rights_request")
        .order_by("started_at")
    )


def processing_restricted_contact_ids(contact_ids) -> set:
    """Which of ``contact_ids`` name someone whose processing is restricted (one query)."""
    from openmash.contacts.models import ContactPerson

    from .models import ProcessingRestriction

    restricted = ProcessingRestriction.unscoped.filter(lifted_at__isnull=True).values("person_id")
    return set(
        ContactPerson.unscoped.filter(contact_id__in=contact_ids, person_id__in=restricted)
        .values_list("contact_id", flat=True)
        .distinct()
    )


def processing_restriction_refusal(what: str) -> str:
    """The message for a disclosure refused under Art 18 (``what`` cannot be done)."""
    return (
        "Processing of the data of someone on this contact is restricted after a data subject "
        f"rights request, so {what}. Ask the data protection officer whether the restriction "
        "can be lifted or an exception (legal claims, protecting another person) applies."
    )


def processing_restrictions_shown(user, *, contact=None, person=None) -> list:
    """The restrictions of processing to warn about on a page showing ``contact`` (everyone
    named on it) or ``person``, for a user who may read them; [] otherwise."""
    from openmash.contacts.models import ContactPerson

    if not (can_read_contacts(user) or _is_dpo(user)):
        return []
    if person is not None:
        return processing_restrictions_for_people([getattr(person, "pk", person)])
    if contact is None:
        return []
    named = ContactPerson.unscoped.filter(contact_id=getattr(contact, "pk", contact)).values(
        "person_id"
    )
    return processing_restrictions_for_people(named)


def incorrect_opinions_for_contact(user, contact) -> list:
    """Opinions on this contact found to be incorrect, newest first, if the user may read it."""
    from .models import IncorrectOpinionFlag

    return list(
        IncorrectOpinionFlag.objects.for_user(user)
        .filter(contact_id=getattr(contact, "pk", contact))
        .select_related("flagged_by")
        .order_by("-flagged_at")
    )


@dataclass(frozen=True)
class RegisterCounts:
    """Figures for the DPO dashboard: what is open, overdue, and the next deadlines."""

    open: int
    overdue: int
    next_due: list


def rights_register_summary(user, *, limit: int = 5) -> RegisterCounts | None:
    """Open rights requests, how many are overdue, and the next due (for the dashboard)."""
    from .models import OPEN_RIGHTS_STATUSES

    if not _is_dpo(user):
        return None
    open_requests = rights_request_queue(user).filter(status__in=OPEN_RIGHTS_STATUSES)
    return RegisterCounts(
        open=open_requests.count(),
        overdue=open_requests.filter(due_on__lt=timezone.localdate()).count(),
        next_due=list(open_requests.order_by("due_on", "pk")[:limit]),
    )


def breach_register_summary(user, *, limit: int = 5) -> RegisterCounts | None:
    """Open breaches, how many have missed the 72-hour ICO decision, and the next clocks."""
    from .models import BreachStatus

    if not _is_dpo(user):
        return None
    open_breaches = breach_queue(user).filter(status=BreachStatus.OPEN)
    awaiting = open_breaches.filter(ico_report__isnull=True)
    return RegisterCounts(
        open=open_breaches.count(),
        overdue=awaiting.filter(ico_due_at__lt=timezone.now()).count(),
        next_due=list(awaiting.order_by("ico_due_at", "pk")[:limit]),
    )


# -- retention ------------------------------------------------------------------------------


def retention_schedules_for_user(user) -> list:
    from .models import RetentionSchedule

    _require_dpo(user)
    return list(RetentionSchedule.objects.order_by("-active", "record_type", "created_at"))


def retention_schedule_get_for_user(user, pk):
    from .models import RetentionSchedule

    _require_dpo(user)
    schedule = RetentionSchedule.objects.filter(pk=pk).first()
    if schedule is None:
        raise Http404("No such schedule.")
    return schedule


def retention_dry_run_for_user(user):
    from .services_retention import retention_report

    _require_dpo(user)
    return retention_report()


def disposal_log_for_user(user) -> QuerySet:
    from .models import DisposalLog

    _require_dpo(user)
    return DisposalLog.objects.select_related("run_by").order_by("-run_at", "-pk")


# -- breaches -------------------------------------------------------------------------------


def breach_queue(user) -> QuerySet:
    from .models import Breach

    return Breach.objects.for_user(user).select_related("lead_agency", "reported_by")


def breach_get_for_user(user, pk, *, channel: str = ""):
    from openmash.audit.services import access_record

    from .models import BreachAction

    breach = (
        breach_queue(user)
        .select_related("ico_decided_by", "individuals_decided_by", "closed_by")
        .prefetch_related("agencies")
        .filter(pk=pk)
        .first()
    )
    if breach is None:
        raise Http404("No such breach.")
    breach.action_log = list(
        BreachAction.objects.for_user(user)
        .filter(breach=breach)
        .select_related("by")
        .order_by("at", "created_at")
    )
    if channel:
        access_record(user, breach, channel)
    return breach
