from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "openmash.governance"
    label = "governance"
    verbose_name = "Information governance"

    def ready(self):
        from openmash.accounts.roles import Capability as C
        from openmash.core import demo
        from openmash.core.navigation import NavItem, register

        # Scope rules register on import.
        from . import selectors  # noqa: F401

        # -- Part A: consent and override, Record of Sharing, restricted records, dashboard --
        from .demo_consent import load_demo_governance

        register(NavItem("Information governance", "governance:dashboard", (C.GOVERNANCE_MANAGE,)))
        register(NavItem("Record of Sharing", "governance:sharing_search", (C.GOVERNANCE_MANAGE,)))
        register(
            NavItem(
                "Restricted records",
                "governance:restricted_list",
                (C.GOVERNANCE_MANAGE, C.CONTACT_DECIDE),
            )
        )
        register(NavItem("Consent overrides", "governance:override_queue", (C.ENQUIRY_RESPOND,)))
        # After the contacts, enquiries and decisions loaders (INSTALLED_APPS order).
        demo.register(load_demo_governance)

        # -- Part B: data subject rights, retention and disposal, breaches --
        register(NavItem("Rights requests", "governance:rights_list", (C.GOVERNANCE_MANAGE,)))
        register(NavItem("Breaches", "governance:breach_list", (C.GOVERNANCE_MANAGE,)))
        register(NavItem("Retention", "governance:retention_overview", (C.GOVERNANCE_MANAGE,)))
        from .demo_rights import load_demo_rights

        demo.register(load_demo_rights)
