from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "openmash.enquiries"
    label = "enquiries"
    verbose_name = "MASH enquiries"

    def ready(self):
        # Scope rules and navigation entries register on import.
        from . import selectors  # noqa: F401
