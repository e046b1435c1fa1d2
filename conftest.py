"""Project-wide pytest fixtures. App-specific fixtures live in each app's tests/."""

import pytest

pytest_plugins = ["openmash.core.tests.fixtures"]


def pytest_configure(config):
    # Registered here as well as by pytest-xdist, so `-p no:xdist` runs keep --strict-markers.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one xdist worker")


@pytest.fixture(autouse=True)
def _roles_survive_flush(request):
    """Role rows come from a data migration, and the flush that ends every transactional test
    (so every live-server browser test) deletes them: such tests put them back first."""
    marker = request.node.get_closest_marker("django_db")
    by_marker = marker is not None and marker.kwargs.get("transaction", False)
    if by_marker:
        request.getfixturevalue("_django_db_helper")
    elif {"transactional_db", "live_server"} & set(request.fixturenames):
        request.getfixturevalue("transactional_db")
    else:
        return
    from openmash.accounts.models import Role
    from openmash.accounts.roles import Role as RoleCode

    for code, name in RoleCode.choices:
        Role.objects.get_or_create(code=code, defaults={"name": name})
