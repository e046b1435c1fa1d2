from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "openmash.people"
    label = "people"
    verbose_name = "Person index"

    def ready(self):
        from openmash.accounts.roles import Capability
        from openmash.core import demo, navigation

        from . import selectors  # noqa: F401  (registers scope rules)
        from .demo import load_demo_people

        navigation.register(
            navigation.NavItem("Find a person", "people:search", (Capability.CONTACT_VIEW,))
        )
        # Before the contacts loader (apps are ready in INSTALLED_APPS order): demo contacts
        # name the demo children.
        demo.register(load_demo_people)
