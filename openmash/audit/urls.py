from django.urls import path

from . import views

app_name = "audit"
urlpatterns = [
    path("access-log/", views.access_log, name="access_log"),
    path("entries/<int:sequence>/", views.entry_detail, name="entry_detail"),
    path(
        "records/<str:target_type>/<str:target_id>/",
        views.record_history,
        name="record_history",
    ),
]
