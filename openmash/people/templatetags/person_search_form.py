"""``{% load person_search_form %}``: the person search form's GOV.UK inputs, written in Python.

A search page renders the form on every request, and the template engine's include, ``with``
and a dozen attribute lookups per input cost more than the inputs themselves (the five text
inputs and the date of birth took longer to render than twenty rows of results). The markup is
the Design System's, as the form's template had it; every value is escaped as the template
escaped it.
"""

from html import escape as _escape

from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


def escape(value) -> str:
    """What ``{{ value }}`` prints: ``value`` escaped unless it is already HTML."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _escape(str(value))


_GROUP = '<div class="govuk-form-group">'
_GROUP_WITH_ERROR = '<div class="govuk-form-group govuk-form-group--error">'


def _error_messages(errors, auto_id: str) -> str:
    return "".join(
        f'<p id="{auto_id}_error" class="govuk-error-message">'
        f'<span class="govuk-visually-hidden">Error:</span> {escape(error)}</p>'
        for error in errors
    )


@register.simple_tag
def text_input(bound_field, width, numeric=False) -> SafeString:
    """A text input with its label, hint and errors; ``width`` is a GOV.UK input width (2, 3,
    4, 5, 10, 20, 30)."""
    auto_id = escape(bound_field.auto_id)
    help_text = bound_field.help_text
    errors = bound_field.errors
    value = bound_field.value()
    hint = ""
    if help_text:
        hint = f'<div id="{auto_id}_hint" class="govuk-hint">{escape(help_text)}</div>'
    input_class = f"govuk-input govuk-input--width-{escape(width)}"
    described = ""
    if help_text or errors:
        hint_id = f"{auto_id}_hint" if help_text else ""
        error_id = f" {auto_id}_error" if errors else ""
        described = f' aria-describedby="{hint_id}{error_id}"'
    if errors:
        input_class += " govuk-input--error"
    if numeric:
        described = ' inputmode="numeric"' + described
    return mark_safe(  # noqa: S308 (every value escaped above)
        (_GROUP_WITH_ERROR if errors else _GROUP)
        + f'<label class="govuk-label" for="{auto_id}">{escape(bound_field.label)}</label>'
        + hint
        + _error_messages(errors, auto_id)
        + f'<input class="{input_class}" id="{auto_id}" name="{escape(bound_field.html_name)}" '
        + f'type="text" value="{"" if value is None else escape(value)}" spellcheck="false" '
        + f'autocomplete="off"{described}></div>'
    )


@register.simple_tag
def date_input(bound_field, parts) -> SafeString:
    """The GOV.UK date input: day, month and year boxes (``parts``: (label, value as typed,
    width) each) in a fieldset with the legend, hint and errors."""
    auto_id = escape(bound_field.auto_id)
    errors = bound_field.errors
    name = escape(bound_field.html_name)
    input_error = " govuk-input--error" if errors else ""
    error_id = f" {auto_id}_error" if errors else ""
    boxes = "".join(
        '<div class="govuk-date-input__item"><div class="govuk-form-group">'
        f'<label class="govuk-label govuk-date-input__label" for="{auto_id}_{n}">'
        f"{escape(label)}</label>"
        f'<input class="govuk-input govuk-date-input__input govuk-input--width-{width}'
        f'{input_error}" id="{auto_id}_{n}" name="{name}_{n}" type="text" inputmode="numeric" '
        f'value="{escape(value)}"></div></div>'
        for n, (label, value, width) in enumerate(parts)
    )
    return mark_safe(  # noqa: S308 (every value escaped above)
        (_GROUP_WITH_ERROR if errors else _GROUP)
        + '<fieldset class="govuk-fieldset" role="group" '
        + f'aria-describedby="{auto_id}_hint{error_id}">'
        + f'<legend class="govuk-fieldset__legend">{escape(bound_field.label)}</legend>'
        + f'<div id="{auto_id}_hint" class="govuk-hint">{escape(bound_field.help_text)}</div>'
        + _error_messages(errors, auto_id)
        + f'<div class="govuk-date-input" id="{auto_id}">{boxes}</div></fieldset></div>'
    )
