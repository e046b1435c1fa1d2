"""Turn stored audit entries into what a reader sees: record type names and before/after rows.

Entries store field names and raw values (that is what is hashed); the labels come from the
current models at display time, falling back to the stored names for models that no longer exist.
"""

import json
from dataclasses import dataclass

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist

from .models import AuditEntry

EMPTY = "Not set"


@dataclass(frozen=True)
class ChangeRow:
    field: str
    label: str
    old: str
    new: str


def _model(target_type: str):
    try:
        return apps.get_model(target_type)
    except (LookupError, ValueError):
        return None


def target_type_label(target_type: str) -> str:
    """ "Agency" for ``accounts.agency``; the stored string if the model is gone."""
    model = _model(target_type)
    if model is None:
        return target_type
    name = str(model._meta.verbose_name)
    return name[:1].upper() + name[1:]


def change_rows(entry: AuditEntry) -> list[ChangeRow]:
    """One row per changed field, labelled and formatted for a before/after table."""
    model = _model(entry.target_type)
    rows = []
    for name, change in sorted(entry.changes.items()):
        field = _field(model, name)
        old = change.get("old") if isinstance(change, dict) else None
        new = change.get("new") if isinstance(change, dict) else change
        label = str(field.verbose_name) if field is not None else name.replace("_", " ")
        rows.append(
            ChangeRow(
                field=name,
                label=label[:1].upper() + label[1:],
                old=format_value(old, field),
                new=format_value(new, field),
            )
        )
    return rows


def payload_details(entry: AuditEntry) -> list[tuple[str, str]]:
    """Everything in the payload other than the changes (e.g. lawful basis), for a summary."""
    if not isinstance(entry.payload, dict):
        return []
    return [
        (key.replace("_", " ").capitalize(), format_value(value, None))
        for key, value in sorted(entry.payload.items())
        if key not in ("changes", "history")
    ]


def format_value(value, field) -> str:
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return "Yes" if value else "No"
    choices = dict(field.flatchoices) if field is not None and field.choices else {}
    if choices and not isinstance(value, list | dict):
        return str(choices.get(value, value))
    if isinstance(value, list):
        return ", ".join(
            str(choices[v]) if isinstance(v, str | int) and v in choices else format_value(v, None)
            for v in value
        )
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, ensure_ascii=False)
    return str(value)


def _field(model, name):
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
