"""Input shape and validation of the contact pages. The rules that must hold whatever the
entry point (API, demo loader) are enforced again in ``services.py``."""

import re
from datetime import date, datetime, time

from crispy_forms_gds.fields import DateInputField
from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import ErrorDict, ErrorList
from django.utils import timezone

from openmash.people.codes import Sex
from openmash.people.identifiers import validate_postcode

from .codes import (
    INTAKE_CONSENT,
    STAFF_CHANNELS,
    Concern,
    ConsentStatus,
    PersonRole,
    Rag,
    ReferralSource,
    Route,
    ThresholdLevel,
)
from .services import PersonInput, Referrer

# -- GOV.UK field types -----------------------------------------------------------------------


class GovukDateField(DateInputField):
    """GOV.UK date input (day, month, year) with the Design System's error messages, which say
    exactly what is missing ("The date of birth must include a month")."""

    def __init__(self, *, what: str, **kwargs):
        self.what = what
        kwargs.setdefault("require_all_fields", False)
        super().__init__(**kwargs)

    def clean(self, value):
        parts = list(value or []) + [None, None, None]
        day, month, year = (str(p).strip() if p is not None else "" for p in parts[:3])
        for sub in self.fields:
            sub.widget.errors = []
        if not (day or month or year):
            if self.required:
                raise ValidationError(f"Enter the {self.what}", code="required")
            return None
        missing = [n for n, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise ValidationError(
                f"The {self.what} must include a {' and a '.join(missing)}", code="incomplete"
            )
        if not (day.isdigit() and month.isdigit() and year.isdigit()) or len(year) != 4:
            raise ValidationError(
                f"The {self.what} must be a real date, like 27 3 2019", code="invalid"
            )
        try:
            return date(int(year), int(month), int(day))
        except ValueError as exc:
            raise ValidationError(
                f"The {self.what} must be a real date, like 27 3 2019", code="invalid"
            ) from exc


_TIME = re.compile(r"^(\d{1,2})(?:[:.](\d{2}))?\s*(am|pm)?$", re.IGNORECASE)


class GovukTimeField(forms.CharField):
    """A time typed as 14:30, 14.30, 2:30pm or 2pm."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)
        super().__init__(**kwargs)
        self.widget.attrs.update(
            {"class": "govuk-input govuk-input--width-5", "spellcheck": "false"}
        )

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        match = _TIME.match(value.strip())
        if not match:
            raise ValidationError("Enter the time in the 24-hour clock, like 14:30", code="invalid")
        hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
        if meridiem:
            if not 1 <= hour <= 12:
                raise ValidationError("Enter a real time, like 14:30 or 2:30pm", code="invalid")
            hour = hour % 12 + (12 if meridiem == "pm" else 0)
        elif match[2] is None:
            raise ValidationError("Enter the time in the 24-hour clock, like 14:30", code="invalid")
        if hour > 23 or minute > 59:
            raise ValidationError("Enter a real time, like 14:30", code="invalid")
        return time(hour, minute)


def without_errors(*forms_or_formsets):
    """Show bound forms again *without* validation messages — for "Add another person", which
    redraws the page with what was typed but has not been submitted yet."""
    for item in forms_or_formsets:
        if isinstance(item, forms.BaseFormSet):
            item._errors = []
            item._non_form_errors = ErrorList()
            for form in item.forms:
                form._errors = ErrorDict()
        else:
            item._errors = ErrorDict()


def _textarea(rows=5):
    return forms.Textarea(attrs={"rows": rows})


def _concerns_field(label="What are the concerns?"):
    return forms.MultipleChoiceField(
        label=label,
        help_text="Select all that apply.",
        choices=Concern.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select at least one concern"},
    )


# -- recording a contact ----------------------------------------------------------------------


class ContactDetailsForm(forms.Form):
    """Referrer, source, concerns, narrative, consent and immediate risk: everything a referral
    and information officer records or corrects (the channel and time received aside)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    referrer_name = forms.CharField(
        label="Referrer's name (optional)", max_length=120, required=False
    )
    referrer_role = forms.CharField(
        label="Role or job title (optional)", max_length=120, required=False
    )
    referrer_organisation = forms.CharField(
        label="Organisation (optional)", max_length=160, required=False
    )
    referrer_email = forms.EmailField(
        label="Email address (optional)",
        required=False,
        error_messages={
            "invalid": "Enter an email address in the correct format, like name@example.com"
        },
    )
    referrer_phone = forms.CharField(label="Phone number (optional)", max_length=40, required=False)
    referrer_relationship = forms.CharField(
        label="Relationship to the child (optional)", max_length=120, required=False
    )
    source = forms.ChoiceField(
        label="Referral source",
        help_text="The Children in Need census source of the contact.",
        choices=[("", "Select the referral source"), *ReferralSource.choices],
        error_messages={"required": "Select the referral source"},
    )
    concerns = _concerns_field()
    narrative = forms.CharField(
        label="What has happened, and why is the referrer worried?",
        widget=_textarea(8),
        error_messages={"required": "Enter what has happened and why the referrer is worried"},
    )
    consent_status = forms.ChoiceField(
        label="Consent",
        help_text="Has the family agreed to the contact and to information being shared?",
        choices=INTAKE_CONSENT,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether consent was given, refused or not sought"},
    )
    consent_reason = forms.CharField(
        label="Why was consent refused or not sought?",
        help_text="Required unless consent was given. For example: asking would put the child at "
        "risk of significant harm.",
        widget=_textarea(3),
        required=False,
    )
    immediate_risk = forms.BooleanField(
        label="A child is at immediate risk of significant harm",
        help_text="This puts the contact at the top of every queue and it must be rated Red.",
        required=False,
    )

    def clean(self):
        data = super().clean()
        status = data.get("consent_status")
        if status and status != ConsentStatus.GIVEN and not data.get("consent_reason", "").strip():
            self.add_error("consent_reason", "Enter why consent was refused or not sought")
        return data

    def referrer(self) -> Referrer:
        d = self.cleaned_data
        return Referrer(
            name=d["referrer_name"],
            role=d["referrer_role"],
            organisation=d["referrer_organisation"],
            email=d["referrer_email"],
            phone=d["referrer_phone"],
            relationship=d["referrer_relationship"],
        )

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        return {
            "source": d["source"],
            "narrative": d["narrative"],
            "concerns": d["concerns"],
            "consent_status": d["consent_status"],
            "consent_reason": d["consent_reason"],
            "immediate_risk": d["immediate_risk"],
            "referrer": self.referrer(),
        }


class ContactNewForm(ContactDetailsForm):
    """A contact received by phone, secure email, police notification or out of hours."""

    channel = forms.ChoiceField(
        label="How was the contact received?",
        choices=STAFF_CHANNELS,
        widget=forms.RadioSelect,
        error_messages={"required": "Select how the contact was received"},
    )
    received_date = GovukDateField(
        what="date received", label="Date received", help_text="For example, 27 3 2026"
    )
    received_time = GovukTimeField(
        label="Time received",
        help_text="Use the 24-hour clock, for example 14:30. This starts the clock.",
        error_messages={"required": "Enter the time received"},
    )

    field_order = ["channel", "received_date", "received_time"]

    def clean(self):
        data = super().clean()
        day, at = data.get("received_date"), data.get("received_time")
        if day and at:
            received = timezone.make_aware(datetime.combine(day, at))
            if received > timezone.now():
                self.add_error("received_date", "The date and time received must be in the past")
            else:
                data["received_at"] = received
        return data

    def service_kwargs(self) -> dict:
        return {
            **super().service_kwargs(),
            "channel": self.cleaned_data["channel"],
            "received_at": self.cleaned_data["received_at"],
        }


class PersonForm(forms.Form):
    id = forms.UUIDField(widget=forms.HiddenInput, required=False)
    role = forms.ChoiceField(
        label="Role",
        choices=[("", "Select a role"), *PersonRole.choices],
        error_messages={"required": "Select the person's role"},
    )
    forename = forms.CharField(label="First name", max_length=100, required=False)
    surname = forms.CharField(label="Last name", max_length=100, required=False)
    date_of_birth = GovukDateField(
        what="date of birth", label="Date of birth (optional)", required=False
    )
    expected_delivery_date = GovukDateField(
        what="expected date of delivery",
        label="Expected date of delivery (optional)",
        help_text="For an unborn child, instead of a date of birth.",
        required=False,
    )
    sex = forms.ChoiceField(
        label="Sex (optional)", choices=[("", "Not known"), *Sex.choices], required=False
    )
    address = forms.CharField(label="Address (optional)", max_length=250, required=False)
    postcode = forms.CharField(
        label="Postcode (optional)",
        max_length=10,
        required=False,
        widget=forms.TextInput(attrs={"class": "govuk-input--width-10"}),
    )
    relationship_to_child = forms.CharField(
        label="Relationship to the child (optional)",
        help_text="For example: mother, stepfather, sibling.",
        max_length=60,
        required=False,
    )

    def clean_postcode(self):
        value = self.cleaned_data.get("postcode", "").strip()
        return validate_postcode(value) if value else ""

    def clean(self):
        data = super().clean()
        if not (data.get("forename", "").strip() or data.get("surname", "").strip()):
            self.add_error("forename", "Enter the person's first name or last name")
        if data.get("date_of_birth") and data.get("expected_delivery_date"):
            self.add_error(
                "expected_delivery_date",
                "Enter a date of birth or an expected date of delivery, not both",
            )
        if data.get("date_of_birth") and data["date_of_birth"] > timezone.localdate():
            self.add_error("date_of_birth", "The date of birth must be in the past")
        return data

    def person_input(self) -> PersonInput:
        d = self.cleaned_data
        return PersonInput(
            id=d.get("id"),
            role=d["role"],
            forename=d.get("forename", ""),
            surname=d.get("surname", ""),
            date_of_birth=d.get("date_of_birth"),
            expected_delivery_date=d.get("expected_delivery_date"),
            sex=d.get("sex", ""),
            address=d.get("address", ""),
            postcode=d.get("postcode", ""),
            relationship_to_child=d.get("relationship_to_child", ""),
        )


class BasePersonFormSet(forms.BaseFormSet):
    """Children, parents, carers and household members. At least one subject child."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields:
            form.fields["DELETE"].label = "Remove this person from the contact"

    def clean(self):
        if any(self.errors):
            return
        people = [f for f in self.forms if f.cleaned_data and not self._should_delete_form(f)]
        if not any(f.cleaned_data.get("role") == PersonRole.SUBJECT_CHILD for f in people):
            raise ValidationError("Add at least one child the concern is about")

    def person_inputs(self) -> list[PersonInput]:
        return [
            f.person_input()
            for f in self.forms
            if f.cleaned_data and not self._should_delete_form(f)
        ]


PersonFormSet = forms.formset_factory(
    PersonForm, formset=BasePersonFormSet, extra=0, can_delete=True, max_num=30, absolute_max=30
)

PEOPLE_PREFIX = "people"


def person_formset(data=None, *, initial=None, add_one=False):
    """The people formset; ``add_one`` appends a blank person ("Add another person")."""
    if data is not None and add_one:
        data = data.copy()
        key = f"{PEOPLE_PREFIX}-TOTAL_FORMS"
        data[key] = str(int(data.get(key) or 0) + 1)
    if data is None and not initial:
        initial = [{"role": PersonRole.SUBJECT_CHILD}]
    return PersonFormSet(data, initial=initial, prefix=PEOPLE_PREFIX)


def person_initial(contact_people) -> list[dict]:
    return [
        {
            "id": p.pk,
            "role": p.role,
            "forename": p.forename,
            "surname": p.surname,
            "date_of_birth": p.date_of_birth,
            "expected_delivery_date": p.expected_delivery_date,
            "sex": p.sex,
            "address": p.address,
            "postcode": p.postcode,
            "relationship_to_child": p.relationship_to_child,
        }
        for p in contact_people
    ]


# -- screening --------------------------------------------------------------------------------


class ScreeningForm(forms.Form):
    """RAG, threshold, route and rationale; for a MASH enquiry, the agencies (suggested from
    the concerns) and the question for each; for a decision at screening, the receiving team."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select a RAG rating: Red, Amber or Green"},
    )
    threshold_level = forms.ChoiceField(
        label="Threshold level",
        choices=ThresholdLevel.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the threshold level"},
    )
    route = forms.ChoiceField(
        label="Route",
        choices=Route.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the route"},
    )
    rationale = forms.CharField(
        label="Rationale",
        help_text="Why this rating, level and route: what you weighed up.",
        widget=_textarea(5),
        error_messages={"required": "Enter the rationale for the screening decision"},
    )
    agencies = forms.MultipleChoiceField(
        label="Agencies to ask for information",
        help_text="Suggested from the concerns; change as needed.",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    receiving_team = forms.ChoiceField(
        label="Receiving team",
        help_text="For early help, assessment, strategy discussion or an open case.",
        required=False,
    )

    def __init__(
        self,
        *args,
        contact,
        agencies,
        teams,
        immediate_risk=False,
        default_question="",
        suggested=(),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.contact = contact
        self.immediate_risk = immediate_risk
        self.agency_list = list(agencies)
        self.fields["agencies"].choices = [(str(a.pk), a.name) for a in self.agency_list]
        self.fields["receiving_team"].choices = [("", "Select a team")] + [
            (str(t.pk), t.name) for t in teams
        ]
        self.teams = {str(t.pk): t for t in teams}
        if not self.is_bound:
            self.initial.setdefault(
                "agencies", [str(a.pk) for a in self.agency_list if a.code in suggested]
            )
            self.initial.setdefault("version", contact.version)
            if immediate_risk:
                self.initial.setdefault("rag", Rag.RED)
        for agency in self.agency_list:
            self.fields[f"question_{agency.pk}"] = forms.CharField(
                label=f"Question for {agency.name}",
                widget=_textarea(3),
                required=False,
                initial=default_question,
            )

    def agency_rows(self):
        """Each agency's checkbox state and its question field, for the template."""
        chosen = set(self["agencies"].value() or [])
        return [
            {"agency": a, "checked": str(a.pk) in chosen, "question": self[f"question_{a.pk}"]}
            for a in self.agency_list
        ]

    def clean(self):
        data = super().clean()
        if self.immediate_risk and data.get("rag") and data["rag"] != Rag.RED:
            self.add_error(
                "rag", "This contact is flagged as immediate risk, so it must be rated Red"
            )
        route = data.get("route")
        needs_team = (
            route
            and route != Route.MASH_ENQUIRY
            and self.hands_over(route, data.get("threshold_level", ""))
        )
        if needs_team and not data.get("receiving_team"):
            self.add_error("receiving_team", "Select the team to pass the child to")
        if route == Route.MASH_ENQUIRY:
            chosen = data.get("agencies") or []
            if not chosen:
                self.add_error(
                    "agencies", "Choose at least one agency to send an information request to"
                )
            for agency_id in chosen:
                if not (data.get(f"question_{agency_id}") or "").strip():
                    self.add_error(f"question_{agency_id}", "Enter the question for this agency")
        return data

    def service_kwargs(self) -> dict:
        d = self.cleaned_data
        kwargs = {
            "expected_version": d["version"],
            "rag": d["rag"],
            "threshold_level": d["threshold_level"],
            "route": d["route"],
            "rationale": d["rationale"],
        }
        if d["route"] == Route.MASH_ENQUIRY:
            kwargs["agency_ids"] = list(d["agencies"])
            kwargs["questions"] = {a: d[f"question_{a}"].strip() for a in d["agencies"]}
        elif self.hands_over(d["route"], d["threshold_level"]):
            kwargs["receiving_team"] = self.teams.get(d.get("receiving_team") or "")
        return kwargs

    @staticmethod
    def hands_over(route: str, threshold_level: str) -> bool:
        """Whether the outcome this route decides passes the child to a receiving team (a
        team chosen for any other route is ignored rather than refused)."""
        from openmash.decisions.codes import TEAM_REQUIRED_OUTCOMES, outcome_for_screening

        return outcome_for_screening(route, threshold_level) in TEAM_REQUIRED_OUTCOMES
