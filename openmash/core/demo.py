"""Registry of demo-data loaders. Each app appends a zero-argument callable that creates its
synthetic records idempotently (a fixed Faker seed; skip what already exists) and returns a
one-line summary. Order matters: later loaders may use earlier ones' records."""

from collections.abc import Callable

DEMO_LOADERS: list[Callable[[], str | None]] = []


def register(loader: Callable[[], str | None]) -> Callable[[], str | None]:
    if loader not in DEMO_LOADERS:
        DEMO_LOADERS.append(loader)
    return loader
