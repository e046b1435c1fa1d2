"""Information governance, mounted at /governance/. URLs carry UUIDs only: search terms are
posted and kept in the session."""

from django.urls import path

from . import (
    views_breaches,
    views_consent,
    views_dpo,
    views_restricted,
    views_retention,
    views_rights,
    views_sharing,
)

app_name = "governance"

urlpatterns = [
    # -- Part A: DPO dashboard, consent and override, Record of Sharing, restricted records --
    path("", views_dpo.dashboard, name="dashboard"),
    path("break-glass/<uuid:pk>/review/", views_dpo.break_glass_review, name="break_glass_review"),
    path("consent/<uuid:contact_id>/", views_consent.consent_detail, name="consent_detail"),
    path("consent/<uuid:contact_id>/record/", views_consent.consent_record, name="consent_record"),
    path(
        "consent/<uuid:contact_id>/override/",
        views_consent.override_propose,
        name="override_propose",
    ),
    path("consent/<uuid:contact_id>/not-inform/", views_consent.not_inform, name="not_inform"),
    path("overrides/", views_consent.override_queue, name="override_queue"),
    path("overrides/<uuid:pk>/", views_consent.override_detail, name="override_detail"),
    path("sharing/", views_sharing.sharing_search, name="sharing_search"),
    path("sharing/export.csv", views_sharing.sharing_export, name="sharing_export"),
    path(
        "sharing/people/<uuid:person_id>/",
        views_sharing.person_recipients,
        name="person_recipients",
    ),
    path("break-glass/", views_restricted.break_glass, name="break_glass"),
    path("restricted/", views_restricted.restricted_list, name="restricted_list"),
    path("restricted/<uuid:pk>/", views_restricted.restriction_detail, name="restriction_detail"),
    # -- Part B: data subject rights, retention and disposal, breaches --
    path("rights/", views_rights.rights_list, name="rights_list"),
    path("rights/new/", views_rights.rights_new, name="rights_new"),
    path("rights/<uuid:pk>/", views_rights.rights_detail, name="rights_detail"),
    path("rights/<uuid:pk>/person/", views_rights.rights_person, name="rights_person"),
    path(
        "rights/<uuid:pk>/export/", views_rights.rights_export_prepare, name="rights_export_prepare"
    ),
    path("rights/<uuid:pk>/rectify/", views_rights.rights_rectify, name="rights_rectify"),
    path("rights/<uuid:pk>/erase/", views_rights.rights_erase, name="rights_erase"),
    path("rights/<uuid:pk>/restrict/", views_rights.rights_restrict, name="rights_restrict"),
    path(
        "rights/<uuid:pk>/restrict/lift/",
        views_rights.rights_restriction_lift,
        name="rights_restriction_lift",
    ),
    path("rights/<uuid:pk>/opinion/", views_rights.rights_opinion, name="rights_opinion"),
    path("rights/exports/<uuid:pk>/", views_rights.rights_export, name="rights_export"),
    path(
        "rights/exports/<uuid:pk>/subject-access.pdf",
        views_rights.rights_export_pdf,
        name="rights_export_pdf",
    ),
    path(
        "rights/exports/<uuid:pk>/subject-access.json",
        views_rights.rights_export_json,
        name="rights_export_json",
    ),
    path(
        "rights/notifications/<uuid:pk>/",
        views_rights.rights_notification,
        name="rights_notification",
    ),
    path("retention/", views_retention.retention_overview, name="retention_overview"),
    path(
        "retention/schedules/new/",
        views_retention.retention_schedule_edit,
        name="retention_schedule_new",
    ),
    path(
        "retention/schedules/<uuid:pk>/",
        views_retention.retention_schedule_edit,
        name="retention_schedule_edit",
    ),
    path("retention/run/", views_retention.retention_run, name="retention_run"),
    path("retention/log/", views_retention.retention_log, name="retention_log"),
    path("retention/extract/", views_retention.retention_extract, name="retention_extract"),
    path("breaches/", views_breaches.breach_list, name="breach_list"),
    path("breaches/new/", views_breaches.breach_new, name="breach_new"),
    path("breaches/<uuid:pk>/", views_breaches.breach_detail, name="breach_detail"),
    path("breaches/<uuid:pk>/edit/", views_breaches.breach_edit, name="breach_edit"),
]
