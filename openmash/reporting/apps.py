from django.apps import AppConfig


class ReportingConfig(AppConfig):
    """Read-only reports: the timeliness dashboard. No models of its own."""

    name = "openmash.reporting"
    label = "reporting"
    verbose_name = "Reporting"

    def ready(self):
        from openmash.accounts.roles import Capability as C
        from openmash.core import demo
        from openmash.core.navigation import NavItem, register

        from .demo_history import load_demo_history

        register(NavItem("Timeliness", "reporting:timeliness", (C.TIMELINESS_VIEW,)))
        demo.register(load_demo_history)  # last app, so it runs after every other loader
