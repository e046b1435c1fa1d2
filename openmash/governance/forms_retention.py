"""Input shape for retention schedules and the statistical extract; the rules are in
``services_retention``."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from openmash.contacts.forms import GovukDateField

from .models import RetentionAction, RetentionRecordType, RetentionTrigger

_TRIGGER_HINTS = {
    RetentionTrigger.CLOSURE: "Contacts: the decision. Rights requests and breaches: closure",
    RetentionTrigger.BIRTH: "Contacts: the youngest child's. Person entries: their own",
    RetentionTrigger.CREATION: "Received, shared or sent",
}


def _helper(*fields, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_method = "post"
    helper.attrs = {"novalidate": ""}
    helper.layout = Layout(*fields, Submit("submit", submit))
    return helper


class RetentionScheduleForm(forms.Form):
    record_type = forms.ChoiceField(
        label="Type of record",
        choices=[("", "Select a type of record"), *RetentionRecordType.choices],
        error_messages={"required": "Select the type of record"},
    )
    trigger = forms.ChoiceField(
        label="The period runs from",
        widget=forms.RadioSelect,
        choices=[
            Choice(value, label, hint=_TRIGGER_HINTS[value])
            for value, label in RetentionTrigger.choices
        ],
        error_messages={"required": "Select when the period starts"},
    )
    years = forms.IntegerField(
        label="Years",
        min_value=0,
        max_value=100,
        initial=0,
        error_messages={"required": "Enter the number of years, or 0"},
    )
    months = forms.IntegerField(
        label="And months",
        min_value=0,
        max_value=11,
        initial=0,
        error_messages={"required": "Enter the number of months, or 0"},
    )
    action = forms.ChoiceField(
        label="At the end of the period",
        widget=forms.RadioSelect,
        choices=RetentionAction.choices,
        error_messages={"required": "Select what happens at the end of the period"},
    )
    authority = forms.CharField(
        label="Where the period comes from (optional)",
        required=False,
        max_length=250,
        help_text="For example: the partnership's retention schedule, or guidance for "
        "children's social care records",
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    active = forms.BooleanField(
        label="Active: the monthly disposal job applies it", required=False, initial=True
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("years", "months"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
        self.helper = _helper(
            Field.select("record_type"),
            Field.radios("trigger", legend_size=Size.SMALL, small=True),
            Field.text("years", field_width=3),
            Field.text("months", field_width=3),
            Field.radios("action", legend_size=Size.SMALL, small=True),
            Field.text("authority"),
            Field.textarea("notes"),
            Field.checkbox("active"),
            "version",
            submit="Save the schedule",
        )


class StatisticalExtractForm(forms.Form):
    date_from = GovukDateField(
        what="start date", label="Contacts received from", help_text="For example, 1 4 2026"
    )
    date_to = GovukDateField(
        what="end date", label="Contacts received up to", help_text="For example, 31 3 2027"
    )
    recipient = forms.CharField(
        label="Who is the extract for?",
        max_length=250,
        help_text="It is recorded on the Record of Sharing",
        error_messages={"required": "Enter who the extract is for"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field("date_from"),
            Field("date_to"),
            Field.text("recipient"),
            submit="Download the CSV",
        )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date")
        return cleaned
