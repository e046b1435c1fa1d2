"""The online referral form, mounted at /refer/ (no sign-in)."""

from django.urls import path

from . import views

app_name = "referral"

urlpatterns = [
    path("", views.start, name="start"),
    path("about-you/", views.about_you, name="about_you"),
    path("children/", views.children, name="children"),
    path("concerns/", views.concerns, name="concerns"),
    path("consent/", views.consent, name="consent"),
    path("check-your-answers/", views.check, name="check"),
    path("sent/", views.done, name="done"),
]
