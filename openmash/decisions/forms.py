"""Input shape for the analysis and decision forms. The rules (who may, from which state,
when a receiving team is needed) live in ``services``; their errors come back onto these
forms' fields through the views."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from openmash.accounts.models import Team

from .codes import TEAM_REQUIRED_OUTCOMES, Outcome

_TEAM_HINT = "Needed for early help, assessment, strategy discussion and open case outcomes."


def _helper(*fields, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = True
    helper.form_method = "post"
    helper.layout = Layout(*fields, "version", Submit("submit", submit))
    return helper


def _outcome_choices():
    return [
        Choice(
            value,
            label,
            hint="Passes the child to a receiving team" if value in TEAM_REQUIRED_OUTCOMES else "",
        )
        for value, label in Outcome.choices
    ]


class VersionedForm(forms.Form):
    """Carries the contact's ``version`` the page was rendered with (hidden), so a change made
    meanwhile by someone else is a conflict rather than a silent overwrite."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean(self):
        cleaned = super().clean()
        if "version" in self.errors:
            # A hidden field's error would show nowhere: say it where the user looks.
            del self.errors["version"]
            self.add_error(None, "This page is out of date: reload it and enter your changes again")
        return cleaned


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        if obj.agency.is_childrens_social_care or obj.name == obj.agency.name:
            return obj.name
        return f"{obj.name} ({obj.agency})"


class AnalysisForm(VersionedForm):
    analysis = forms.CharField(
        label="Analysis of the information gathered",
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="What the information from each agency tells you about the risks to the "
        "child and the strengths of the family.",
        error_messages={"required": "Enter the analysis of the information gathered"},
    )
    recommendation = forms.ChoiceField(
        label="Recommended outcome",
        widget=forms.RadioSelect,
        error_messages={"required": "Select a recommended outcome"},
    )
    recommendation_rationale = forms.CharField(
        label="Why you recommend this outcome (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["recommendation"].choices = _outcome_choices()
        self.helper = _helper(
            Field.textarea("analysis", label_size=Size.MEDIUM, label_tag="h2", rows=10),
            Field.radios("recommendation", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("recommendation_rationale", rows=4),
            submit="Record analysis",
        )


class DecisionForm(VersionedForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        widget=forms.RadioSelect,
        error_messages={"required": "Select an outcome"},
    )
    rationale = forms.CharField(
        label="Rationale",
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Why this outcome meets the child's needs. It is recorded on the child's "
        "episode and included in the handover summary.",
        error_messages={"required": "Enter the rationale for the decision"},
    )
    receiving_team = TeamChoiceField(
        label="Receiving team",
        queryset=Team.objects.none(),
        required=False,
        empty_label="No receiving team",
        help_text=_TEAM_HINT,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["outcome"].choices = _outcome_choices()
        self.fields["receiving_team"].queryset = (
            Team.objects.filter(receives_handovers=True, active=True)
            .select_related("agency")
            .order_by("name")
        )
        self.helper = _helper(
            Field.radios("outcome", legend_size=Size.MEDIUM, legend_tag="h2", small=True),
            Field.textarea("rationale", label_size=Size.MEDIUM, label_tag="h2", rows=6),
            Field.select("receiving_team"),
            submit="Record decision",
        )
