from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "openmash.decisions"
    label = "decisions"
    verbose_name = "Analysis and decisions"

    def ready(self):
        # Scope rules and navigation entries register on import.
        from . import selectors  # noqa: F401
