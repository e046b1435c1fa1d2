"""Writes of governance records. ``sharing_record`` is called by every disclosure path."""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from openmash.core.errors import DomainError

from .codes import Article6, Article9, Article10, DisclosureKind, Purpose
from .models import SharingRecord


@dataclass(frozen=True)
class LawfulBasis:
    purpose: str
    article6: str
    article9: str = ""
    article10: str = ""


#: Sensible defaults for MASH safeguarding disclosures: public task, plus the health/social care
#: condition for special category data and Sch 1 para 18 for criminal offence data.
SAFEGUARDING_BASIS = LawfulBasis(
    purpose=Purpose.SAFEGUARD_CHILDREN,
    article6=Article6.PUBLIC_TASK,
    article9=Article9.HEALTH_SOCIAL_CARE,
    article10=Article10.SAFEGUARDING_CHILDREN,
)

#: Defaults by the disclosing agency's code, where the agreement suggests another basis.
AGENCY_DEFAULT_BASIS = {
    "POLICE": LawfulBasis(
        Purpose.SAFEGUARD_CHILDREN,
        Article6.PUBLIC_TASK,
        Article9.SUBSTANTIAL_PUBLIC_INTEREST,
        Article10.SAFEGUARDING_CHILDREN,
    ),
}


def default_basis(agency_code: str) -> LawfulBasis:
    return AGENCY_DEFAULT_BASIS.get(agency_code, SAFEGUARDING_BASIS)


def sharing_record(
    *,
    kind: DisclosureKind,
    shared_by,
    from_agency,
    record_type: str,
    record_id: str = "",
    summary: str = "",
    to_agency=None,
    to_team=None,
    to_description: str = "",
    contact=None,
    subjects=(),
    special_category: bool = False,
    criminal_offence: bool = False,
    basis: LawfulBasis | None = None,
    consent_reference: str = "",
    one_off: bool = True,
) -> SharingRecord:
    """Record one disclosure. Must run inside the disclosing transaction, so a disclosure
    without its record cannot commit. Refuses a record without a lawful basis."""
    if not transaction.get_connection().in_atomic_block:
        raise DomainError("A Record of Sharing entry must be written inside the disclosure.")
    basis = basis or default_basis(from_agency.code)
    if not basis.article6:
        raise DomainError("A lawful basis (UK GDPR Art 6) is required for every disclosure.")
    if not (to_agency or to_team or to_description):
        raise DomainError("A disclosure must name its recipient.")
    record = SharingRecord.objects.create(
        kind=kind,
        shared_at=timezone.now(),
        shared_by=shared_by,
        from_agency=from_agency,
        to_agency=to_agency,
        to_team=to_team,
        to_description=to_description,
        contact=contact,
        record_type=record_type,
        record_id=str(record_id),
        summary=summary[:300],
        special_category=special_category,
        criminal_offence=criminal_offence,
        purpose=basis.purpose,
        article6=basis.article6,
        article9=basis.article9 if special_category else "",
        article10=basis.article10 if criminal_offence else "",
        consent_reference=consent_reference,
        one_off=one_off,
    )
    if subjects:
        record.subjects.set(subjects)
    return record
