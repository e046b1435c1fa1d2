"""Staff administration, mounted at /staff/. Every view needs ``staff.manage``."""

from django.urls import path

from . import views

app_name = "accounts"


def _action(name: str):
    return path(
        f"users/<uuid:pk>/{name}/",
        views.user_action,
        {"action": name},
        name=f"user_{name.replace('-', '_')}",
    )


urlpatterns = [
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<uuid:pk>/", views.user_detail, name="user_detail"),
    path("users/<uuid:pk>/edit/", views.user_edit, name="user_edit"),
    *[_action(name) for name in views.USER_ACTIONS],
    path(
        "users/<uuid:pk>/api-tokens/<uuid:token_id>/revoke/",
        views.user_api_token_revoke,
        name="user_api_token_revoke",
    ),
    path("agencies/", views.agency_list, name="agency_list"),
    path("agencies/new/", views.agency_create, name="agency_create"),
    path("agencies/<uuid:pk>/edit/", views.agency_edit, name="agency_edit"),
    # Teams sit under /agencies/ so the "Agencies and teams" menu item stays highlighted.
    path("agencies/teams/", views.team_list, name="team_list"),
    path("agencies/teams/new/", views.team_create, name="team_create"),
    path("agencies/teams/<uuid:pk>/edit/", views.team_edit, name="team_edit"),
]
