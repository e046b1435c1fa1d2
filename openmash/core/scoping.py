"""Fail-closed access to case data.

Models holding case data declare ``objects = FailClosedManager()`` as their default manager:
``Model.objects.all()`` — or any query that forgot the user's scope, including reverse
relations such as ``contact.information_requests.all()`` — returns *nothing*. Rows are read in
exactly two ways: ``Model.objects.for_user(user)``, which applies the one scope rule registered
for the model (each app registers its rules in ``selectors.py`` with ``@scope_rule``), and the
explicit ``Model.unscoped`` manager, reserved for services and system jobs and easy to review.
"""

from collections.abc import Callable

from django.db import connection, models

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


def scope_keeps_every_row(model: type[models.Model], user) -> bool:
    """True if ``user``'s scope rule for ``model`` hands every row back unchanged.

    Then rows of ``model`` may be read by joining them to a row the user may read (the contact
    page joins the enquiry, analysis and decision to the contact) instead of in a scoped query
    of their own: the join cannot show anything the scoped query would have hidden. Decided by
    identity — the rule returned the very queryset it was given — so a rule that filters, or
    empties, or is missing, always answers False."""
    rule = SCOPE_RULES.get(model._meta.label)
    if rule is None or user is None or not getattr(user, "is_authenticated", False):
        return False
    if not getattr(user, "is_active", False):
        return False
    rows = models.QuerySet(model)
    return rule(rows, user) is rows


def exists_sql(
    model: type[models.Model], user, fk: str, outer: str, *, also: str = ""
) -> str | None:
    """``EXISTS (…)`` in plain SQL: has the outer row (``outer``, a quoted column such as
    ``'"contacts_contact"."id"'``) any row of ``model`` pointing at it through ``fk`` (and
    meeting ``also``, SQL over the alias ``U``)? None unless ``user``'s scope rule for
    ``model`` keeps every row (``scope_keeps_every_row``), so the plain SQL can never see a row
    the scoped query would hide; the caller then uses the ORM's ``Exists`` over ``for_user``.

    For flags a page reads on every request: the ORM spends longer compiling an ``Exists``
    subquery than the database spends answering it."""
    if not scope_keeps_every_row(model, user):
        return None
    quote = connection.ops.quote_name
    column = quote(model._meta.get_field(fk).column)
    where = f"U.{column} = {outer}" + (f" AND {also}" if also else "")
    return f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} U WHERE {where})"  # noqa: S608 (names from the models)
