"""Fail-closed access to case data.

Models holding case data declare ``objects = FailClosedManager()`` as their default manager:
``Model.objects.all()`` — or any query that forgot the user's scope, including reverse
relations such as ``contact.information_requests.all()`` — returns *nothing*. Rows are read in
exactly two ways: ``Model.objects.for_user(user)``, which applies the one scope rule registered
for the model (each app registers its rules in ``selectors.py`` with ``@scope_rule``), and the
explicit ``Model.unscoped`` manager, reserved for services and system jobs and easy to review.
"""

from collections.abc import Callable

from django.db import models

ScopeRule = Callable[[models.QuerySet, object], models.QuerySet]

#: model label ("contacts.Contact") -> function(all rows, user) -> rows the user may read.
SCOPE_RULES: dict[str, ScopeRule] = {}


class FailClosedManager(models.Manager):
    """Default manager whose plain querysets are empty; ``for_user`` applies the scope rule."""

    def get_queryset(self):
        return super().get_queryset().none()

    def for_user(self, user) -> models.QuerySet:
        rule = SCOPE_RULES.get(self.model._meta.label)
        if rule is None or user is None or not getattr(user, "is_authenticated", False):
            return super().get_queryset().none()
        if not getattr(user, "is_active", False):
            return super().get_queryset().none()
        return rule(models.QuerySet(self.model, using=self._db), user)


def scope_rule(model_label: str):
    """Register the one rule that says which rows of ``model_label`` a user may read."""

    def decorator(func: ScopeRule) -> ScopeRule:
        SCOPE_RULES[model_label] = func
        return func

    return decorator
