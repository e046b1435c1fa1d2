from django.urls import path

from . import views

app_name = "decisions"
urlpatterns = [
    path("awaiting/", views.awaiting, name="awaiting"),
    path("today/", views.today, name="today"),
    path("outcomes/", views.outcomes, name="outcomes"),
    path("<uuid:contact_id>/analysis/", views.analysis, name="analysis"),
    path("<uuid:contact_id>/decide/", views.decide, name="decide"),
    path("<uuid:contact_id>/summary/", views.summary, name="summary"),
    path("<uuid:contact_id>/summary.pdf", views.summary_pdf, name="summary_pdf"),
]
