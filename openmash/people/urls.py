"""The person index, mounted at /people/. URLs carry UUIDs only: search terms are posted."""

from django.urls import path

from . import views

app_name = "people"

urlpatterns = [
    path("search/", views.person_search, name="search"),
    path("<uuid:pk>/", views.person_detail, name="person_detail"),
    path("link/<uuid:pk>/", views.contact_person_link, name="contact_person_link"),
]
