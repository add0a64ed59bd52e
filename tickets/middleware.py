"""Per-user interface language: the profile's choice wins over the browser's."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        profile = getattr(request.user, "agent_profile", None)
        if profile is not None and profile.language:
            translation.activate(profile.language)
            request.LANGUAGE_CODE = profile.language
        return self.get_response(request)
