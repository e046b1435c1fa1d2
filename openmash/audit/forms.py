"""The DPO's search of the audit log: input shape and validation only."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.core.exceptions import ValidationError

from .models import AuditEntry
from .selectors import AuditSearch


class SearchDateField(DateInputField):
    """A GOV.UK date input whose errors name the date and the part that is wrong."""

    def __init__(self, what: str, **kwargs):
        super().__init__(required=False, require_all_fields=False, **kwargs)
        self.what = what
        for subfield, part in zip(self.fields, ("day", "month", "year"), strict=True):
            subfield.error_messages["incomplete"] = f"{what} must include a {part}"
            subfield.validators[0].message = f"{what} must be a real date"

    def compress(self, data_list):
        day, month, year = data_list
        if not (day and month and year):
            return None
        if len(year) != 4:
            raise ValidationError(f"Year of the {self.what.lower()} must include 4 numbers")
        try:
            return date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError(f"{self.what} must be a real date") from error


class AuditSearchForm(forms.Form):
    KIND_CHOICES = [
        ("", "Views and changes"),
        (AuditEntry.Kind.ACCESS, "Views of records"),
        (AuditEntry.Kind.CHANGE, "Changes to records"),
    ]

    person_id = forms.UUIDField(
        label="Person ID",
        required=False,
        help_text="The ID shown on the person's record, like 3f2b6c1e-8a4d-4e1f-9b7a-2c5d8e9f0a1b",
        error_messages={"invalid": "Enter the person ID in the format shown in the hint"},
    )
    username = forms.CharField(
        label="Username of the member of staff", required=False, max_length=150
    )
    date_from = SearchDateField("From date", label="From", help_text="For example, 27 3 2025")
    date_to = SearchDateField("To date", label="To", help_text="For example, 31 3 2025")
    kind = forms.ChoiceField(
        label="Show", choices=KIND_CHOICES, required=False, widget=forms.RadioSelect
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token
        self.helper.layout = Layout(
            Field.text("person_id", field_width=30),
            Field.text("username", field_width=20),
            "date_from",
            "date_to",
            Field.radios("kind", legend_size=Size.SMALL, small=True),
            Submit("search", "Search"),
        )

    def clean_username(self):
        return self.cleaned_data["username"].strip()

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "To date must be the same as or after the from date")
        return data

    def search(self) -> AuditSearch:
        data = self.cleaned_data
        return AuditSearch(
            person_id=data.get("person_id"),
            username=data.get("username", ""),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            kind=data.get("kind", ""),
        )

    @staticmethod
    def initial_for(search: AuditSearch) -> dict:
        return {
            "person_id": search.person_id or "",
            "username": search.username,
            "date_from": search.date_from,
            "date_to": search.date_to,
            "kind": search.kind,
        }
