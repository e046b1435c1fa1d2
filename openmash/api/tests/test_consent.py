"""The request detail carries the consent position as the request page's banner shows it to
a partner: the position, overrides for sharing without consent, and a decision not to tell the
family (so the agency does not contact them about it)."""

import pytest
from django.urls import reverse

from openmash.governance.models import NotInformGround, OverrideGround
from openmash.governance.services_consent import (
    consent_override_propose,
    consent_record,
    not_inform_decision_record,
)

pytestmark = pytest.mark.django_db


def _detail(client, enquiry, agency_code):
    request = enquiry.requests(manager="unscoped").get(agency__code=agency_code)
    response = client.get(reverse("api:information-request-detail", args=[request.pk]))
    assert response.status_code == 200
    return response.json()["consent"]


def test_the_detail_says_what_the_family_must_not_be_told(open_enquiry, pm, police, api_as):
    enquiry = open_enquiry(("POLICE",))
    not_inform_decision_record(
        enquiry.contact,
        actor=pm,
        ground=NotInformGround.INCREASED_RISK,
        rationale="Synthetic rationale: telling the father would put the mother at risk.",
    )
    # Withdrawn after the request went out: sharing now needs an override.
    consent_record(
        enquiry.contact, actor=pm, status="withdrawn", reason="The mother withdrew consent."
    )
    consent_override_propose(
        enquiry.contact,
        actor=pm,
        agency=police.agency,
        ground=OverrideGround.SIGNIFICANT_HARM,
        rationale="Synthetic rationale.",
    )

    consent = _detail(api_as(police), enquiry, "POLICE")

    assert consent["status"] == "withdrawn"
    assert consent["do_not_inform"] == [{"ground": NotInformGround.INCREASED_RISK.label}]
    assert consent["overrides"] == [
        {
            "agency": police.agency.name,
            "status": "proposed",
            "ground": OverrideGround.SIGNIFICANT_HARM.label,
        }
    ]
    # The rationale is children's social care's record, not the partner's.
    assert "Synthetic rationale" not in str(consent)


def test_without_decisions_the_lists_are_empty(open_enquiry, police, api_as):
    consent = _detail(api_as(police), open_enquiry(("POLICE",)), "POLICE")

    assert consent["overrides"] == [] and consent["do_not_inform"] == []
    assert set(consent) == {"status", "label", "overrides", "do_not_inform"}
