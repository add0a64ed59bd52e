"""Template helpers for the mail screens: the quarantine entry of the nav."""

from django import template
from django.contrib.auth.models import AbstractBaseUser

from tickets.mail import quarantine

register = template.Library()


@register.simple_tag
def quarantine_nav(user: AbstractBaseUser) -> dict | None:
    """{"count": "3"} for a user who may see a quarantine, else None."""
    count = quarantine.quarantine_nav_count(user=user)
    return None if count is None else {"count": count}
