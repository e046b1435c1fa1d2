"""The subject access document: everything OpenMASH holds on one person, as JSON for the file
and as a PDF for the person, with other people's information marked so the data protection
officer can decide what to redact before release (UK GDPR Art 15(4); DPA 2018 Sch 2 para 16).

Three steps, all pure apart from ``subject_access_collect``:

* ``subject_access_collect(person)`` reads every record about the person — the person index
  entry, names, addresses, family, each contact naming them with its concerns, screening,
  information requests and responses, analysis, decision, consent and meeting outcomes, and
  the Record of Sharing — into a nested structure of plain values. Values that are another
  person's information are ``ThirdParty`` items with a stable key
  (``"<app.model>:<pk>:<field>"``), so a redaction chosen on one day still names the same
  item when the document is rebuilt on release.
* ``third_party_items(document)`` lists those items for the redaction page.
* ``subject_access_render(document, redacted_keys)`` gives the releasable document: each
  third-party item either its value or ``REDACTED``.

It reads with ``Model.unscoped`` because it is called only by
``selectors.subject_access_document`` for the data protection officer answering a statutory
request: the controller must give the person *everything*, whichever agency's firewall it sits
behind, so no user scope applies. Nothing else may call it.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from django.apps import apps
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone

REDACTED = "[redacted – third party]"
FORMAT = "openmash-subject-access-1"


class Category:
    """Kinds of third-party information, in the order the redaction page shows them."""

    OTHERS = "People named alongside them"
    REFERRER = "Who made the referral"
    STAFF = "Staff of the agencies"
    FREE_TEXT = "Passages of free text (read for mentions of other people)"

    ORDER = (OTHERS, REFERRER, STAFF, FREE_TEXT)


@dataclass(frozen=True)
class ThirdParty:
    """One item of another person's information inside the document."""

    key: str
    category: str
    label: str
    value: str


def _key(instance, field: str) -> str:
    return f"{instance._meta.label_lower}:{instance.pk}:{field}"


def _tp(instance, field: str, category: str, label: str, value) -> ThirdParty | str:
    text = _text(value)
    if not text:
        return ""
    return ThirdParty(_key(instance, field), category, label, text)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _when(value) -> str:
    return _text(value)


def _all(model):
    """Every row of ``model``: its ``unscoped`` manager, or for models that are not fail closed
    (names, addresses, concerns) the plain base manager. Never a user-scoped ``objects``."""
    return getattr(model, "unscoped", None) or model._base_manager


def _staff(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.username


def _display(instance, field: str) -> str:
    value = getattr(instance, field)
    if not value:
        return ""
    return getattr(instance, f"get_{field}_display")()


# -- collecting --------------------------------------------------------------------------------


def subject_access_collect(person) -> dict:
    """Everything held about ``person``; see the module docstring. A fixed number of queries
    per contact (the contacts are few per person)."""
    from openmash.contacts.models import ContactPerson

    from .models import IncorrectOpinionFlag, ProcessingRestriction

    entries = list(
        ContactPerson.unscoped.filter(person=person)
        .select_related("contact", "contact__recorded_by", "contact__screened_by")
        .order_by("contact__received_at", "pk")
    )
    contact_ids = [e.contact_id for e in entries]
    flags: dict = {}
    for flag in (
        IncorrectOpinionFlag.unscoped.filter(Q(person=person) | Q(contact_id__in=contact_ids))
        .select_related("flagged_by")
        .order_by("flagged_at")
    ):
        flags.setdefault(flag.contact_id, []).append(flag)

    document = {
        "format": FORMAT,
        "person": _person_section(person),
        "names": _names(person),
        "addresses": _addresses(person),
        "relationships": _relationships(person),
        "contacts": [_contact_section(entry, flags.get(entry.contact_id, [])) for entry in entries],
        "sharing": _sharing(person, contact_ids),
        "processing_restrictions": [
            {
                "ground": r.get_ground_display(),
                "note": r.note,
                "started_at": _when(r.started_at),
                "lifted_at": _when(r.lifted_at),
            }
            for r in ProcessingRestriction.unscoped.filter(person=person).order_by("started_at")
        ],
        # Flags on the person's own record, not tied to a contact.
        "incorrect_opinions_elsewhere": [_flag(flag) for flag in flags.get(None, [])],
    }
    return document


def _person_section(person) -> dict:
    return {
        "local_id": person.local_id,
        "forename": person.forename,
        "middle_names": person.middle_names,
        "surname": person.surname,
        "date_of_birth": _text(person.date_of_birth),
        "expected_delivery_date": _text(person.expected_delivery_date),
        "sex": person.get_sex_display(),
        "ethnicity": person.get_ethnicity_display(),
        "first_language": person.first_language,
        "disabilities": person.disability_labels,
        "nhs_number": person.nhs_number_display,
        "unique_pupil_number": person.upn,
        "postcode": person.postcode,
        "open_to_team": person.open_to_team.name if person.open_to_team_id else "",
        "allocated_worker": _tp(
            person,
            "allocated_worker",
            Category.STAFF,
            "Allocated worker on the person record",
            person.allocated_worker,
        ),
    }


def _names(person) -> list[dict]:
    from openmash.people.codes import NameKind
    from openmash.people.models import PersonName

    return [
        {"kind": n.get_kind_display(), "forename": n.forename, "surname": n.surname}
        for n in _all(PersonName)
        .filter(person=person)
        .exclude(kind=NameKind.CURRENT)
        .order_by("created_at", "pk")
    ]


def _addresses(person) -> list[dict]:
    from openmash.people.models import Address

    return [
        {
            "line1": a.line1,
            "line2": a.line2,
            "town": a.town,
            "postcode": a.postcode,
            "date_from": _text(a.date_from),
            "date_to": _text(a.date_to),
        }
        for a in _all(Address).filter(person=person).order_by("date_from", "pk")
    ]


def _relationships(person) -> list[dict]:
    from openmash.people.codes import RelationshipKind
    from openmash.people.models import Relationship

    rows = (
        _all(Relationship)
        .filter(Q(person=person) | Q(related_person=person))
        .select_related("person", "related_person")
        .order_by("created_at", "pk")
    )
    result = []
    for row in rows:
        kind = RelationshipKind(row.kind).label.lower()
        if row.person_id == person.pk:
            other, label = row.related_person, f"They are the {kind} of"
        else:
            other, label = row.person, f"Their {kind}"
        result.append(
            {
                "relationship": label,
                "name": _tp(
                    other, "full_name", Category.OTHERS, f"Name of a relative ({label})", other
                ),
                "same_household": row.same_household,
            }
        )
    return result


def _contact_section(entry, flags) -> dict:
    from openmash.contacts.models import ContactConcern, ContactPerson

    contact = entry.contact
    others = [
        p
        for p in ContactPerson.unscoped.filter(contact=contact).order_by("role", "pk")
        if p.pk != entry.pk
    ]
    ref = contact.reference
    section = {
        "reference": ref,
        "received_at": _when(contact.received_at),
        "channel": contact.get_channel_display(),
        "source": contact.get_source_display(),
        "status": contact.get_status_display(),
        "role_on_contact": entry.get_role_display(),
        "as_recorded": {
            "forename": entry.forename,
            "surname": entry.surname,
            "date_of_birth": _text(entry.date_of_birth),
            "address": entry.address,
            "postcode": entry.postcode,
            "relationship_to_child": entry.relationship_to_child,
        },
        "referrer": {
            "name": _tp(
                contact,
                "referrer_name",
                Category.REFERRER,
                f"Referrer's name ({ref})",
                contact.referrer_name,
            ),
            "role": contact.referrer_role,
            "organisation": contact.referrer_organisation,
            "email": _tp(
                contact,
                "referrer_email",
                Category.REFERRER,
                f"Referrer's email ({ref})",
                contact.referrer_email,
            ),
            "phone": _tp(
                contact,
                "referrer_phone",
                Category.REFERRER,
                f"Referrer's phone ({ref})",
                contact.referrer_phone,
            ),
            "relationship_to_child": _tp(
                contact,
                "referrer_relationship",
                Category.REFERRER,
                f"Referrer's relationship to the child ({ref})",
                contact.referrer_relationship,
            ),
        },
        "narrative": _tp(
            contact,
            "narrative",
            Category.FREE_TEXT,
            f"What the referrer said ({ref})",
            contact.narrative,
        ),
        "concerns": [
            {
                "category": c.get_category_display(),
                "detail": _tp(
                    c,
                    "detail",
                    Category.FREE_TEXT,
                    f"Concern detail: {c.get_category_display()} ({ref})",
                    c.detail,
                ),
            }
            for c in _all(ContactConcern).filter(contact=contact).order_by("category")
        ],
        "others_named": [
            {
                "role": p.get_role_display(),
                "name": _tp(
                    p,
                    "name",
                    Category.OTHERS,
                    f"{p.get_role_display()} named on {ref}",
                    f"{p.forename} {p.surname}",
                ),
                "date_of_birth": _tp(
                    p,
                    "date_of_birth",
                    Category.OTHERS,
                    f"Their date of birth ({ref})",
                    p.date_of_birth,
                ),
                "address": _tp(
                    p,
                    "address",
                    Category.OTHERS,
                    f"Their address ({ref})",
                    " ".join(x for x in (p.address, p.postcode) if x),
                ),
                "relationship_to_child": p.relationship_to_child,
            }
            for p in others
        ],
        "recorded": {
            "recorded_at": _when(contact.recorded_at),
            "recorded_by": _tp(
                contact,
                "recorded_by",
                Category.STAFF,
                f"Who recorded {ref}",
                _staff(contact.recorded_by),
            ),
        },
        "consent": _consent(contact),
        "screening": None,
        "information_requests": _requests(contact),
        "analysis": None,
        "decision": None,
        "meeting_outcomes": _meeting_outcomes(contact),
        "incorrect_opinions": [_flag(f) for f in flags],
    }
    if contact.screened_at:
        section["screening"] = {
            "screened_at": _when(contact.screened_at),
            "screened_by": _tp(
                contact,
                "screened_by",
                Category.STAFF,
                f"Who screened {ref}",
                _staff(contact.screened_by),
            ),
            "rag": _display(contact, "rag"),
            "threshold_level": _display(contact, "threshold_level"),
            "route": _display(contact, "route"),
            "rationale": _tp(
                contact,
                "screening_rationale",
                Category.FREE_TEXT,
                f"Screening rationale ({ref})",
                contact.screening_rationale,
            ),
        }
    section["analysis"] = _analysis(contact)
    section["decision"] = _decision(contact)
    return section


def _consent(contact) -> list[dict]:
    from .models import ConsentRecord

    ref = contact.reference
    return [
        {
            "status": r.get_status_display(),
            "reason": _tp(r, "reason", Category.FREE_TEXT, f"Consent note ({ref})", r.reason),
            "told_purpose": r.told_purpose,
            "told_recipients": r.told_recipients,
            "told_retention": r.told_retention,
            "recorded_at": _when(r.recorded_at),
            "recorded_by": _tp(
                r,
                "recorded_by",
                Category.STAFF,
                f"Who recorded consent ({ref})",
                _staff(r.recorded_by),
            ),
        }
        for r in ConsentRecord.unscoped.filter(contact=contact)
        .select_related("recorded_by")
        .order_by("recorded_at", "pk")
    ]


def _requests(contact) -> list[dict]:
    from openmash.enquiries.models import InformationRequest

    ref = contact.reference
    rows = (
        InformationRequest.unscoped.filter(enquiry__contact=contact)
        .select_related("agency", "requested_by", "responded_by")
        .order_by("agency__name")
    )
    result = []
    for r in rows:
        agency = r.agency.name
        result.append(
            {
                "agency": agency,
                "question": r.question,
                "requested_at": _when(r.requested_at),
                "requested_by": _tp(
                    r,
                    "requested_by",
                    Category.STAFF,
                    f"Who asked {agency} ({ref})",
                    _staff(r.requested_by),
                ),
                "status": r.get_status_display(),
                "responded_at": _when(r.responded_at),
                "responded_by": _tp(
                    r,
                    "responded_by",
                    Category.STAFF,
                    f"Who answered for {agency} ({ref})",
                    _staff(r.responded_by),
                ),
                "outcome": _display(r, "outcome"),
                "summary": _tp(
                    r,
                    "summary",
                    Category.FREE_TEXT,
                    f"{agency} response: summary ({ref})",
                    r.summary,
                ),
                "risk_factors": _tp(
                    r,
                    "risk_factors",
                    Category.FREE_TEXT,
                    f"{agency} response: risk factors ({ref})",
                    r.risk_factors,
                ),
                "protective_factors": _tp(
                    r,
                    "protective_factors",
                    Category.FREE_TEXT,
                    f"{agency} response: protective factors ({ref})",
                    r.protective_factors,
                ),
            }
        )
    return result


def _analysis(contact) -> dict | None:
    from openmash.decisions.models import Analysis

    a = Analysis.unscoped.select_related("analysed_by").filter(contact=contact).first()
    if a is None:
        return None
    ref = contact.reference
    return {
        "analysed_at": _when(a.analysed_at),
        "analysed_by": _tp(
            a, "analysed_by", Category.STAFF, f"Who analysed {ref}", _staff(a.analysed_by)
        ),
        "analysis": _tp(a, "analysis", Category.FREE_TEXT, f"Analysis ({ref})", a.analysis),
        "recommendation": a.get_recommendation_display(),
        "recommendation_rationale": _tp(
            a,
            "recommendation_rationale",
            Category.FREE_TEXT,
            f"Reason for the recommendation ({ref})",
            a.recommendation_rationale,
        ),
    }


def _decision(contact) -> dict | None:
    from openmash.decisions.models import Decision

    d = (
        Decision.unscoped.select_related("decided_by", "receiving_team")
        .filter(contact=contact)
        .first()
    )
    if d is None:
        return None
    ref = contact.reference
    return {
        "decided_at": _when(d.decided_at),
        "decided_by": _tp(
            d, "decided_by", Category.STAFF, f"Who decided {ref}", _staff(d.decided_by)
        ),
        "outcome": d.get_outcome_display(),
        "rationale": _tp(
            d, "rationale", Category.FREE_TEXT, f"Reason for the decision ({ref})", d.rationale
        ),
        "receiving_team": d.receiving_team.name if d.receiving_team_id else "",
    }


def _meeting_outcomes(contact) -> list[dict]:
    """Outcomes recorded at huddles and MASH meetings, when the meetings app is installed."""
    if not apps.is_installed("openmash.meetings"):
        return []
    agenda_item = apps.get_model("meetings", "AgendaItem")
    ref = contact.reference
    return [
        {
            "meeting": item.meeting.meeting_type.name,
            "date": _text(item.meeting.date),
            "outcome_code": item.get_outcome_code_display() if item.outcome_code else "",
            "outcome": _tp(
                item,
                "outcome",
                Category.FREE_TEXT,
                f"Meeting outcome {item.meeting.date:%d/%m/%Y} ({ref})",
                item.outcome,
            ),
        }
        for item in _all(agenda_item)
        .filter(contact=contact, removed_at__isnull=True)
        .exclude(outcome="", outcome_code="")
        .select_related("meeting", "meeting__meeting_type")
        .order_by("meeting__starts_at")
    ]


def _flag(flag) -> dict:
    return {
        "what": flag.field_label,
        "why_incorrect": flag.note,
        "opinion_deleted": flag.deleted,
        "flagged_at": _when(flag.flagged_at),
    }


def _sharing(person, contact_ids) -> list[dict]:
    from .models import SharingRecord

    records = (
        _all(SharingRecord)
        .filter(Q(subjects=person) | Q(contact_id__in=contact_ids))
        .distinct()
        .select_related("shared_by", "from_agency", "to_agency", "to_team", "contact")
        .order_by("shared_at", "pk")
    )
    result = []
    for r in records:
        to = ", ".join(
            x
            for x in (
                r.to_team.name if r.to_team_id else "",
                r.to_agency.name if r.to_agency_id else "",
            )
            if x
        )
        result.append(
            {
                "shared_at": _when(r.shared_at),
                "what": r.get_kind_display(),
                "record": r.record_type,
                "contact_reference": r.contact.reference if r.contact_id else "",
                "from_agency": r.from_agency.name,
                "to": to,
                "to_other": _tp(
                    r,
                    "to_description",
                    Category.OTHERS,
                    f"Recipient outside the agencies ({r.get_kind_display()})",
                    r.to_description,
                ),
                "shared_by": _tp(
                    r,
                    "shared_by",
                    Category.STAFF,
                    f"Who shared ({r.get_kind_display()})",
                    _staff(r.shared_by),
                ),
                "purpose": r.get_purpose_display(),
                "lawful_basis": r.get_article6_display(),
                "special_category_condition": r.get_article9_display() if r.article9 else "",
                "criminal_offence_condition": r.get_article10_display() if r.article10 else "",
            }
        )
    return result


# -- third-party items and redaction -------------------------------------------------------


def third_party_items(document) -> list[ThirdParty]:
    """Every item of other people's information, in document order, each key once."""
    found: dict[str, ThirdParty] = {}

    def walk(node):
        if isinstance(node, ThirdParty):
            found.setdefault(node.key, node)
        elif isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    return list(found.values())


def third_party_groups(items: list[ThirdParty]) -> list[tuple[str, list[ThirdParty]]]:
    groups = {category: [] for category in Category.ORDER}
    for item in items:
        groups.setdefault(item.category, []).append(item)
    return [(category, rows) for category, rows in groups.items() if rows]


def subject_access_render(document, redacted_keys) -> dict:
    """The document as released: plain JSON values, redacted items replaced by
    ``REDACTED``."""
    redacted = set(redacted_keys)

    def render(node):
        if isinstance(node, ThirdParty):
            return REDACTED if node.key in redacted else node.value
        if isinstance(node, dict):
            return {k: render(v) for k, v in node.items()}
        if isinstance(node, list):
            return [render(v) for v in node]
        return node

    return render(document)


def document_json(document: dict) -> str:
    return json.dumps(document, ensure_ascii=False, indent=2, sort_keys=False)


def document_sha256(document: dict) -> str:
    return hashlib.sha256(
        json.dumps(document, ensure_ascii=False, sort_keys=True).encode()
    ).hexdigest()


def subject_access_pdf(document: dict) -> bytes:
    """The released document as a PDF for the person: plain language headings, A4, page
    numbers, the request reference on every page. Renders only what ``document`` holds."""
    from openmash.decisions.handover import pdf_from_html

    html = render_to_string("governance/rights/subject_access_pdf.html", {"doc": document})
    return pdf_from_html(html)
