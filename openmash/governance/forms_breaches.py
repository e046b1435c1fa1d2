"""Input shape for the breach register; the rules (the 72-hour clock, decisions recorded once,
closure) are in ``services_breaches``."""

from datetime import datetime

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.utils import timezone

from openmash.accounts.models import Agency
from openmash.contacts.forms import GovukDateField, GovukTimeField

from .models import BreachDataCategory


def _helper(*fields, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = False  # the page writes the <form> with the action name and the token
    helper.disable_csrf = True
    helper.layout = Layout(*fields, Submit("submit", submit))
    return helper


def _when(form, date_field: str, time_field: str, *, required: bool):
    """Combine a GOV.UK date and a time into an aware datetime, in the past."""
    day, at = form.cleaned_data.get(date_field), form.cleaned_data.get(time_field)
    if day is None and at is None and not required:
        return None
    if day is None or at is None:
        if day is not None:
            form.add_error(time_field, "Enter the time, like 14:30")
        return None
    moment = timezone.make_aware(datetime.combine(day, at))
    if moment > timezone.now():
        form.add_error(date_field, "The date and time must be in the past")
        return None
    return moment


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:
            del self.errors["version"]
            self.add_error(None, "This page is out of date: reload it and enter your changes again")
        return cleaned


class AgencyChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class BreachForm(forms.Form):
    discovered_date = GovukDateField(
        what="date it was discovered",
        label="When was the breach discovered?",
        help_text="The 72 hours for the decision on reporting to the ICO run from then. "
        "For example, 27 3 2026",
        required=True,
    )
    discovered_time = GovukTimeField(
        label="Time discovered",
        help_text="In the 24-hour clock, like 14:30",
        error_messages={"required": "Enter the time it was discovered"},
    )
    description = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What was lost, sent to the wrong place or seen by the wrong people, and how",
        error_messages={"required": "Describe what happened"},
    )
    agencies = AgencyChoices(
        label="Agencies involved",
        queryset=Agency.objects.filter(active=True).order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    lead_agency = forms.ModelChoiceField(
        label="Lead agency",
        queryset=Agency.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label="Not agreed yet",
        help_text="The agencies involved decide who leads on the breach",
    )
    data_categories = forms.MultipleChoiceField(
        label="Kinds of personal data involved",
        choices=BreachDataCategory.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Select the kinds of personal data involved"},
    )
    people_affected = forms.IntegerField(
        label="How many people are affected? (optional)",
        min_value=0,
        required=False,
        help_text="Leave empty if not known yet",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people_affected"].widget.attrs.update({"inputmode": "numeric"})
        self.helper = _helper(
            Field("discovered_date"),
            Field.text("discovered_time", field_width=5),
            Field.textarea("description"),
            Field.checkboxes("agencies", legend_size=Size.SMALL, small=True),
            Field.select("lead_agency"),
            Field.checkboxes("data_categories", legend_size=Size.SMALL, small=True),
            Field.text("people_affected", field_width=4),
            submit="Record the breach",
        )

    def clean(self):
        cleaned = super().clean()
        cleaned["discovered_at"] = _when(self, "discovered_date", "discovered_time", required=True)
        return cleaned


class BreachDetailsForm(VersionedForm, BreachForm):
    """Correcting what is known; the discovery time (and so the clock) stays."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["discovered_date"]
        del self.fields["discovered_time"]
        self.helper = _helper(
            Field.textarea("description"),
            Field.checkboxes("agencies", legend_size=Size.SMALL, small=True),
            Field.select("lead_agency"),
            Field.checkboxes("data_categories", legend_size=Size.SMALL, small=True),
            Field.text("people_affected", field_width=4),
            "version",
            submit="Save the details",
        )

    def clean(self):
        return VersionedForm.clean(self)


_YES_NO = [("yes", "Yes"), ("no", "No")]


class IcoDecisionForm(VersionedForm):
    report = forms.ChoiceField(
        label="Report it to the Information Commissioner's Office?",
        widget=forms.RadioSelect,
        choices=[
            Choice("yes", "Yes", hint="It is likely to result in a risk to people's rights"),
            Choice("no", "No", hint="It is unlikely to result in a risk to people's rights"),
        ],
        error_messages={"required": "Select whether to report it to the ICO"},
    )
    ico_reason = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reasons for the decision"},
    )
    ico_delay_reason = forms.CharField(
        label="Reasons for the delay (if after the 72 hours)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    reported_date = GovukDateField(
        what="date it was reported", label="Reported to the ICO on (optional)", required=False
    )
    reported_time = GovukTimeField(label="Time reported (optional)", required=False)
    ico_reference = forms.CharField(label="ICO reference (optional)", required=False, max_length=60)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("report", legend_size=Size.SMALL, small=True),
            Field.textarea("ico_reason"),
            Field.textarea("ico_delay_reason"),
            Field("reported_date"),
            Field.text("reported_time", field_width=5),
            Field.text("ico_reference", field_width=10),
            "version",
            submit="Record the ICO decision",
        )

    def clean(self):
        cleaned = super().clean()
        cleaned["reported_at"] = _when(self, "reported_date", "reported_time", required=False)
        return cleaned


class IndividualsDecisionForm(VersionedForm):
    inform = forms.ChoiceField(
        label="Tell the people affected?",
        widget=forms.RadioSelect,
        choices=[
            Choice("yes", "Yes", hint="It is likely to result in a high risk to them"),
            Choice("no", "No"),
        ],
        error_messages={"required": "Select whether to tell the people affected"},
    )
    individuals_reason = forms.CharField(
        label="Reasons for the decision",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter the reasons for the decision"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("inform", legend_size=Size.SMALL, small=True),
            Field.textarea("individuals_reason"),
            "version",
            submit="Record the decision",
        )


class BreachActionForm(forms.Form):
    what = forms.CharField(
        label="What was done?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: the email recalled, the recipient confirmed deletion, the "
        "other agencies told",
        error_messages={"required": "Enter what was done"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("what"), submit="Add the action")


class BreachCloseForm(VersionedForm):
    note = forms.CharField(
        label="What has been done to stop it happening again?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter what has been done to stop it happening again"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), "version", submit="Close the breach")
