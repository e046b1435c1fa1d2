from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "openmash.meetings"
    label = "meetings"
    verbose_name = "Meetings and availability"

    def ready(self):
        from openmash.accounts.roles import Capability as C
        from openmash.core import demo, navigation
        from openmash.core.navigation import NavItem

        # Scope rules register on import.
        from . import selectors  # noqa: F401
        from .demo import load_demo_meetings

        navigation.register(
            NavItem("Meetings", "meetings:index", (C.MEETING_ATTEND, C.MEETING_CHAIR))
        )
        demo.register(load_demo_meetings)
