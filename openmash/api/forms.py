"""Input shape for the API tokens page. The rules (who may, how many) are in ``services``."""

from crispy_forms_gds.helper import FormHelper
from crispy_forms_gds.layout import Field, Fluid, Layout, Size, Submit
from django import forms

from .services import DEFAULT_LIFETIME, TOKEN_LIFETIMES


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="What is the token for?",
        help_text="For example the name of the system that will use it: "
        "“Police case system – MASH interface”.",
        max_length=100,
        error_messages={
            "required": "Enter what the token is for",
            "max_length": "Enter at most 100 characters",
        },
    )
    lifetime = forms.TypedChoiceField(
        label="How long should it last?",
        choices=[(days, f"{days} days") for days in TOKEN_LIFETIMES],
        coerce=int,
        initial=DEFAULT_LIFETIME,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how long the token lasts"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Field.text("name", field_width=Fluid.TWO_THIRDS),
            Field.radios("lifetime", legend_size=Size.SMALL, inline=True),
            Submit("submit", "Create token"),
        )
