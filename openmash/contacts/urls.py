"""Contacts, mounted at /contacts/. Object URLs carry UUIDs only, never personal data."""

from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "contacts"

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="contacts:to_screen"), name="index"),
    path("new/", views.contact_new, name="new"),
    path("queues/to-record/", views.to_record, name="to_record"),
    path("queues/to-screen/", views.to_screen, name="to_screen"),
    path("<uuid:pk>/", views.contact_detail, name="detail"),
    path("<uuid:pk>/record/", views.contact_complete, name="complete"),
    path("<uuid:pk>/screen/", views.contact_screen, name="screen"),
]
