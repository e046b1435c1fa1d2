"""The dashboard's slots for the data subject rights register and the breach register.

Those registers are built separately (issue 5, part B). A slot shows real figures once its
register's model exists, and otherwise says that it will appear — never a made-up number.
"""

from dataclasses import dataclass

from django.apps import apps


@dataclass(frozen=True)
class RegisterSummary:
    title: str
    exists: bool
    open_count: int | None = None
    note: str = ""


def _model(*names):
    for name in names:
        try:
            return apps.get_model("governance", name)
        except LookupError:
            continue
    return None


def register_summaries(user) -> list[RegisterSummary]:
    summaries = []
    for title, names in (
        ("Data subject rights requests", ("RightsRequest", "DataSubjectRequest")),
        ("Personal data breaches", ("Breach", "DataBreach", "BreachRecord")),
    ):
        model = _model(*names)
        if model is None:
            summaries.append(
                RegisterSummary(
                    title,
                    exists=False,
                    note="These appear here once the register exists.",
                )
            )
        else:
            summaries.append(
                RegisterSummary(title, exists=True, open_count=model._default_manager.count())
            )
    return summaries
