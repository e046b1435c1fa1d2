"""Input shape for restricted records and break-glass access; the rules live in
``services_restricted``."""

from uuid import UUID

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Layout, Size, Submit
from django import forms
from django.utils.http import url_has_allowed_host_and_scheme

from openmash.accounts.models import User
from openmash.accounts.roles import ROLE_CAPABILITIES, Capability


def _helper(*fields, submit, form_tag: bool = True) -> FormHelper:
    """A POST form helper; ``submit`` is the button's text, or a ready-made button."""
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.disable_csrf = not form_tag
    helper.form_method = "post"
    helper.attrs = {"novalidate": ""}
    button = Submit("submit", submit) if isinstance(submit, str) else submit
    helper.layout = Layout(*fields, button)
    return helper


class StaffChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.username
        return f"{name} – {obj.job_title}" if obj.job_title else name


def readers_of_contacts():
    """Active staff who can read contacts: the only people worth naming on a record."""
    roles = [code for code, caps in ROLE_CAPABILITIES.items() if Capability.CONTACT_VIEW in caps]
    return (
        User.objects.filter(is_active=True, roles__code__in=roles)
        .distinct()
        .order_by("last_name", "first_name", "username")
    )


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label="Why do you need to open this record?",
        help_text="Your reason is recorded, shown to the data protection officer and kept with "
        "every page of this record you open in the next hour.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=1000,
        error_messages={"required": "Enter why you need to open this restricted record"},
    )
    next = forms.CharField(widget=forms.HiddenInput)
    people = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("reason", label_size=Size.MEDIUM, label_tag="h2", rows=4),
            "next",
            "people",
            submit="Give reason and open the record",
            form_tag=False,
        )

    def clean_next(self):
        value = self.cleaned_data["next"]
        if not value.startswith("/") or not url_has_allowed_host_and_scheme(
            value, allowed_hosts=None
        ):
            raise forms.ValidationError("The page to open is not valid")
        return value

    def clean_people(self):
        try:
            return [UUID(v) for v in self.cleaned_data["people"].split(",") if v]
        except ValueError as error:
            raise forms.ValidationError("The record to open is not valid") from error


class RestrictForm(forms.Form):
    local_id = forms.CharField(
        label="Local person ID",
        max_length=20,
        help_text="As shown on the person's record, for example P0001234",
        error_messages={"required": "Enter the local person ID"},
    )
    reason = forms.CharField(
        label="Why is this record restricted?",
        help_text="For example: the child is a relative of a member of MASH staff.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why this record is restricted"},
    )
    named_users = StaffChoiceField(
        label="Who may open it without giving a reason?",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Everyone else with access to contacts must give a reason, which is reported "
        "to the data protection officer.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["named_users"].queryset = readers_of_contacts()
        self.helper = _helper(
            Field.text("local_id", field_width=10),
            Field.textarea("reason", rows=3),
            Field.checkboxes("named_users", legend_size=Size.SMALL, small=True),
            submit="Restrict the record",
        )


class GrantForm(forms.Form):
    user = forms.ModelChoiceField(
        label="Name a user",
        queryset=User.objects.none(),
        error_messages={"required": "Select the user to name on this record"},
    )

    def __init__(self, *args, exclude=(), **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["user"]
        field.queryset = readers_of_contacts().exclude(pk__in=list(exclude))
        field.label_from_instance = lambda u: u.get_full_name() or u.username
        self.helper = _helper(Field.select("user"), submit="Name this user", form_tag=False)


class LiftForm(forms.Form):
    lift_reason = forms.CharField(
        label="Why is the restriction lifted?",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Enter why the restriction is lifted"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("lift_reason", rows=3),
            submit=Button.warning("submit", "Lift the restriction"),
            form_tag=False,
        )
