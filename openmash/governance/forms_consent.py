"""Input shape for consent, consent overrides and "do not inform" decisions. The rules (who
may, what each position needs) live in ``services_consent``; their errors come back onto these
forms' fields through the views."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Button, Field, Fieldset, Layout, Size, Submit
from django import forms

from openmash.accounts.models import Agency
from openmash.contacts.codes import ConsentStatus

from .models import NotInformGround, OverrideGround

_STATUS_HINTS = {
    ConsentStatus.GIVEN: "They agreed to their information being gathered and shared",
    ConsentStatus.REFUSED: "They were asked and said no",
    ConsentStatus.NOT_SOUGHT: "Say why below, for example asking would put the child at risk",
    ConsentStatus.WITHDRAWN: "They had agreed and have now said no",
}


def _helper(*fields, submit, form_tag: bool = True) -> FormHelper:
    """A POST form; with ``form_tag=False`` the template writes the <form> (and the token)."""
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.disable_csrf = not form_tag
    helper.form_method = "post"
    helper.attrs = {"novalidate": ""}
    button = Submit("submit", submit) if isinstance(submit, str) else submit
    helper.layout = Layout(*fields, button)
    return helper


class ContactPersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        role = obj.get_role_display()
        extra = f", {obj.relationship_to_child}" if obj.relationship_to_child else ""
        return f"{obj.forename} {obj.surname} ({role.lower()}{extra})"


class ConsentRecordForm(forms.Form):
    contact_person = ContactPersonChoiceField(
        label="Whose consent is this?",
        queryset=None,
        required=False,
        empty_label="The family as a whole",
        help_text="A parent or carer, or a child old enough to decide for themselves.",
    )
    status = forms.ChoiceField(
        label="Consent position",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the consent position"},
    )
    reason = forms.CharField(
        label="Reason or note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required if consent was not sought. For a refusal or withdrawal, what they "
        "said and when.",
    )
    told_purpose = forms.CharField(
        label="Why information is gathered and how it will be used",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    told_recipients = forms.CharField(
        label="Who it may be shared with, and how",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    told_retention = forms.CharField(
        label="How long it will be kept, and in what form",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    told_can_withdraw = forms.BooleanField(
        label="They were told they can withdraw consent at any time", required=False
    )
    told_may_share_without_consent = forms.BooleanField(
        label="They were told when information may be shared without consent", required=False
    )

    def __init__(self, *args, people=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact_person"].queryset = people
        self.fields["status"].choices = [
            Choice(value, label, hint=_STATUS_HINTS[value])
            for value, label in ConsentStatus.choices
        ]
        self.helper = _helper(
            Field.select("contact_person"),
            Field.radios("status", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("reason", rows=3),
            Fieldset(
                Field.textarea("told_purpose", rows=2),
                Field.textarea("told_recipients", rows=2),
                Field.textarea("told_retention", rows=2),
                Field.checkbox("told_can_withdraw", small=True),
                Field.checkbox("told_may_share_without_consent", small=True),
                legend="What they were told",
                legend_size=Size.MEDIUM,
                legend_tag="h2",
            ),
            submit="Record consent position",
        )

    def clean(self):
        data = super().clean()
        if data.get("status") == ConsentStatus.NOT_SOUGHT and not data.get("reason", "").strip():
            self.add_error("reason", "Enter why consent was not sought")
        return data


class OverrideProposeForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="Agency that owns the information",
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        help_text="A MASH representative of this agency must agree before requests go to it.",
        error_messages={"required": "Select the agency whose information would be shared"},
    )
    ground = forms.ChoiceField(
        label="Ground for sharing without consent",
        widget=forms.RadioSelect,
        choices=OverrideGround.choices,
        error_messages={"required": "Select the ground for overriding consent"},
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Why sharing is necessary and proportionate, and why the public interest "
        "outweighs confidentiality. It is shown on the contact record.",
        error_messages={"required": "Enter the rationale for overriding consent"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = Agency.objects.filter(
            active=True, receives_information_requests=True, is_childrens_social_care=False
        ).order_by("name")
        self.helper = _helper(
            Field.select("agency"),
            Field.radios("ground", legend_size=Size.SMALL, small=True),
            Field.textarea("rationale", rows=5),
            submit="Propose the override",
        )


class OverrideDecideForm(forms.Form):
    DECISIONS = [
        ("agree", "Yes, my agency agrees to share without consent"),
        ("decline", "No, my agency does not agree"),
    ]
    decision = forms.ChoiceField(
        label="Does your agency agree?",
        widget=forms.RadioSelect,
        choices=DECISIONS,
        error_messages={"required": "Select whether your agency agrees"},
    )
    note = forms.CharField(
        label="Note",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required if your agency does not agree: say why.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("decision", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("note", rows=3),
            "version",
            submit="Record your agency's answer",
            form_tag=False,
        )

    def clean(self):
        data = super().clean()
        if data.get("decision") == "decline" and not data.get("note", "").strip():
            self.add_error("note", "Enter why your agency does not agree")
        return data


class OverrideCancelForm(forms.Form):
    note = forms.CharField(
        label="Why is the proposal withdrawn?",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Enter why the proposal is withdrawn"},
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("note", rows=2),
            "version",
            submit=Button.secondary("submit", "Withdraw the proposal"),
            form_tag=False,
        )


class NotInformForm(forms.Form):
    ground = forms.ChoiceField(
        label="Why will the child or family not be told?",
        widget=forms.RadioSelect,
        choices=NotInformGround.choices,
        error_messages={"required": "Select why the child or family will not be told"},
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the rationale for not telling them"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("ground", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("rationale", rows=4),
            submit="Record the decision",
        )
