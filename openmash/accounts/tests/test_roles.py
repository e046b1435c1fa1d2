"""Roles → capabilities: the table every permission check in the system rests on."""

import pytest

from openmash.accounts.models import Role as RoleRow
from openmash.accounts.roles import ROLE_CAPABILITIES, Capability, Role, capabilities_for

C = Capability

#: Capabilities that reveal or change children's social care case records.
CSC_CASE_WORK = {
    C.CONTACT_RECORD,
    C.CONTACT_VIEW,
    C.CONTACT_SCREEN,
    C.CONTACT_DECIDE,
    C.ENQUIRY_MANAGE,
    C.ENQUIRY_ANALYSE,
}


def test_every_role_has_an_entry():
    assert set(ROLE_CAPABILITIES) == set(Role.values)


def test_every_capability_is_granted_by_some_role():
    granted = set().union(*ROLE_CAPABILITIES.values())
    assert granted == set(Capability.values)


def test_capabilities_are_known_values():
    for role, caps in ROLE_CAPABILITIES.items():
        assert caps <= set(Capability.values), role


def test_partner_practitioners_cannot_see_or_touch_csc_case_work():
    caps = ROLE_CAPABILITIES[Role.PARTNER_PRACTITIONER]
    assert not caps & CSC_CASE_WORK
    assert C.ENQUIRY_RESPOND in caps


def test_dpo_governs_but_does_not_do_case_work():
    caps = ROLE_CAPABILITIES[Role.DPO]
    assert C.CONTACT_RECORD not in caps
    assert not caps & CSC_CASE_WORK
    assert {C.GOVERNANCE_MANAGE, C.AUDIT_VIEW} <= caps


def test_only_administrators_manage_staff():
    holders = {role for role, caps in ROLE_CAPABILITIES.items() if C.STAFF_MANAGE in caps}
    assert holders == {Role.ADMINISTRATOR}


def test_administrators_do_no_case_work():
    # Managing accounts must not come with reading children's records.
    assert not ROLE_CAPABILITIES[Role.ADMINISTRATOR] & CSC_CASE_WORK


def test_only_practice_and_team_managers_decide():
    holders = {role for role, caps in ROLE_CAPABILITIES.items() if C.CONTACT_DECIDE in caps}
    assert holders == {Role.PRACTICE_MANAGER, Role.TEAM_MANAGER}


def test_only_partner_practitioners_and_early_help_respond_to_information_requests():
    """Early Help is itself a MASH partner agency whose co-ordinator answers its requests."""
    holders = {role for role, caps in ROLE_CAPABILITIES.items() if C.ENQUIRY_RESPOND in caps}
    assert holders == {Role.PARTNER_PRACTITIONER, Role.EARLY_HELP}


def test_capabilities_for_is_the_union_and_ignores_unknown_codes():
    combined = capabilities_for([Role.DPO, Role.REFERRAL_OFFICER, "no_such_role"])
    assert combined == ROLE_CAPABILITIES[Role.DPO] | ROLE_CAPABILITIES[Role.REFERRAL_OFFICER]
    assert capabilities_for([]) == frozenset()
    assert capabilities_for(["no_such_role"]) == frozenset()


@pytest.mark.django_db
def test_every_role_has_a_database_row():
    assert set(RoleRow.objects.values_list("code", flat=True)) == set(Role.values)


@pytest.mark.django_db
def test_user_can_follows_roles(make_user):
    manager = make_user(Role.PRACTICE_MANAGER)
    partner = make_user(Role.PARTNER_PRACTITIONER, agency="POLICE")
    assert manager.can(C.CONTACT_DECIDE)
    assert not manager.can(C.STAFF_MANAGE)
    assert partner.can(C.ENQUIRY_RESPOND)
    assert not partner.can(C.CONTACT_VIEW)


@pytest.mark.django_db
def test_deactivated_user_can_do_nothing(make_user):
    admin = make_user(Role.ADMINISTRATOR, is_active=False)
    assert admin.capabilities == frozenset()
    assert not admin.can(C.STAFF_MANAGE)
