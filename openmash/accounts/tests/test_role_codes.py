"""A user's role codes: they come with the user's row (no query), and a change of roles — from
either side of the relation — takes effect on the user's next request."""

import pytest
from django.urls import reverse

from openmash.accounts.models import User


@pytest.mark.django_db
def test_role_codes_cost_no_query(make_user, django_assert_num_queries):
    user = User.objects.get(pk=make_user("practice_manager", "team_manager").pk)
    with django_assert_num_queries(0):
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


def _held(user) -> frozenset[str]:
    return User.objects.get(pk=user.pk).role_codes


def _truth(user) -> frozenset[str]:
    return frozenset(User.objects.get(pk=user.pk).roles.values_list("code", flat=True))


@pytest.mark.django_db
def test_the_copy_follows_every_kind_of_change(make_user):
    from openmash.accounts.models import Role

    user, other = make_user("practice_manager"), make_user("mash_social_worker")
    pm, sw, tm = (
        Role.objects.get(code=c) for c in ("practice_manager", "mash_social_worker", "team_manager")
    )
    user.roles.add(tm)
    assert _held(user) == _truth(user) == {"practice_manager", "team_manager"}
    assert user.role_codes == {"practice_manager", "team_manager"}  # the instance too
    user.roles.remove(pm)
    assert _held(user) == _truth(user) == {"team_manager"}
    user.roles.set([sw])
    assert _held(user) == _truth(user) == {"mash_social_worker"}
    user.roles.clear()
    assert _held(user) == _truth(user) == frozenset()
    assert _held(other) == _truth(other) == {"mash_social_worker"}  # nobody else's


@pytest.mark.django_db
def test_roles_cannot_be_changed_from_the_roles_side(make_user):
    """The copy is kept from the user's side only (``apps._roles_changed``): if this starts
    passing through, the signal handler must learn the reverse side first."""
    from django.db import transaction

    from openmash.accounts.models import Role

    user = make_user("practice_manager")
    team_manager = Role.objects.get(code="team_manager")
    with pytest.raises(AttributeError), transaction.atomic():
        team_manager.users.add(user)
    assert _held(user) == _truth(user) == {"practice_manager"}


@pytest.mark.django_db
def test_a_role_change_rolled_back_leaves_the_copy_as_it_was(make_user):
    from django.db import transaction

    from openmash.accounts.models import Role

    user = make_user("practice_manager")
    with pytest.raises(RuntimeError), transaction.atomic():
        user.roles.clear()
        raise RuntimeError
    assert _held(user) == _truth(user) == {"practice_manager"}
    assert Role.objects.get(code="practice_manager").users.filter(pk=user.pk).exists()


@pytest.mark.django_db
def test_the_signed_in_user_comes_with_their_agency(
    signed_in, make_user, django_assert_max_num_queries
):
    """The header prints the agency on every page: it must not cost a query of its own."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = signed_in(make_user("practice_manager"))
    client.get(reverse("contacts:to_screen"))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("contacts:to_screen")).status_code == 200
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    assert 'FROM "accounts_agency"' not in tables
    assert "accounts_user_roles" not in tables
