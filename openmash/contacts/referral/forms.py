"""The questions of the online referral form, one form per page. Answers are kept in the
session as plain JSON (``to_session`` / ``from_session``) until the referral is sent."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from openmash.people.identifiers import validate_postcode

from ..codes import PUBLIC_REFERRER_TYPES, Concern, ConsentStatus, ReferrerType
from ..forms import GovukDateField

PROFESSIONAL_CHOICES = [(t.value, t.label) for t in ReferrerType if t not in PUBLIC_REFERRER_TYPES]
PUBLIC_CHOICES = [(t.value, t.label) for t in ReferrerType if t in PUBLIC_REFERRER_TYPES]


def to_session(data: dict) -> dict:
    """Cleaned data as JSON-safe values (dates as ISO strings)."""
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in data.items()}


def from_session(data: dict, date_fields=()) -> dict:
    result = dict(data)
    for name in date_fields:
        if result.get(name):
            result[name] = date.fromisoformat(result[name])
    return result


class AboutYouForm(forms.Form):
    referrer_type = forms.ChoiceField(
        label="Who are you?",
        choices=PROFESSIONAL_CHOICES + PUBLIC_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Select who you are"},
    )
    name = forms.CharField(
        label="Your full name",
        help_text="Members of the public may leave this blank to stay anonymous, but then we "
        "cannot tell you what happens.",
        max_length=120,
        required=False,
    )
    role = forms.CharField(
        label="Your role or job title (professionals)", max_length=120, required=False
    )
    organisation = forms.CharField(
        label="Your organisation (professionals)", max_length=160, required=False
    )
    email = forms.EmailField(
        label="Email address",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    phone = forms.CharField(label="Phone number", max_length=40, required=False)
    relationship = forms.CharField(
        label="Your relationship to the child (optional)",
        help_text="For example: class teacher, health visitor, grandparent, neighbour.",
        max_length=120,
        required=False,
    )

    def clean(self):
        data = super().clean()
        kind = data.get("referrer_type")
        if kind and kind not in PUBLIC_REFERRER_TYPES:
            if not data.get("name", "").strip():
                self.add_error("name", "Enter your full name")
            if not data.get("role", "").strip():
                self.add_error("role", "Enter your role or job title")
            if not data.get("organisation", "").strip():
                self.add_error("organisation", "Enter the name of your organisation")
            if not (data.get("email") or data.get("phone", "").strip()):
                self.add_error("email", "Enter an email address or a phone number")
        return data

    @property
    def professional_choices(self):
        return self._choices(PROFESSIONAL_CHOICES)

    @property
    def public_choices(self):
        return self._choices(PUBLIC_CHOICES)

    def _choices(self, choices):
        current = self["referrer_type"].value()
        return [{"value": v, "label": lbl, "checked": v == current} for v, lbl in choices]


class ChildForm(forms.Form):
    forename = forms.CharField(label="First name", max_length=100, required=False)
    surname = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = GovukDateField(
        what="date of birth",
        label="Date of birth (optional)",
        help_text="For example, 27 3 2015. Leave blank if you do not know.",
        required=False,
    )
    expected_delivery_date = GovukDateField(
        what="expected due date",
        label="Expected due date, if the baby is not born yet (optional)",
        required=False,
    )
    address = forms.CharField(
        label="Address (optional)",
        help_text="Leave blank if you do not know.",
        max_length=250,
        required=False,
    )
    postcode = forms.CharField(label="Postcode (optional)", max_length=10, required=False)

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        return validate_postcode(value) if value else ""

    def clean(self):
        data = super().clean()
        if not (data.get("forename", "").strip() or data.get("surname", "").strip()):
            self.add_error("forename", "Enter the child's first name or last name")
        if data.get("date_of_birth") and data.get("expected_delivery_date"):
            self.add_error(
                "expected_delivery_date", "Enter a date of birth or an expected due date, not both"
            )
        if data.get("date_of_birth") and data["date_of_birth"] > timezone.localdate():
            self.add_error("date_of_birth", "The date of birth must be in the past")
        return data


class BaseChildFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this child"

    def clean(self):
        if any(self.errors):
            return
        if not self.children():
            raise ValidationError("Tell us about at least one child")

    def children(self) -> list[dict]:
        return [
            f.cleaned_data for f in self.forms if f.cleaned_data and not self._should_delete_form(f)
        ]


ChildFormSet = forms.formset_factory(
    ChildForm, formset=BaseChildFormSet, extra=0, can_delete=True, max_num=12, absolute_max=12
)
CHILDREN_PREFIX = "children"
CHILD_DATE_FIELDS = ("date_of_birth", "expected_delivery_date")


def child_formset(data=None, *, initial=None, add_one=False):
    if data is not None and add_one:
        data = data.copy()
        key = f"{CHILDREN_PREFIX}-TOTAL_FORMS"
        data[key] = str(int(data.get(key) or 0) + 1)
    if data is None and not initial:
        initial = [{}]
    return ChildFormSet(data, initial=initial, prefix=CHILDREN_PREFIX)


class ConcernsForm(forms.Form):
    immediate_danger = forms.ChoiceField(
        label="Is a child in immediate danger right now?",
        choices=[("yes", "Yes"), ("no", "No")],
        widget=forms.RadioSelect,
        error_messages={"required": "Select yes if a child is in immediate danger right now"},
    )
    concerns = forms.MultipleChoiceField(
        label="What are you worried about?",
        help_text="Select all that apply.",
        choices=Concern.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select what you are worried about"},
    )
    narrative = forms.CharField(
        label="What has happened?",
        help_text="Tell us what you have seen or been told, when it happened, and why you are "
        "worried. Include anything that helps us keep the child safe.",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=20000,
        error_messages={"required": "Enter what has happened"},
    )


class ConsentForm(forms.Form):
    consent_status = forms.ChoiceField(
        label="Does the family know you are making this referral, and do they agree?",
        choices=[
            (ConsentStatus.GIVEN, "Yes, they know and agree"),
            (ConsentStatus.REFUSED, "They know, but they do not agree"),
            (ConsentStatus.NOT_SOUGHT, "No, I have not told them"),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether the family knows and agrees"},
    )
    consent_reason = forms.CharField(
        label="If they do not know or do not agree, tell us why",
        help_text="For example: telling them could put the child at risk.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
    )

    def clean(self):
        data = super().clean()
        status = data.get("consent_status")
        if status and status != ConsentStatus.GIVEN and not data.get("consent_reason", "").strip():
            self.add_error(
                "consent_reason", "Tell us why the family does not know or does not agree"
            )
        return data
