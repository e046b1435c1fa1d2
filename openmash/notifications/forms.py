"""The page number a mark-read form carries, so the user returns to where they were."""

from django import forms


class ReturnToPageForm(forms.Form):
    page = forms.IntegerField(min_value=1, required=False)
