"""A user's role codes: read in one plain statement, and a change of roles takes effect on the
user's next request."""

import pytest
from django.urls import reverse

from openmash.accounts.models import User


@pytest.mark.django_db
def test_role_codes_are_one_query(make_user, django_assert_num_queries):
    user = User.objects.get(pk=make_user("practice_manager", "team_manager").pk)
    with django_assert_num_queries(1):
        assert user.role_codes == {"practice_manager", "team_manager"}
        assert user.can("contact.decide")


@pytest.mark.django_db
def test_a_user_without_roles_or_deactivated_holds_none(make_user):
    assert User.objects.get(pk=make_user().pk).role_codes == frozenset()
    user = make_user("practice_manager")
    user.is_active = False
    user.save()
    assert User.objects.get(pk=user.pk).role_codes == frozenset()


@pytest.mark.django_db
def test_roles_granted_or_withdrawn_apply_on_the_next_request(signed_in, make_user):
    from openmash.accounts.models import Role

    user = make_user()
    client = signed_in(user)
    url = reverse("contacts:to_screen")
    assert client.get(url).status_code == 403
    user.roles.add(Role.objects.get(code="practice_manager"))
    assert client.get(url).status_code == 200
    user.roles.clear()
    assert client.get(url).status_code == 403
