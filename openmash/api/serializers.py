"""Shapes of the partner API's requests and answers. Input shape only: what an outcome needs
and who may answer are checked by ``enquiries.services`` (the same rules as the web form)."""

from types import SimpleNamespace

from rest_framework import serializers

from openmash.contacts.codes import Rag
from openmash.enquiries.models import RequestStatus, ResponseOutcome
from openmash.governance.selectors import consent_summary_for_user


class InformationRequestListSerializer(serializers.Serializer):
    """One row of "requests to my agency". No personal data: the contact's reference and
    markers only. (The question is free text the MASH writes, which may name people, so it is
    in the detail — read with an access-log and Record of Sharing entry — not here.)"""

    id = serializers.UUIDField(read_only=True)
    contact_reference = serializers.CharField(read_only=True)
    rag = serializers.ChoiceField(choices=Rag.choices, read_only=True, allow_blank=True)
    immediate_risk = serializers.BooleanField(read_only=True)
    requested_at = serializers.DateTimeField(read_only=True)
    due_at = serializers.DateTimeField(read_only=True)
    overdue = serializers.BooleanField(
        source="is_overdue", read_only=True, help_text="Outstanding and past its due time"
    )
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)


class PersonSerializer(serializers.Serializer):
    """The minimum identifying details needed to search the agency's records."""

    name = serializers.CharField(read_only=True)
    role = serializers.CharField(read_only=True, help_text="For example 'Subject child'")
    relationship = serializers.CharField(read_only=True, help_text="To the subject child")
    date_of_birth = serializers.DateField(read_only=True, allow_null=True)
    expected_delivery_date = serializers.DateField(
        read_only=True, allow_null=True, help_text="For an unborn child"
    )
    sex = serializers.CharField(read_only=True)
    address = serializers.CharField(read_only=True)
    postcode = serializers.CharField(read_only=True)


class AgencyResponseSerializer(serializers.Serializer):
    """The agency's own recorded response."""

    outcome = serializers.ChoiceField(choices=ResponseOutcome.choices, read_only=True)
    summary = serializers.CharField(read_only=True)
    risk_factors = serializers.CharField(read_only=True)
    protective_factors = serializers.CharField(read_only=True)
    systems_searched = serializers.CharField(read_only=True)
    proportionality_note = serializers.CharField(read_only=True)
    responded_at = serializers.DateTimeField(read_only=True)
    responded_by = serializers.SerializerMethodField()

    def get_responded_by(self, request) -> str:
        by = request.responded_by
        return (by.get_full_name() or by.username) if by else ""


class DecisionSerializer(serializers.Serializer):
    outcome = serializers.CharField(read_only=True, help_text="The MASH decision")
    decided_at = serializers.DateTimeField(read_only=True)


class ConsentOverrideSerializer(serializers.Serializer):
    agency = serializers.CharField(source="agency.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="proposed or agreed")
    ground = serializers.CharField(source="get_ground_display", read_only=True)


class NotInformSerializer(serializers.Serializer):
    ground = serializers.CharField(source="get_ground_display", read_only=True)


class ConsentSerializer(serializers.Serializer):
    """The consent position as the request page's banner shows it to a partner: whether the
    information may be shared, on which override, and whether the child or family must not be
    told (so the agency does not contact them about it)."""

    status = serializers.CharField(
        source="position.status",
        read_only=True,
        help_text="given, refused, not_sought, withdrawn, or empty if none is recorded",
    )
    label = serializers.CharField(source="position.label", read_only=True)
    overrides = ConsentOverrideSerializer(many=True, read_only=True, source="current_overrides")
    do_not_inform = NotInformSerializer(many=True, read_only=True, source="not_inform")


class InformationRequestDetailSerializer(InformationRequestListSerializer):
    """One request: what the MASH asks, the people to search for, the agency's response once
    sent and the MASH decision once made. Serialises ``enquiries.selectors.PartnerRequest``."""

    agency = serializers.CharField(source="agency.name", read_only=True)
    question = serializers.CharField(read_only=True)
    version = serializers.IntegerField(
        read_only=True, help_text="Send it back as expected_version with the response"
    )
    people = PersonSerializer(many=True, read_only=True)
    response = AgencyResponseSerializer(read_only=True, allow_null=True)
    decision = DecisionSerializer(read_only=True, allow_null=True)
    consent = ConsentSerializer(read_only=True, allow_null=True)

    def to_representation(self, shown):
        return super().to_representation(_ShownRequest(shown, self.context["request"].user))


class _ShownRequest:
    """``PartnerRequest`` seen as one object: the request's fields, plus its people, its
    response once sent and — as on the request page — the decision of an enquiry the agency
    contributed to."""

    def __init__(self, shown, user):
        self._request = shown.request
        self.people = shown.people
        responded = shown.request.status == RequestStatus.RESPONDED
        self.response = shown.request if responded else None
        self.decision = shown.outcome if responded else None
        # Through the same scoped selector as the page's consent banner.
        summary = consent_summary_for_user(user, shown.request.contact_id)
        self.consent = None
        if summary is not None:
            self.consent = SimpleNamespace(
                position=summary.position,
                current_overrides=summary.proposed_overrides + summary.agreed_overrides,
                not_inform=summary.not_inform,
            )

    def __getattr__(self, name):
        return getattr(self._request, name)


class ResponseInputSerializer(serializers.Serializer):
    """The agency's response, as on the web form."""

    outcome = serializers.ChoiceField(choices=ResponseOutcome.choices)
    summary = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Required when known, and for a nil return (why nothing is shared)",
    )
    risk_factors = serializers.CharField(required=False, allow_blank=True, default="")
    protective_factors = serializers.CharField(required=False, allow_blank=True, default="")
    systems_searched = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Required when not known"
    )
    proportionality_note = serializers.CharField(required=False, allow_blank=True, default="")
    expected_version = serializers.IntegerField(
        min_value=1,
        help_text="The request's version when you read it: a response to a request that "
        "changed since is refused with 409",
    )


class ResponseReceiptSerializer(serializers.Serializer):
    """What a recorded response returns (ids, states and times only)."""

    id = serializers.UUIDField(read_only=True)
    status = serializers.ChoiceField(choices=RequestStatus.choices, read_only=True)
    outcome = serializers.ChoiceField(choices=ResponseOutcome.choices, read_only=True)
    responded_at = serializers.DateTimeField(read_only=True)
    version = serializers.IntegerField(read_only=True)


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    code = serializers.CharField()
