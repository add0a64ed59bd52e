"""Per-user interface language and time zone: the profile's choice wins over
the browser's language and the server's UTC."""

import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation


def activate_profile(request: HttpRequest) -> None:
    """Use the language and time zone of the request's user's profile, if any."""
    profile = getattr(request.user, "agent_profile", None)
    if profile is None:
        timezone.deactivate()
        return
    if profile.language:
        translation.activate(profile.language)
        request.LANGUAGE_CODE = profile.language
    try:
        timezone.activate(zoneinfo.ZoneInfo(profile.time_zone))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        timezone.deactivate()


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        activate_profile(request)
        return self.get_response(request)
