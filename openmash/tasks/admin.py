"""Operator views of background work: what was sent, what failed, what needs attention.

Outbox rows and heartbeats are written only by services and tasks, so they are read-only here;
alerts can only be resolved (through the service, so the resolver is recorded).
"""

from django.contrib import admin, messages

from .models import OutboxMessage, SystemAlert, WorkerHeartbeat
from .services import system_alert_resolve


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]
    search_fields = ["dedupe_key"]
    date_hierarchy = "created_at"


@admin.register(SystemAlert)
class SystemAlertAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "severity", "title", "resolved", "resolved_by"]
    list_filter = ["resolved", "severity"]
    actions = ["resolve"]

    def has_change_permission(self, request, obj=None):
        # Needed for the resolve action; the change form itself has no editable fields.
        return request.user.has_perm("tasks.change_systemalert")

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.action(description="Mark selected alerts resolved")
    def resolve(self, request, queryset):
        for alert in queryset.filter(resolved=False):
            system_alert_resolve(alert, by=request.user)
        messages.success(request, "Alerts marked resolved.")


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(ReadOnlyAdmin):
    list_display = ["hostname", "last_seen_at"]
