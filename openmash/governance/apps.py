from django.apps import AppConfig


class GovernanceConfig(AppConfig):
    name = "openmash.governance"
    label = "governance"
    verbose_name = "Information governance"
