"""Input shape for the staff, agency and team pages. Rules live in ``services``; the services'
errors are attached back to these forms' fields by the views."""

from crispy_forms_gds.choices import Choice
from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.validators import RegexValidator

from . import selectors
from .models import Agency, Role, Team

CODE_HELP = (
    "Letters, numbers and underscores, for example {example}. It cannot be changed after "
    "the {what} is created, because other records and partner systems refer to it."
)
code_validator = RegexValidator(
    r"^[A-Za-z0-9_]+$", "Enter a code using only letters, numbers and underscores"
)


def _helper(*fields, submit: str) -> FormHelper:
    helper = FormHelper()
    helper.form_tag = True
    helper.form_method = "post"
    helper.layout = Layout(*fields, Submit("submit", submit))
    return helper


class TeamChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.agency.name})"


class StaffUserForm(forms.Form):
    """Create or edit a staff account. ``password`` only exists when creating."""

    first_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter the user's first name"}
    )
    last_name = forms.CharField(
        max_length=150, error_messages={"required": "Enter the user's last name"}
    )
    username = forms.CharField(
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Used to sign in. Letters, numbers and @ . + - _ only.",
        error_messages={"required": "Enter a username"},
    )
    email = forms.EmailField(
        label="Email address",
        help_text="A work address: notifications about handovers and deadlines go here.",
        error_messages={
            "required": "Enter an email address",
            "invalid": "Enter an email address in the correct format, like name@example.org",
        },
    )
    phone = forms.CharField(label="Phone number (optional)", max_length=40, required=False)
    job_title = forms.CharField(label="Job title (optional)", max_length=120, required=False)
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        help_text="The agency decides which records the user can see.",
        error_messages={"required": "Select the user's agency"},
    )
    team = TeamChoiceField(
        queryset=Team.objects.none(),
        required=False,
        empty_label="No team",
        label="Team (optional)",
        help_text="The team must belong to the user's agency.",
    )
    roles = forms.MultipleChoiceField(
        widget=forms.CheckboxSelectMultiple,
        help_text="Select all that apply. Each role lists what it allows.",
        error_messages={"required": "Select at least one role"},
    )
    password = forms.CharField(
        label="Initial password (optional)",
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=(
            "Leave blank to generate a one-time password, shown to you once after saving. "
            "At least 12 characters, not a common password and not only numbers."
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        self.editing = user is not None
        if self.editing and "initial" not in kwargs:
            kwargs["initial"] = {
                "first_name": user.first_name,
                "last_name": user.last_name,
                "username": user.username,
                "email": user.email,
                "phone": user.phone,
                "job_title": user.job_title,
                "agency": user.agency_id,
                "team": user.team_id,
                "roles": [r.code for r in user.roles.all()],
            }
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = selectors.agencies_for_choice(
            user.agency if self.editing else None
        )
        self.fields["team"].queryset = selectors.teams_for_choice(
            user.team if self.editing else None
        )
        self.fields["roles"].choices = [
            Choice(code, name, hint=hint) for code, name, hint in selectors.role_choices()
        ]
        names = ["first_name", "last_name", "username", "email", "phone", "job_title"]
        if self.editing:
            del self.fields["password"]
        self.helper = _helper(
            *[Field.text(n, field_width=Fluid.TWO_THIRDS) for n in names],
            Field.select("agency"),
            Field.select("team"),
            Field.checkboxes("roles", legend_size=Size.MEDIUM, small=True),
            *([] if self.editing else [Field.text("password", field_width=Fluid.ONE_HALF)]),
            submit="Save changes" if self.editing else "Create user",
        )

    def clean_roles(self):
        codes = self.cleaned_data["roles"]
        return list(Role.objects.filter(code__in=codes))

    def service_kwargs(self) -> dict:
        data = dict(self.cleaned_data)
        if not self.editing:
            data["password"] = data.get("password") or None
        return data


class UserFilterForm(forms.Form):
    """The user list's filters and sort order, read from the query string. Invalid values
    fall back to the defaults rather than failing the page."""

    q = forms.CharField(label="Name, username or email", required=False, max_length=100)
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.order_by("name"), required=False, empty_label="All agencies"
    )
    role = forms.ChoiceField(required=False)
    status = forms.ChoiceField(
        label="Account",
        required=False,
        choices=[("active", "Active"), ("inactive", "Deactivated"), ("all", "All")],
    )
    sort = forms.ChoiceField(
        required=False, choices=[(k, k) for k in selectors.USER_SORTS], widget=forms.HiddenInput
    )
    dir = forms.ChoiceField(
        required=False, choices=[("asc", "asc"), ("desc", "desc")], widget=forms.HiddenInput
    )

    DEFAULTS = {"q": "", "agency": None, "role": "", "status": "active", "sort": "name"}

    def __init__(self, data, *args, **kwargs):
        super().__init__(data, *args, initial={"status": "active"}, **kwargs)
        self.fields["role"].choices = [("", "All roles"), *Role.objects.values_list("code", "name")]

    def filters(self) -> dict:
        values = dict(self.DEFAULTS)
        descending = False
        if self.is_bound:
            self.is_valid()  # fills cleaned_data with the fields that are valid
            for key in values:
                if self.cleaned_data.get(key):
                    values[key] = self.cleaned_data[key]
            descending = self.cleaned_data.get("dir") == "desc"
        values["descending"] = descending
        return values


class AgencyForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        validators=[code_validator],
        help_text=CODE_HELP.format(example="POLICE", what="agency"),
        error_messages={"required": "Enter a code for the agency"},
    )
    name = forms.CharField(max_length=120, error_messages={"required": "Enter the agency's name"})
    kind = forms.ChoiceField(
        label="Type of partner",
        choices=Agency.Kind.choices,
        widget=forms.RadioSelect,
        help_text="Core partners are part of the MASH; virtual partners are consulted remotely.",
        error_messages={"required": "Select whether the agency is a core or virtual partner"},
    )
    co_located = forms.BooleanField(label="Works in the MASH office (co-located)", required=False)
    location = forms.CharField(label="Location (optional)", max_length=200, required=False)
    summary = forms.CharField(
        label="Summary (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="What the agency checks and how it works with the MASH.",
    )
    receives_information_requests = forms.BooleanField(
        label="Receives MASH information requests", required=False
    )
    active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Inactive agencies cannot be chosen for new users, teams or requests.",
    )

    def __init__(self, *args, agency=None, **kwargs):
        self.editing = agency is not None
        if self.editing and "initial" not in kwargs:
            kwargs["initial"] = {
                f: getattr(agency, f)
                for f in ("name", "kind", "co_located", "location", "summary", "active")
            } | {"receives_information_requests": agency.receives_information_requests}
        elif "initial" not in kwargs:
            kwargs["initial"] = {"receives_information_requests": True}
        super().__init__(*args, **kwargs)
        if self.editing:
            del self.fields["code"]
        else:
            del self.fields["active"]
        self.helper = _helper(
            *([] if self.editing else [Field.text("code", field_width=Fluid.ONE_THIRD)]),
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.radios("kind", legend_size=Size.SMALL),
            Field.checkbox("co_located"),
            Field.text("location", field_width=Fluid.TWO_THIRDS),
            Field.textarea("summary"),
            Field.checkbox("receives_information_requests"),
            *([Field.checkbox("active")] if self.editing else []),
            submit="Save changes" if self.editing else "Create agency",
        )


class TeamForm(forms.Form):
    code = forms.CharField(
        max_length=40,
        validators=[code_validator],
        help_text=CODE_HELP.format(example="ASSESSMENT", what="team"),
        error_messages={"required": "Enter a code for the team"},
    )
    name = forms.CharField(max_length=120, error_messages={"required": "Enter the team's name"})
    agency = forms.ModelChoiceField(
        queryset=Agency.objects.none(),
        empty_label="Select an agency",
        error_messages={"required": "Select the agency the team belongs to"},
    )
    description = forms.CharField(label="Description (optional)", max_length=300, required=False)
    email = forms.EmailField(
        label="Team inbox (optional)",
        required=False,
        help_text="Handover summaries for this team are sent here.",
        error_messages={
            "invalid": "Enter an email address in the correct format, like team@example.org"
        },
    )
    receives_handovers = forms.BooleanField(
        label="Contacts can be handed over to this team", required=False
    )
    active = forms.BooleanField(
        label="Active",
        required=False,
        help_text="Inactive teams cannot be chosen for users or handovers.",
    )

    def __init__(self, *args, team=None, **kwargs):
        self.editing = team is not None
        if self.editing and "initial" not in kwargs:
            kwargs["initial"] = {
                "name": team.name,
                "agency": team.agency_id,
                "description": team.description,
                "email": team.email,
                "receives_handovers": team.receives_handovers,
                "active": team.active,
            }
        elif "initial" not in kwargs:
            kwargs["initial"] = {"receives_handovers": True}
        super().__init__(*args, **kwargs)
        self.fields["agency"].queryset = selectors.agencies_for_choice(
            team.agency if self.editing else None
        )
        if self.editing:
            del self.fields["code"]
        else:
            del self.fields["active"]
        self.helper = _helper(
            *([] if self.editing else [Field.text("code", field_width=Fluid.ONE_THIRD)]),
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.select("agency"),
            Field.text("description"),
            Field.text("email", field_width=Fluid.TWO_THIRDS),
            Field.checkbox("receives_handovers"),
            *([Field.checkbox("active")] if self.editing else []),
            submit="Save changes" if self.editing else "Create team",
        )
