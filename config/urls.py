"""URL map. Each app owns its URLs; this file only mounts them."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from openmash.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("accounts/api-tokens/", include("openmash.api.urls_tokens")),
    path("accounts/", include("allauth.urls")),
    path("staff/", include("openmash.accounts.urls")),
    path("audit/", include("openmash.audit.urls")),
    path("people/", include("openmash.people.urls")),
    path("contacts/", include("openmash.contacts.urls")),
    path("refer/", include("openmash.contacts.referral.urls")),
    path("enquiries/", include("openmash.enquiries.urls")),
    path("decisions/", include("openmash.decisions.urls")),
    path("governance/", include("openmash.governance.urls")),
    path("meetings/", include("openmash.meetings.urls")),
    path("notifications/", include("openmash.notifications.urls")),
    path("timescales/", include("openmash.timescales.urls")),
    path("reporting/", include("openmash.reporting.urls")),
    path("django-admin/", admin.site.urls),
    path("api/v1/", include("openmash.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
]

handler403 = "openmash.core.views.permission_denied"
handler404 = "openmash.core.views.page_not_found"
handler500 = "openmash.core.views.server_error"
