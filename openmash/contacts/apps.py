from django.apps import AppConfig


class ContactsConfig(AppConfig):
    name = "openmash.contacts"
    label = "contacts"
    verbose_name = "Contacts and screening"

    def ready(self):
        # Scope rules and navigation entries register on import.
        from . import selectors  # noqa: F401
