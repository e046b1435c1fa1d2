from django.apps import AppConfig


class TimescalesConfig(AppConfig):
    name = "openmash.timescales"
    label = "timescales"
    verbose_name = "Timescales"

    def ready(self):
        from openmash.accounts.roles import Capability as C
        from openmash.core.navigation import NavItem, register

        register(NavItem("Closure days", "timescales:closure_day_list", (C.STAFF_MANAGE,)))
