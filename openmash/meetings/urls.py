"""Meetings and availability, mounted at /meetings/. Object URLs carry UUIDs only; contact
references are typed into POST bodies, never put in a URL."""

from django.urls import path

from . import views

app_name = "meetings"

urlpatterns = [
    path("", views.index, name="index"),
    path("arrange/", views.arrange, name="arrange"),
    path("availability/", views.availability, name="availability"),
    path(
        "availability/<uuid:entry_id>/cancel/",
        views.availability_cancel,
        name="availability_cancel",
    ),
    path("coverage/", views.coverage, name="coverage"),
    path("<uuid:pk>/", views.meeting_detail, name="meeting_detail"),
    path("<uuid:pk>/start/", views.meeting_start, name="meeting_start"),
    path("<uuid:pk>/close/", views.meeting_close, name="meeting_close"),
    path("<uuid:pk>/refresh/", views.meeting_refresh, name="meeting_refresh"),
    path("<uuid:pk>/notes/", views.meeting_notes, name="meeting_notes"),
    path("<uuid:pk>/attendance/", views.attendance_add, name="attendance_add"),
    path(
        "<uuid:pk>/attendance/<uuid:attendance_id>/remove/",
        views.attendance_remove,
        name="attendance_remove",
    ),
    path("<uuid:pk>/items/add/", views.item_add, name="item_add"),
    path("<uuid:pk>/items/<uuid:item_id>/", views.item_detail, name="item_detail"),
    path("<uuid:pk>/items/<uuid:item_id>/move/", views.item_move, name="item_move"),
    path("<uuid:pk>/items/<uuid:item_id>/remove/", views.item_remove, name="item_remove"),
    path("<uuid:pk>/agenda/", views.agenda_print, name="agenda"),
    path("<uuid:pk>/agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("<uuid:pk>/minutes/", views.minutes_print, name="minutes"),
    path("<uuid:pk>/minutes.pdf", views.minutes_pdf, name="minutes_pdf"),
]
