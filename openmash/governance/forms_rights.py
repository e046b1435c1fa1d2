"""Input shape for the data subject rights pages. The rules (deadlines, what may change when,
erasure's lawfulness) live in ``services_rights``; their errors come back onto these forms."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms
from django.utils import timezone

from openmash.contacts.forms import GovukDateField

from .models import (
    ProcessingRestrictionGround,
    RightsRequestKind,
    RightsRequestStatus,
)

_KIND_HINTS = {
    RightsRequestKind.ACCESS: "A copy of everything held about them (UK GDPR Art 15)",
    RightsRequestKind.RECTIFICATION: "Correct or complete inaccurate information (Art 16)",
    RightsRequestKind.ERASURE: "Delete their information (Art 17)",
    RightsRequestKind.RESTRICTION: "Keep their information but stop using it (Art 18)",
    RightsRequestKind.OBJECTION: "Stop processing their information (Art 21)",
}


def _helper(*fields, submit: str, form_tag: bool = True) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.disable_csrf = not form_tag
    helper.form_method = "post"
    helper.attrs = {"novalidate": ""}
    helper.layout = Layout(*fields, Submit("submit", submit))
    return helper


class VersionedForm(forms.Form):
    """Carries the record's ``version`` the page was rendered with, so a change made meanwhile
    is a conflict rather than a silent overwrite."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:
            del self.errors["version"]
            self.add_error(None, "This page is out of date: reload it and enter your changes again")
        return cleaned


class RightsRequestForm(forms.Form):
    kind = forms.ChoiceField(
        label="Which right are they exercising?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select which right they are exercising"},
    )
    requester_name = forms.CharField(
        label="Name of the person making the request",
        max_length=120,
        error_messages={"required": "Enter the name of the person making the request"},
    )
    requester_relationship = forms.CharField(
        label="Who are they to the person the information is about?",
        max_length=120,
        help_text="For example: the person themselves, their mother, their solicitor",
        error_messages={"required": "Enter who they are to the person"},
    )
    requester_contact = forms.CharField(
        label="Where to send the response (optional)",
        required=False,
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="An email or postal address",
    )
    received_on = GovukDateField(
        what="date the request was received",
        label="When was the request received?",
        help_text="The one-month deadline runs from this date. For example, 27 3 2026",
    )
    description = forms.CharField(
        label="What have they asked for? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            Choice(value, label, hint=_KIND_HINTS[value])
            for value, label in RightsRequestKind.choices
        ]
        self.fields["requester_name"].widget.attrs.update({"spellcheck": "false"})
        self.helper = _helper(
            Field.radios("kind", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.text("requester_name", field_width=20),
            Field.text("requester_relationship", field_width=20),
            Field.textarea("requester_contact"),
            Field("received_on"),
            Field.textarea("description"),
            submit="Register the request",
        )

    def clean_received_on(self):
        received = self.cleaned_data.get("received_on")
        if received and received > timezone.localdate():
            raise forms.ValidationError("The date received must be today or in the past")
        return received


class StatusForm(VersionedForm):
    status = forms.ChoiceField(
        label="What is the request's status now?",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the new status"},
    )
    note = forms.CharField(
        label="How it was answered, or why it is refused",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to refuse, for example: an exemption applies, or the request is "
        "manifestly unfounded",
    )

    def __init__(self, *args, allowed=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            (value, label) for value, label in RightsRequestStatus.choices if value in allowed
        ]
        self.helper = _helper(
            Field.radios("status", legend_size=Size.SMALL, small=True),
            Field.textarea("note"),
            "version",
            submit="Update the status",
        )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("status") == RightsRequestStatus.REFUSED
            and not cleaned.get("note", "").strip()
        ):
            self.add_error("note", "Enter why the request is refused")
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(
        label="Add to the action log",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: identity checked, extension agreed, called the requester",
        error_messages={"required": "Enter what was done"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("note"), submit="Add to the log")


class _ItemForm(VersionedForm):
    item = forms.ChoiceField(widget=forms.RadioSelect)

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [
            Choice(item.key, item.full_label, hint=_short(item.value) or "Empty") for item in items
        ]


def _short(value: str, limit: int = 160) -> str:
    value = " ".join(value.split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


class RectificationForm(_ItemForm):
    new_value = forms.CharField(
        label="The correct value",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Dates like 27/03/2019. The record's history keeps the old value.",
    )
    reason = forms.CharField(
        label="Why was it wrong?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter why the detail was wrong"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].label = "Which detail is wrong?"
        self.fields["item"].error_messages["required"] = "Select the detail to correct"
        self.helper = _helper(
            Field.radios("item", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("new_value"),
            Field.textarea("reason"),
            "version",
            submit="Correct it and tell the recipients",
        )


class OpinionForm(_ItemForm):
    note = forms.CharField(
        label="Why is the opinion incorrect?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: it was based on a police record about another family",
        error_messages={"required": "Enter why the opinion is incorrect"},
    )
    delete = forms.BooleanField(
        label="Delete the opinion instead of keeping it flagged",
        required=False,
        help_text="Only if keeping it, even marked incorrect, would harm the person",
    )
    deletion_reason = forms.CharField(
        label="Why must it be deleted? (if deleting)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].label = "Which opinion is incorrect?"
        self.fields["item"].error_messages["required"] = "Select the opinion"
        self.helper = _helper(
            Field.radios("item", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("note"),
            Field.checkbox("delete"),
            Field.textarea("deletion_reason"),
            "version",
            submit="Mark it incorrect and tell the recipients",
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("delete") and not cleaned.get("deletion_reason", "").strip():
            self.add_error("deletion_reason", "Enter why the opinion must be deleted")
        return cleaned


class ErasureForm(VersionedForm):
    decision = forms.ChoiceField(
        label="Your decision",
        widget=forms.RadioSelect,
        choices=[
            Choice("refuse", "Refuse erasure", hint="The request is closed as refused"),
            Choice(
                "erase",
                "Erase the person's identifying details",
                hint="Their details on the person record and on every contact are removed; "
                "their other names, addresses and family links are deleted",
            ),
        ],
        error_messages={"required": "Select your decision"},
    )
    rationale = forms.CharField(
        label="The reasons for your decision",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Required to refuse, and to erase records the retention schedule still keeps",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("decision", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("rationale"),
            "version",
            submit="Record the decision",
        )


class RestrictionForm(VersionedForm):
    ground = forms.ChoiceField(
        label="Why is processing restricted?",
        widget=forms.RadioSelect,
        choices=ProcessingRestrictionGround.choices,
        error_messages={"required": "Select the ground for the restriction"},
    )
    note = forms.CharField(
        label="Note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("ground", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("note"),
            "version",
            submit="Restrict processing and tell the recipients",
        )


class LiftRestrictionForm(forms.Form):
    lift_note = forms.CharField(
        label="Why is the restriction lifted?",
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Tell the person before lifting it (UK GDPR Art 18(3))",
        error_messages={"required": "Enter why the restriction is lifted"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(Field.textarea("lift_note"), submit="Lift the restriction")
