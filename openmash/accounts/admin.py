"""Django admin (/django-admin/) for superusers only: a fallback for operators. Day-to-day
staff administration is the /staff/ pages, which apply the rules in ``services``; edits here
bypass those rules, so only superusers (created with ``createsuperuser``) may make them.

Nothing can be deleted here: accounts, agencies and teams are referred to by history and case
records, and deactivating (``active`` / ``is_active``) is the way to retire them.
"""

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from simple_history.admin import SimpleHistoryAdmin

from .models import Agency, Role, Team, User

# Sign in to the admin through allauth, so multi-factor authentication and lockouts apply;
# the admin's own password-only login form would skip both.
admin.site.login = secure_admin_login(admin.site.login)


class SuperuserOnly:
    """Superusers only, and never delete (deactivate instead)."""

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Agency)
class AgencyAdmin(SuperuserOnly, SimpleHistoryAdmin):
    list_display = ["code", "name", "kind", "co_located", "receives_information_requests", "active"]
    list_filter = ["kind", "co_located", "active"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_at", "created_by", "modified_at", "modified_by"]

    def get_readonly_fields(self, request, obj=None):
        # Codes are immutable once created.
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields


@admin.register(Team)
class TeamAdmin(SuperuserOnly, SimpleHistoryAdmin):
    list_display = ["code", "name", "agency", "receives_handovers", "active"]
    list_filter = ["agency", "receives_handovers", "active"]
    list_select_related = ["agency"]
    search_fields = ["code", "name"]
    readonly_fields = ["created_at", "created_by", "modified_at", "modified_by"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "code"] if obj else self.readonly_fields


@admin.register(Role)
class RoleAdmin(SuperuserOnly, admin.ModelAdmin):
    """Read-only: role rows mirror ``roles.Role`` and are created by a data migration."""

    list_display = ["code", "name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(User)
class StaffUserAdmin(SuperuserOnly, SimpleHistoryAdmin, UserAdmin):
    list_display = ["username", "first_name", "last_name", "agency", "team", "is_active"]
    list_filter = ["is_active", "is_superuser", "agency", "roles"]
    list_select_related = ["agency", "team"]
    search_fields = ["username", "first_name", "last_name", "email"]
    filter_horizontal = ["roles"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("Personal details", {"fields": ["first_name", "last_name", "email", "phone"]}),
        ("MASH", {"fields": ["agency", "team", "job_title", "roles"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["username", "password1", "password2"]}),
        ("MASH", {"fields": ["agency", "team", "roles"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
