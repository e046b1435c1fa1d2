"""Input shape and validation for searching the person index."""

from datetime import date

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from .identifiers import validate_nhs_number, validate_postcode, validate_upn
from .matching import PersonQuery


class DateOfBirthField(DateInputField):
    """GOV.UK date input whose messages say exactly what is wrong ("Date of birth must include
    a month"), as the Design System asks."""

    def __init__(self, **kwargs):
        kwargs.setdefault("require_all_fields", False)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def clean(self, value):
        parts = [*(value or []), None, None, None][:3]
        day, month, year = (str(p).strip() if p is not None else "" for p in parts)
        for sub in self.fields:
            sub.widget.errors = []
        if not (day or month or year):
            return None
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(
                f"Date of birth must include a {' and a '.join(missing)}", code="incomplete"
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()):
            raise ValidationError("Date of birth must be a real date, like 27 3 2019")
        if len(year) != 4:
            raise ValidationError("Year of birth must include 4 numbers, like 2019")
        try:
            born = date(int(year), int(month), int(day))
        except ValueError as error:
            raise ValidationError("Date of birth must be a real date, like 27 3 2019") from error
        if born > timezone.localdate():
            raise ValidationError("Date of birth must be today or in the past")
        return born


class PersonSearchForm(forms.Form):
    """Any mix of name, date of birth, postcode and identifiers. Posted, never in a URL."""

    forename = forms.CharField(label="First name", required=False, max_length=100)
    surname = forms.CharField(label="Last name", required=False, max_length=100)
    date_of_birth = DateOfBirthField(label="Date of birth", help_text="For example, 27 3 2019")
    postcode = forms.CharField(label="Postcode", required=False, max_length=10)
    nhs_number = forms.CharField(
        label="NHS number",
        required=False,
        max_length=14,
        help_text="10 digits, for example 999 876 5439",
    )
    upn = forms.CharField(
        label="Unique Pupil Number (UPN)",
        required=False,
        max_length=16,
        help_text="13 characters, for example H801200001001",
    )
    local_id = forms.CharField(label="Local person ID", required=False, max_length=20)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)

    def clean_nhs_number(self):
        value = self.cleaned_data["nhs_number"].strip()
        return validate_nhs_number(value) if value else ""

    def clean_upn(self):
        value = self.cleaned_data["upn"].strip()
        return validate_upn(value) if value else ""

    def clean_postcode(self):
        value = self.cleaned_data["postcode"].strip()
        if not value:
            return ""
        try:
            return validate_postcode(value)
        except ValidationError:
            raise ValidationError(
                "Enter a full postcode, like ME4 4TR, or leave the postcode out"
            ) from None

    def clean(self):
        data = super().clean()
        given = [name for name in self.fields if data.get(name)]
        if not given and not self.errors:
            raise ValidationError(
                "Enter at least one detail to search for: a name, date of birth, postcode or "
                "identifier",
                code="empty",
            )
        return data

    @property
    def date_of_birth_parts(self) -> list[tuple[str, str, int]]:
        """(label, value, GOV.UK width) of the day, month and year boxes, as typed."""
        bound = self["date_of_birth"]
        if self.is_bound:
            values = bound.field.widget.value_from_datadict(self.data, self.files, bound.html_name)
        else:
            initial = bound.value()
            values = [initial.day, initial.month, initial.year] if initial else []
        values = [*(values or []), "", "", ""][:3]
        return [
            (label, "" if value is None else str(value), width)
            for (label, width), value in zip(
                (("Day", 2), ("Month", 2), ("Year", 4)), values, strict=True
            )
        ]

    def query(self) -> PersonQuery:
        data = self.cleaned_data
        return PersonQuery(
            forename=data.get("forename", "").strip(),
            surname=data.get("surname", "").strip(),
            dob=data.get("date_of_birth"),
            postcode=data.get("postcode", ""),
            nhs_number=data.get("nhs_number", ""),
            upn=data.get("upn", ""),
            local_id=data.get("local_id", "").strip(),
        )

    @staticmethod
    def initial_for(query: PersonQuery) -> dict:
        return {
            "forename": query.forename,
            "surname": query.surname,
            "date_of_birth": query.dob,
            "postcode": query.postcode,
        }
