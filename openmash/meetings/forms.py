"""Input shape for the meetings pages. The rules (who may chair, what an outcome needs, who
may cover) live in ``services.py``."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Layout, Size, Submit
from django import forms

from openmash.accounts.models import Agency
from openmash.contacts.forms import GovukDateField, GovukTimeField

from .codes import (
    OUTCOMES_BY_RULE,
    AbsenceReason,
    AgendaRule,
    AttendanceStatus,
    PartOfDay,
)
from .models import MeetingType


def _helper(*layout, form_tag: bool = False) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = form_tag
    helper.disable_csrf = True  # the template's <form> carries the token
    helper.layout = Layout(*layout)
    return helper


class VersionForm(forms.Form):
    """Start or close a meeting: only the version the page was rendered with."""

    version = forms.IntegerField(widget=forms.HiddenInput)


class ItemAddForm(forms.Form):
    reference = forms.CharField(
        label="Contact reference",
        max_length=20,
        help_text="For example, C26-000123",
        error_messages={"required": "Enter the contact reference, like C26-000123."},
    )
    reason = forms.CharField(
        label="Why it is on the agenda (optional)", max_length=300, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.text("reference", field_width=10),
            Field.text("reason"),
            Submit("add", "Add to the agenda", css_class="govuk-button--secondary"),
        )


class OutcomeForm(forms.Form):
    outcome_code = forms.ChoiceField(
        label="Outcome agreed",
        widget=forms.RadioSelect,
        error_messages={"required": "Select the outcome agreed."},
    )
    outcome = forms.CharField(
        label="What the meeting agreed",
        help_text="Who will do what, and by when. Partners see this for the children their "
        "agency was asked about.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Enter what the meeting agreed, and who will do what."},
    )
    early_help_considered = forms.BooleanField(
        label="Early help was considered for this child", required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, agenda_rule: str, **kwargs):
        super().__init__(*args, **kwargs)
        codes = OUTCOMES_BY_RULE[AgendaRule(agenda_rule)]
        self.fields["outcome_code"].choices = [(c.value, c.label) for c in codes]
        layout = [Field.radios("outcome_code", legend_size=Size.MEDIUM), Field.textarea("outcome")]
        if agenda_rule == AgendaRule.MASH_MEETING:
            layout.append(Field.checkbox("early_help_considered"))
        else:
            del self.fields["early_help_considered"]
        # The hidden version is written by the template from the item as it is now.
        self.helper = _helper(*layout, Submit("save", "Save outcome"))


class NotesForm(forms.Form):
    staffing_notes = forms.CharField(
        label="Staffing",
        help_text="Who is in, who is away, and cover arranged",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    capacity_notes = forms.CharField(
        label="Capacity",
        help_text="Whether there is capacity for today's tasks and incoming contacts",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.textarea("staffing_notes"),
            Field.textarea("capacity_notes"),
            Submit("save_notes", "Save staffing and capacity", css_class="govuk-button--secondary"),
        )


class _StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        name = obj.get_full_name() or obj.username
        return f"{name} ({obj.agency.name})" if obj.agency_id else name


class AttendanceForm(forms.Form):
    agency = forms.ModelChoiceField(
        label="Agency",
        queryset=Agency.objects.filter(active=True).order_by("name"),
        empty_label="Select the agency",
        error_messages={"required": "Select the agency they attended for."},
    )
    attendee = _StaffChoiceField(
        label="Member of staff",
        queryset=None,
        required=False,
        empty_label="Not listed – enter their name below",
    )
    attendee_name = forms.CharField(
        label="Name, if they are not listed", max_length=120, required=False
    )
    role = forms.CharField(label="Role (optional)", max_length=120, required=False)
    status = forms.ChoiceField(
        label="Attendance",
        choices=AttendanceStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether they were present or sent apologies."},
    )

    def __init__(self, *args, staff, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["attendee"].queryset = staff
        self.helper = _helper(
            Field.select("agency"),
            Field.select("attendee"),
            Field.text("attendee_name", field_width=20),
            Field.text("role", field_width=20),
            Field.radios("status", legend_size=Size.SMALL, inline=True, small=True),
            Submit("record_attendance", "Record attendance", css_class="govuk-button--secondary"),
        )

    def clean(self):
        data = super().clean()
        if not data.get("attendee") and not (data.get("attendee_name") or "").strip():
            self.add_error("attendee", "Select the member of staff, or enter their name.")
        return data


class MeetingArrangeForm(forms.Form):
    meeting_type = forms.ModelChoiceField(
        label="Meeting",
        queryset=MeetingType.objects.all(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": "Select the meeting."},
    )
    day = GovukDateField(
        what="date of the meeting", label="Date", help_text="For example, 27 3 2026"
    )
    starts_at = GovukTimeField(
        label="Start time",
        help_text="In the 24-hour clock, for example 10:00",
        error_messages={"required": "Enter the start time, like 10:00."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper(
            Field.radios("meeting_type", legend_size=Size.MEDIUM),
            "day",
            "starts_at",
            Submit("arrange", "Arrange the meeting"),
        )


class UnavailabilityForm(forms.Form):
    starts_on = GovukDateField(
        what="first day away", label="First day away", help_text="For example, 27 3 2026"
    )
    ends_on = GovukDateField(
        what="last day away",
        label="Last day away",
        help_text="The same as the first day if you are away for one day or part of one day",
    )
    part_of_day = forms.ChoiceField(
        label="Are you away all day?",
        choices=PartOfDay.choices,
        initial=PartOfDay.ALL_DAY,
        widget=forms.RadioSelect,
        error_messages={"required": "Select whether you are away all day or part of the day."},
    )
    reason = forms.ChoiceField(
        label="Reason",
        help_text="Choose a category only. Do not record health or personal details.",
        choices=AbsenceReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the reason."},
    )
    cover = forms.ModelChoiceField(
        label="Who covers for you?",
        help_text="A colleague from your own agency. Leave empty if nobody can: the MASH will "
        "see that your agency has nobody available.",
        queryset=None,
        required=False,
        empty_label="Nobody is covering",
    )

    def __init__(self, *args, colleagues, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cover"].queryset = colleagues
        self.fields["cover"].label_from_instance = lambda u: u.get_full_name() or u.username
        self.helper = _helper(
            "starts_on",
            "ends_on",
            Field.radios("part_of_day", legend_size=Size.SMALL, inline=True),
            Field.radios("reason", legend_size=Size.SMALL),
            Field.select("cover"),
            Submit("record", "Record time away"),
        )
