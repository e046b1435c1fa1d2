from django.apps import AppConfig


class EnquiriesConfig(AppConfig):
    name = "openmash.enquiries"
    label = "enquiries"
    verbose_name = "MASH enquiries"

    def ready(self):
        from openmash.accounts.roles import Capability as C
        from openmash.core import demo, navigation
        from openmash.core.navigation import NavItem

        # Scope rules register on import.
        from . import selectors  # noqa: F401
        from .demo import load_demo_enquiries

        navigation.register(
            NavItem("Requests to my agency", "enquiries:request_queue", (C.ENQUIRY_RESPOND,))
        )
        # The enquiry pages are for children's social care staff (views check is_csc_staff).
        # Early help staff also hold contact.view, so the entry is keyed to the capabilities of
        # the CSC roles that work contacts rather than to contact.view alone.
        navigation.register(
            NavItem(
                "Enquiries",
                "enquiries:index",
                (
                    C.CONTACT_RECORD,
                    C.CONTACT_SCREEN,
                    C.ENQUIRY_MANAGE,
                    C.ENQUIRY_ANALYSE,
                    C.CONTACT_DECIDE,
                    C.TIMELINESS_VIEW,
                ),
            )
        )
        demo.register(load_demo_enquiries)
