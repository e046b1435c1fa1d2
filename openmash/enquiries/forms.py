"""Input shape for the enquiries pages. The rules (what each outcome needs, who may answer)
are in ``services.py`` so the API and commands obey them too."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from .models import ResponseOutcome


class InformationRequestResponseForm(forms.Form):
    outcome = forms.ChoiceField(
        label="Are the people named known to your agency?",
        choices=ResponseOutcome.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Select whether the people are known to your agency, not known, or a "
            "nil return."
        },
    )
    summary = forms.CharField(
        label="Summary of what your agency holds",
        help_text="For a nil return, say why your agency is not sharing anything.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    risk_factors = forms.CharField(
        label="Risk factors", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    protective_factors = forms.CharField(
        label="Protective factors", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    systems_searched = forms.CharField(
        label="Systems searched",
        help_text="For example the police national computer, GP record, school attendance.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    proportionality_note = forms.CharField(
        label="Why what you share is necessary, proportionate and relevant",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.radios("outcome", legend_size=Size.MEDIUM),
            Field.textarea("summary"),
            Field.textarea("risk_factors"),
            Field.textarea("protective_factors"),
            Field.textarea("systems_searched"),
            Field.textarea("proportionality_note"),
            "version",
            Submit("submit", "Send response to the MASH"),
        )


class EnquiryProceedForm(forms.Form):
    """A practice manager proceeds to analysis without the outstanding responses."""

    reason = forms.CharField(
        label="Why go ahead without the outstanding responses?",
        help_text="For example: the agency was chased at 14:00 and cannot respond in time.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Enter why the enquiry should go ahead without the outstanding responses."
        },
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Field.textarea("reason"),
            "version",
            Submit("submit", "Go ahead to analysis", css_class="govuk-button--warning"),
        )
