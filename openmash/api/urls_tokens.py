"""The API tokens pages of a user's account, mounted at /accounts/api-tokens/."""

from django.urls import path

from . import views_tokens

app_name = "api_tokens"

urlpatterns = [
    path("", views_tokens.token_list, name="list"),
    path("<uuid:token_id>/revoke/", views_tokens.token_revoke, name="revoke"),
]
