from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "openmash.audit"
    label = "audit"
    verbose_name = "Audit log"

    def ready(self):
        # Every simple-history record also becomes a hash-chained CHANGE entry (history.py).
        from simple_history.signals import post_create_historical_record

        from .history import record_history_in_audit_chain

        post_create_historical_record.connect(
            record_history_in_audit_chain, dispatch_uid="openmash.audit.history"
        )
