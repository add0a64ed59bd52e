"""Short names of the agents and components the figures mention."""

from typing import Any

from django.contrib.auth import get_user_model

from tickets.models import Component


def short_name(user: Any) -> str:
    """ "M. Keller", or the user name when no name is set."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if first and last:
        return f"{first[0]}. {last}"
    return first or last or user.get_username()


def agent_names(ids: set[int | None]) -> dict[int, str]:
    """Short names of the given users."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = get_user_model().objects.filter(pk__in=wanted)
    return {u.pk: short_name(u) for u in users}


def component_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return (
        dict(Component.objects.filter(pk__in=wanted).values_list("pk", "name"))
        if wanted
        else {}
    )
