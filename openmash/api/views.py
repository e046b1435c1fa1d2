"""The partner API, version 1: a partner agency's own information requests. Thin, like the
pages: selector → serializer; serializer → service → receipt. Scoping, the access log and the
Record of Sharing are written by the selectors and services the web pages use."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from openmash.audit.services import channel_from_request
from openmash.core.errors import ConflictError
from openmash.enquiries import selectors, services
from openmash.enquiries.models import RequestStatus

from . import idempotency
from .permissions import RespondsToInformationRequests
from .serializers import (
    ErrorSerializer,
    InformationRequestDetailSerializer,
    InformationRequestListSerializer,
    ResponseInputSerializer,
    ResponseReceiptSerializer,
)

_ERRORS = {
    401: OpenApiResponse(ErrorSerializer, "No valid token (or it expired or was revoked)"),
    403: OpenApiResponse(ErrorSerializer, "Your roles do not allow this"),
    429: OpenApiResponse(ErrorSerializer, "Too many requests: wait and retry"),
}
_NOT_FOUND = {404: OpenApiResponse(ErrorSerializer, "No such request for your agency")}


class PartnerApiView(APIView):
    permission_classes = [IsAuthenticated, RespondsToInformationRequests]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # Case data must never sit in a cache, whoever asked (the middleware covers only
        # sessions, and an error answer is still about a record).
        response["Cache-Control"] = "no-store"
        return response


@extend_schema(
    summary="Your agency's information requests",
    description="Every request still to answer and those answered in the last 30 days, by "
    "due time. No personal data: read one request for the people to search for.",
    parameters=[
        OpenApiParameter(
            "status",
            OpenApiTypes.STR,
            enum=RequestStatus.values,
            description="Only requests to answer (`requested`) or answered (`responded`)",
        )
    ],
    responses={
        200: InformationRequestListSerializer(many=True),
        400: OpenApiResponse(OpenApiTypes.OBJECT, "An unknown status: {'status': ['Use one …']}"),
        **_ERRORS,
    },
)
class InformationRequestList(PartnerApiView, generics.ListAPIView):
    serializer_class = InformationRequestListSerializer

    def get_queryset(self):
        queryset = selectors.agency_request_queue(self.request.user)
        wanted = self.request.query_params.get("status")
        if wanted is not None:
            if wanted not in RequestStatus.values:
                raise exceptions.ValidationError(
                    {"status": [f"Use one of: {', '.join(RequestStatus.values)}."]}
                )
            queryset = queryset.filter(status=wanted)
        return queryset.order_by("due_at", "requested_at", "pk")


class InformationRequestDetail(PartnerApiView):
    @extend_schema(
        summary="One information request, with the people to search for",
        description="Reading it is logged (the access log, per person) and recorded in the "
        "Record of Sharing, like any disclosure.",
        responses={200: InformationRequestDetailSerializer, **_ERRORS, **_NOT_FOUND},
    )
    def get(self, request, pk):
        shown = services.information_request_api_read(
            request.user, pk, channel=channel_from_request(request)
        )
        return Response(
            InformationRequestDetailSerializer(shown, context={"request": request}).data
        )


class InformationRequestResponse(PartnerApiView):
    @extend_schema(
        summary="Send your agency's response",
        description="The same rules as the web form. Send an `Idempotency-Key` header (any "
        "unique string, e.g. a UUID) so that a retry returns the first answer instead of 409.",
        request=ResponseInputSerializer,
        parameters=[
            OpenApiParameter(
                idempotency.HEADER,
                OpenApiTypes.STR,
                location=OpenApiParameter.HEADER,
                description="A unique key per response; reuse it only to retry the same one",
            )
        ],
        responses={
            201: ResponseReceiptSerializer,
            400: OpenApiResponse(
                OpenApiTypes.OBJECT, "Field errors, e.g. {'summary': ['Enter a summary …']}"
            ),
            **_ERRORS,
            **_NOT_FOUND,
            409: OpenApiResponse(ErrorSerializer, "Already answered, or the request changed"),
            422: OpenApiResponse(ErrorSerializer, "Idempotency key reused for another request"),
        },
    )
    def post(self, request, pk):
        info_request = selectors.information_request_to_answer(request.user, pk)
        data = ResponseInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        key = request.headers.get(idempotency.HEADER)
        if key is not None and not 0 < len(key) <= 255:
            raise exceptions.ValidationError(
                {idempotency.HEADER: ["Use a key of 1 to 255 characters."]}
            )

        def respond() -> idempotency.Outcome:
            fields = {name: v for name, v in values.items() if name != "expected_version"}
            answered = services.information_request_respond(
                info_request,
                actor=request.user,
                expected_version=values["expected_version"],
                **fields,
            )
            body = ResponseReceiptSerializer(answered).data
            return idempotency.Outcome(status.HTTP_201_CREATED, dict(body))

        outcome = idempotency.idempotent(
            request.user,
            key,
            idempotency.fingerprint("POST", "information-request-response", str(pk), values),
            respond,
            retry_on=(ConflictError,),
        )
        headers = {"Idempotent-Replayed": "true"} if outcome.replayed else {}
        return Response(outcome.body, status=outcome.status_code, headers=headers)
