"""One exception handler for the API: the services' domain errors become clear JSON answers.

``{"detail": "…", "code": "…"}`` for errors about the whole request; ``{"field": ["…"]}``
(DRF's validation style, status 400) for an error that names a field."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.views import exception_handler

from openmash.core.errors import ConflictError, DomainError, NotPermitted, TransitionNotAllowed
from openmash.governance.selectors import RestrictedRecordError


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record changed; read it again."
    default_code = "conflict"


class Unprocessable(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = "The request cannot be carried out."
    default_code = "unprocessable"


class IdempotencyKeyReused(Unprocessable):
    default_code = "idempotency_key_reused"


class RestrictedRecord(exceptions.PermissionDenied):
    default_detail = (
        "This record is restricted. Open it in OpenMASH in your browser and give your reason; "
        "the API can then read it for as long as that reason lasts."
    )
    default_code = "restricted_record"


def _as_api_exception(exc):
    # Django's own two first, so their answers carry a code like every other.
    if isinstance(exc, Http404):
        return exceptions.NotFound(str(exc) or None)
    if isinstance(exc, DjangoPermissionDenied):
        return exceptions.PermissionDenied(str(exc) or None)
    if isinstance(exc, RestrictedRecordError):
        return RestrictedRecord()
    if not isinstance(exc, DomainError):
        return exc
    message = str(exc)
    field = getattr(exc, "field", None)
    if field:
        return exceptions.ValidationError({field: [message]})
    if isinstance(exc, NotPermitted):
        return exceptions.PermissionDenied(message)
    if isinstance(exc, ConflictError | TransitionNotAllowed):
        # The request is fine, the record's state is not: someone answered it first, or the
        # enquiry has moved on.
        return Conflict(message)
    return Unprocessable(message)


def api_exception_handler(exc, context):
    exc = _as_api_exception(exc)
    response = exception_handler(exc, context)
    if (
        response is not None
        and isinstance(exc, exceptions.APIException)
        and isinstance(response.data, dict)
        and "detail" in response.data
    ):
        response.data["code"] = exc.get_codes() if isinstance(exc.detail, str) else exc.default_code
    return response
