"""The DPO's search of the Record of Sharing: input shape and validation only."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fieldset, Layout, Size, Submit
from django import forms

from openmash.accounts.models import Agency
from openmash.audit.forms import SearchDateField
from openmash.people.matching import PersonQuery

from .codes import Article6, DisclosureKind
from .selectors import SharingSearch


class AgencyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class SharingSearchForm(forms.Form):
    local_id = forms.CharField(
        label="Local person ID",
        required=False,
        max_length=20,
        help_text="Shows only what was shared about this person, for example P0001234. To "
        "search by name, use 'Find a person' below.",
    )
    from_agency = AgencyChoiceField(
        label="Shared by agency", queryset=Agency.objects.none(), required=False, empty_label="Any"
    )
    to_agency = AgencyChoiceField(
        label="Shared with agency",
        queryset=Agency.objects.none(),
        required=False,
        empty_label="Any",
    )
    date_from = SearchDateField(
        "From date", label="Shared on or after", help_text="For example, 1 4 2026"
    )
    date_to = SearchDateField(
        "To date", label="Shared on or before", help_text="For example, 30 4 2026"
    )
    article6 = forms.ChoiceField(
        label="Lawful basis (UK GDPR Article 6)",
        required=False,
        choices=[("", "Any"), *Article6.choices],
    )
    kind = forms.ChoiceField(
        label="What was shared", required=False, choices=[("", "Anything"), *DisclosureKind.choices]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        agencies = Agency.objects.order_by("name")
        self.fields["from_agency"].queryset = agencies
        self.fields["to_agency"].queryset = agencies
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template's <form> carries the token
        self.helper.layout = Layout(
            Field.text("local_id", field_width=10),
            Field.select("from_agency"),
            Field.select("to_agency"),
            "date_from",
            "date_to",
            Field.select("article6"),
            Field.select("kind"),
            Submit("search", "Search"),
        )

    def clean_local_id(self):
        return self.cleaned_data["local_id"].strip()

    def clean(self):
        data = super().clean()
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", "To date must be the same as or after the from date")
        return data

    def search(self, person_id=None) -> SharingSearch:
        data = self.cleaned_data
        return SharingSearch(
            person_id=person_id,
            from_agency_id=data["from_agency"].pk if data.get("from_agency") else None,
            to_agency_id=data["to_agency"].pk if data.get("to_agency") else None,
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            article6=data.get("article6", ""),
            kind=data.get("kind", ""),
        )

    @staticmethod
    def initial_for(search: SharingSearch, local_id: str = "") -> dict:
        return {
            "local_id": local_id,
            "from_agency": search.from_agency_id,
            "to_agency": search.to_agency_id,
            "date_from": search.date_from,
            "date_to": search.date_to,
            "article6": search.article6,
            "kind": search.kind,
        }


class PersonFindForm(forms.Form):
    """Find a person by name (and date of birth) through the person index's matching."""

    prefix = "find"  # keeps its field ids apart from the search form's on the same page

    forename = forms.CharField(label="First name", required=False, max_length=100)
    surname = forms.CharField(label="Last name", required=False, max_length=100)
    date_of_birth = SearchDateField(
        "Date of birth", label="Date of birth (optional)", help_text="For example, 27 3 2015"
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                Field.text("forename", field_width=20),
                Field.text("surname", field_width=20),
                "date_of_birth",
                legend="Find a person",
                legend_size=Size.MEDIUM,
                legend_tag="h2",
            ),
            Submit("find_person", "Find", css_class="govuk-button--secondary"),
        )

    def clean(self):
        data = super().clean()
        if not (data.get("forename", "").strip() or data.get("surname", "").strip()):
            raise forms.ValidationError("Enter a first name or a last name")
        return data

    def query(self) -> PersonQuery:
        data = self.cleaned_data
        return PersonQuery(
            forename=data.get("forename", "").strip(),
            surname=data.get("surname", "").strip(),
            dob=data.get("date_of_birth"),
        )
