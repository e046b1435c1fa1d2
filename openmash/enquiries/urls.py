"""MASH enquiries, mounted at /enquiries/. Object URLs carry UUIDs only, never personal data."""

from django.urls import path

from . import views

app_name = "enquiries"

urlpatterns = [
    path("", views.index, name="index"),
    path("requests/", views.request_queue, name="request_queue"),
    path("requests/<uuid:pk>/", views.request_detail, name="request_detail"),
    path("open/", views.open_queue, name="open_queue"),
    path("awaiting-analysis/", views.ready_queue, name="ready_queue"),
    path("<uuid:pk>/", views.enquiry_detail, name="enquiry_detail"),
    path("<uuid:pk>/proceed/", views.enquiry_proceed, name="enquiry_proceed"),
]
