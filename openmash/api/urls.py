"""The partner REST API, version 1, mounted at /api/v1/. Object URLs carry UUIDs only."""

from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path(
        "information-requests/",
        views.InformationRequestList.as_view(),
        name="information-request-list",
    ),
    path(
        "information-requests/<uuid:pk>/",
        views.InformationRequestDetail.as_view(),
        name="information-request-detail",
    ),
    path(
        "information-requests/<uuid:pk>/response/",
        views.InformationRequestResponse.as_view(),
        name="information-request-response",
    ),
]
