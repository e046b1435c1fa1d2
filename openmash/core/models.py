"""Shared model bases. Domain apps subclass ``BaseModel``."""

import functools
import uuid

from django.conf import settings
from django.db import models


@functools.cache
def _choice_labels(field) -> dict:
    """Each choice's label as ``str`` (what Django's ``get_<field>_display`` returns), by value.
    The project's choices are fixed enums, so they are read once per field."""
    return {value: str(label) for value, label in field.flatchoices}


class BaseModel(models.Model):
    """UUID primary key (no guessable, countable IDs in URLs) and who/when stamps."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    modified_at = models.DateTimeField(auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    modified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        abstract = True

    def _get_FIELD_display(self, field):  # noqa: N802 (Django's name)
        """``get_<field>_display()`` from a table of labels built once per field. Django's
        builds a dict of every choice on every call (``make_hashable`` over each), which made
        the labels a contact page prints cost more than the rest of its summary lists. Same
        answer: the label, or the value itself when it is not a choice."""
        value = getattr(self, field.attname)
        try:
            return _choice_labels(field)[value]
        except (KeyError, TypeError):  # not a choice, or unhashable: as Django answers
            return super()._get_FIELD_display(field)
