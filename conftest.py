"""Project-wide pytest fixtures. App-specific fixtures live in each app's tests/."""

pytest_plugins = ["openmash.core.tests.fixtures"]
