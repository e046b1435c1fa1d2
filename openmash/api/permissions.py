"""Capability checks for the API (data scoping stays in the selectors)."""

from rest_framework.permissions import BasePermission

from openmash.accounts.roles import Capability


class RespondsToInformationRequests(BasePermission):
    """Partner practitioners and early help: the holders of ``enquiry.respond``."""

    message = "Your roles do not allow you to work information requests."

    def has_permission(self, request, view):
        return bool(request.user and request.user.can(Capability.ENQUIRY_RESPOND))
