"""The demo loader: synthetic families, valid test-range identifiers, idempotent."""

import pytest

from openmash.core.demo import DEMO_LOADERS
from openmash.people.demo import demo_children, demo_family, load_demo_people
from openmash.people.identifiers import is_valid_nhs_number, is_valid_upn
from openmash.people.models import Address, Person, PersonName, Relationship

pytestmark = pytest.mark.django_db


def test_people_load_before_contacts_name_them():
    names = [f"{loader.__module__}.{loader.__name__}" for loader in DEMO_LOADERS]
    ours = names.index("openmash.people.demo.load_demo_people")
    later = [i for i, n in enumerate(names) if n.startswith("openmash.contacts.")]
    assert all(ours < i for i in later)


def test_demo_people_are_synthetic_families_and_loading_twice_changes_nothing(agencies):
    message = load_demo_people()
    assert message and "People:" in message
    people = Person.unscoped.all()
    count = people.count()
    assert 250 <= count <= 400
    assert all(
        n.startswith("999") and is_valid_nhs_number(n)
        for n in people.exclude(nhs_number="").values_list("nhs_number", flat=True)
    )
    assert all(is_valid_upn(u) for u in people.exclude(upn="").values_list("upn", flat=True))
    # Everyone has their current name with match keys; some have aliases or previous names.
    assert PersonName.objects.filter(kind="current", surname_keys="").count() == 0
    assert PersonName.objects.exclude(kind="current").exists()
    assert Address.objects.filter(date_to__isnull=False).exists()
    assert people.filter(open_to_team__isnull=False).exists()
    assert Relationship.objects.filter(kind="sibling").exists()

    children = list(demo_children())
    assert len(children) > 100
    family = demo_family(children[0])
    assert family and family[0][1] in {
        "mother",
        "father",
        "partner_of_parent",
        "grandparent",
        "sibling",
    }

    assert load_demo_people() is None
    assert Person.unscoped.count() == count
