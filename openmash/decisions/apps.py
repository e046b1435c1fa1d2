from django.apps import AppConfig


class DecisionsConfig(AppConfig):
    name = "openmash.decisions"
    label = "decisions"
    verbose_name = "Analysis and decisions"

    def ready(self):
        from openmash.accounts.roles import Capability as C
        from openmash.core import demo
        from openmash.core.navigation import NavItem, register

        # Scope rules register on import.
        from . import selectors  # noqa: F401
        from .demo import load_demo_decisions

        register(NavItem("Awaiting decision", "decisions:awaiting", (C.CONTACT_DECIDE,)))
        register(NavItem("Decided today", "decisions:today", (C.CONTACT_DECIDE, C.ENQUIRY_ANALYSE)))
        register(NavItem("Outcomes", "decisions:outcomes", (C.ENQUIRY_RESPOND,)))
        # Runs after the contacts and enquiries loaders (INSTALLED_APPS order).
        demo.register(load_demo_decisions)
