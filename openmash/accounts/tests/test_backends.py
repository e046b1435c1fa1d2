"""The signed-in user is loaded with their agency and roles in one query, and a change of roles
still takes effect on the user's next request."""

import pytest
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from openmash.accounts.backends import ModelBackend, signed_in_user
from openmash.accounts.models import Role


@pytest.mark.django_db
def test_user_agency_and_roles_come_in_one_query(make_user, django_assert_num_queries):
    user = make_user("practice_manager", "team_manager", agency="CSC")
    with django_assert_num_queries(1):
        loaded = signed_in_user(user.pk)
        assert loaded.agency.code == "CSC"
        assert loaded.role_codes == {"practice_manager", "team_manager"}
        assert loaded.can("contact.decide")


@pytest.mark.django_db
def test_a_user_without_roles_has_none(make_user):
    assert signed_in_user(make_user().pk).role_codes == frozenset()


@pytest.mark.django_db
def test_a_deactivated_user_is_not_signed_in_and_holds_no_roles(make_user):
    user = make_user("practice_manager")
    user.is_active = False
    user.save()
    assert signed_in_user(user.pk).role_codes == frozenset()
    assert ModelBackend().get_user(user.pk) is None


@pytest.mark.django_db
def test_an_unknown_user_is_not_signed_in():
    assert ModelBackend().get_user("8f2d7f5e-0000-4000-8000-000000000000") is None


@pytest.mark.django_db
def test_roles_granted_or_withdrawn_apply_on_the_next_request(signed_in, make_user):
    user = make_user()
    client = signed_in(user)
    url = reverse("contacts:to_screen")
    assert client.get(url).status_code == 403
    user.roles.add(Role.objects.get(code="practice_manager"))
    assert client.get(url).status_code == 200
    user.roles.clear()
    assert client.get(url).status_code == 403


@pytest.mark.django_db
def test_a_page_request_loads_the_user_through_this_backend(signed_in, make_user):
    user = make_user("practice_manager")
    client = signed_in(user)
    response = client.get(reverse("contacts:to_screen"))
    assert client.session[SESSION_KEY] == str(user.pk)
    request_user = response.wsgi_request.user._wrapped  # behind SimpleLazyObject
    assert "role_codes" in request_user.__dict__  # filled by the backend, not by a query
    assert request_user.role_codes == {"practice_manager"}
