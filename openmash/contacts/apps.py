from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "openmash.contacts"
    label = "contacts"
    verbose_name = "Contacts and screening"

    def ready(self):
        # Scope rules register on import; navigation entries and the demo loader here.
        from openmash.accounts.roles import Capability as C
        from openmash.core import demo
        from openmash.core.navigation import NavItem, register

        from . import selectors  # noqa: F401
        from .demo import load_demo_contacts

        register(NavItem("Contacts", "contacts:to_screen", (C.CONTACT_VIEW,)))
        register(NavItem("Record a contact", "contacts:new", (C.CONTACT_RECORD,)))
        demo.register(load_demo_contacts)
