"""Information governance, mounted at /governance/. URLs carry UUIDs only: search terms are
posted and kept in the session."""

from django.urls import path

from . import views_consent, views_dpo, views_restricted, views_rights, views_sharing

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
]
