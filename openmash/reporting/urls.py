"""Reports, mounted at /reporting/."""

from django.urls import path

from . import views

app_name = "reporting"

urlpatterns = [
    path("timeliness/", views.timeliness, name="timeliness"),
]
