"""The service navigation, built from the capabilities of the signed-in user.

Apps register their entries here (label, URL name, capability) so the header shows only what a
user may use. An entry whose URL name is not yet routed is skipped rather than breaking pages.
"""

from dataclasses import dataclass
from functools import lru_cache

from django.conf import settings
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html, format_html_join

from openmash.accounts.roles import Capability as C


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    capabilities: tuple[str, ...]


NAVIGATION: list[NavItem] = [
    NavItem("Home", "home", ()),
    NavItem("Access log", "audit:access_log", (C.AUDIT_VIEW,)),
    NavItem("Staff", "accounts:user_list", (C.STAFF_MANAGE,)),
    NavItem("Agencies and teams", "accounts:agency_list", (C.STAFF_MANAGE,)),
]


def register(item: NavItem, position: int | None = None) -> None:
    """Called from an app's ``AppConfig.ready`` to add its entry."""
    if item not in NAVIGATION:
        NAVIGATION.insert(len(NAVIGATION) if position is None else position, item)


def navigation_for(request, user) -> list[dict]:
    if user is None or not user.is_authenticated:
        return []
    from openmash.accounts.middleware import RequireMFAMiddleware

    if not request.session.get(RequireMFAMiddleware.SESSION_KEY):
        # Not enrolled in MFA yet: the only place they may go is enrolment.
        return []
    items = [
        {"label": label, "url": url, "active": False}
        for label, url, capabilities in _routed(
            tuple(NAVIGATION), settings.ROOT_URLCONF, get_urlconf(), get_script_prefix()
        )
        if not capabilities or any(user.can(c) for c in capabilities)
    ]
    # Only the most specific entry is current: /governance/sharing/ highlights "Record of
    # Sharing", not also the dashboard at /governance/.
    matches = [
        i
        for i in items
        if request.path == i["url"] or (i["url"] != "/" and request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    return items


@lru_cache(maxsize=16)
def _routed(items: tuple[NavItem, ...], *urlconf) -> tuple[tuple[str, str, tuple], ...]:
    """(label, URL, capabilities) of the entries that are routed. URLs do not change while the
    process runs, so they are reversed once per URL configuration (``urlconf``: the settings
    and the script prefix a reversed URL depends on), not on every page."""
    routed = []
    for item in items:
        try:
            routed.append((item.label, reverse(item.url_name), item.capabilities))
        except NoReverseMatch:
            continue
    return tuple(routed)


def navigation_html(items: list[dict]) -> str:
    """The GOV.UK service navigation's list items for ``items`` (from ``navigation_for``).
    The same few menus are drawn on every page, so each is built once per process: in the
    template, the loop and its three ``{% if %}`` per entry cost more than the rest of the
    header."""
    return _items_html(tuple((i["label"], i["url"], i["active"]) for i in items))


@lru_cache(maxsize=512)
def _items_html(items: tuple[tuple[str, str, bool], ...]) -> str:
    return format_html_join(
        "\n",
        "{}",
        (
            (
                format_html(
                    '<li class="govuk-service-navigation__item'
                    ' govuk-service-navigation__item--active">'
                    '<a class="govuk-service-navigation__link" href="{}" aria-current="page">'
                    '<strong class="govuk-service-navigation__active-fallback">{}</strong>'
                    "</a></li>",
                    url,
                    label,
                )
                if active
                else format_html(
                    '<li class="govuk-service-navigation__item">'
                    '<a class="govuk-service-navigation__link" href="{}">{}</a></li>',
                    url,
                    label,
                ),
            )
            for label, url, active in items
        ),
    )
