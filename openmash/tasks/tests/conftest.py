"""Fixtures for the task-queue tests."""


def pytest_configure(config):
    # pytest-xdist registers this marker itself; register it too for runs with ``-p no:xdist``,
    # which --strict-markers would otherwise reject.
    config.addinivalue_line("markers", "xdist_group(name): run these tests in one xdist worker")
