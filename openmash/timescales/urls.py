"""Timescales pages, mounted at /timescales/. Object URLs carry UUIDs only."""

from django.urls import path

from . import views

app_name = "timescales"

urlpatterns = [
    path("closure-days/", views.closure_day_list, name="closure_day_list"),
    path("closure-days/add/", views.closure_day_add, name="closure_day_add"),
    path("closure-days/<uuid:pk>/remove/", views.closure_day_remove, name="closure_day_remove"),
]
