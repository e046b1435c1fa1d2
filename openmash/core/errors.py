"""Domain errors raised by services; views turn them into form errors or clear messages."""


class DomainError(Exception):
    """A rule of the domain was broken; the message is safe to show to the user."""


class TransitionNotAllowed(DomainError):
    """The record is not in a state from which this change may be made."""


class ConflictError(DomainError):
    """Somebody else changed the record first (optimistic concurrency)."""


class NotPermitted(DomainError):
    """The user's roles do not allow this action."""
