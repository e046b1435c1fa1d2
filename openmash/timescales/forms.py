"""Input shape for the closure-days pages; the rules are in ``services``."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.core.exceptions import ValidationError


class ClosureDateField(DateInputField):
    """A GOV.UK date input whose errors say which part of the date is wrong."""

    def __init__(self, **kwargs):
        super().__init__(require_all_fields=False, **kwargs)
        self.error_messages["required"] = "Enter the date the MASH will be closed"
        for subfield, part in zip(self.fields, ("day", "month", "year"), strict=True):
            subfield.error_messages["incomplete"] = f"The date must include a {part}"
            subfield.validators[0].message = "The date must be a real date"

    def compress(self, data_list):
        if not data_list or not any(data_list):
            return None
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(year) != 4:
            raise ValidationError("The year must include 4 numbers")
        try:
            return date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError("The date must be a real date") from error


class ClosureDayForm(forms.Form):
    day = ClosureDateField(
        label="Date the MASH is closed",
        help_text="For example, 24 12 2026. Weekends and bank holidays are already closed.",
    )
    reason = forms.CharField(
        label="Why is the MASH closed?",
        max_length=200,
        help_text="For example, office move or staff training day. Staff see this.",
        error_messages={
            "required": "Enter why the MASH is closed on that day",
            "max_length": "The reason must be 200 characters or fewer",
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = True
        self.helper.form_method = "post"
        self.helper.layout = Layout(
            Field("day", legend_size=Size.SMALL),
            Field.text("reason"),
            Submit("submit", "Add closure day"),
        )
