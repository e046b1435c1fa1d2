"""``BaseModel`` answers ``get_<field>_display()`` from labels read once per field; the answer
must be Django's own for every choice of every field of every model, and for values that are
not choices."""

from django.apps import apps
from django.db import models

from openmash.core.models import BaseModel


def _fields_with_choices():
    for model in apps.get_models():
        if issubclass(model, BaseModel):
            for field in model._meta.concrete_fields:
                if field.choices:
                    yield model, field


def test_every_label_is_djangos():
    checked = 0
    for model, field in _fields_with_choices():
        for value, _ in field.flatchoices:
            record = model(**{field.attname: value})
            ours = getattr(record, f"get_{field.name}_display")()
            djangos = models.Model._get_FIELD_display(record, field)
            assert ours == djangos, (model, field.name, value)
            assert type(ours) is str
            checked += 1
    assert checked > 50  # the contact's codes, outcomes, statuses … were all seen


def test_a_value_that_is_not_a_choice_is_shown_as_it_is():
    model, field = next(_fields_with_choices())
    record = model(**{field.attname: "not-a-code"})
    assert getattr(record, f"get_{field.name}_display")() == "not-a-code"
    record = model(**{field.attname: None})
    assert getattr(record, f"get_{field.name}_display")() is None
