"""Emails to colleagues about a case: each goes out once, in the recipient's
interface language."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.mail import EmailMessage, get_connection
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone, translation


def _language(user: AbstractBaseUser) -> str:
    profile = getattr(user, "agent_profile", None)
    return (profile.language if profile else "") or settings.LANGUAGE_CODE


def claim_notification(
    model: type[models.Model], pk: int, field: str, **state: str
) -> bool:
    """Stamp `field` on the row if it is empty (and the row is in `state`);
    False when another run already claimed it."""
    return bool(
        model.objects.filter(pk=pk, **{f"{field}__isnull": True}, **state).update(
            **{field: timezone.now()}
        )
    )


def send_to_staff(users: list, template: str, context: dict) -> int:
    """One email per colleague from a template whose first paragraph is the
    subject; returns how many were sent."""
    messages = []
    for user in users:
        if not user.email:
            continue
        with translation.override(_language(user)):
            text = render_to_string(template, {**context, "recipient": user})
        subject, _sep, body = text.strip().partition("\n\n")
        messages.append(
            EmailMessage(
                " ".join(subject.split()), body.strip() + "\n", to=[user.email]
            )
        )
    if not messages:
        return 0
    with get_connection() as connection:
        return connection.send_messages(messages) or 0
