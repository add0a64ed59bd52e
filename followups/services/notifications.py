"""Staff notifications: mark read, and the email digest of unread ones."""

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from followups.models import Notification
from followups.services._base import User
from followups.texts import notification_text

logger = logging.getLogger(__name__)

# Unread reminders wait this long before they go into an email digest, so a
# colleague working in the app is not emailed what they just saw.
DIGEST_DELAY = timedelta(minutes=15)
DIGEST_BATCH = 200
DIGEST_MAX_ITEMS = 50


def notification_mark_read(
    *, user: User, notification_ids: Iterable[int] | None = None
) -> int:
    """Mark the user's notifications read (all unread ones without ids)."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=timezone.now())


def notification_digest_send(*, now: datetime | None = None) -> int:
    """Email each colleague one digest of their unread reminders not yet
    emailed; returns how many digests went out."""
    now = now or timezone.now()
    cutoff = now - DIGEST_DELAY
    recipients = list(
        Notification.objects.filter(
            read_at__isnull=True, emailed_at__isnull=True, created_at__lte=cutoff
        )
        .values_list("recipient_id", flat=True)
        .distinct()[:DIGEST_BATCH]
    )
    sent = 0
    for user_id in recipients:
        try:
            sent += _send_digest(user_id=user_id, cutoff=cutoff, now=now)
        except OSError as exc:
            # The rows stay un-emailed and join the next digest.
            logger.warning("digest for user %s not sent: %s", user_id, exc)
    return sent


@transaction.atomic
def _send_digest(*, user_id: int, cutoff: datetime, now: datetime) -> int:
    """Claim the user's rows (others skip them), send, then commit the claim;
    a failed send rolls the claim back."""
    rows = list(
        Notification.objects.select_for_update(of=("self",), skip_locked=True)
        .filter(
            recipient_id=user_id,
            read_at__isnull=True,
            emailed_at__isnull=True,
            created_at__lte=cutoff,
        )
        .select_related(
            "recipient__agent_profile",
            "ticket",
            "promise",
            "followup__satisfaction_answer",
        )
        .order_by("created_at", "id")
    )
    if not rows:
        return 0
    Notification.objects.filter(pk__in=[n.pk for n in rows]).update(emailed_at=now)
    user = rows[0].recipient
    if not user.email:
        return 0
    profile = getattr(user, "agent_profile", None)
    language = (profile.language if profile else "") or settings.LANGUAGE_CODE
    with translation.override(language):
        items = [
            {"text": notification_text(n), "url": _absolute(n)}
            for n in rows[:DIGEST_MAX_ITEMS]
        ]
        subject = translation.ngettext(
            "Amends: %(count)d reminder", "Amends: %(count)d reminders", len(rows)
        ) % {"count": len(rows)}
        body = render_to_string(
            "followups/email/digest.txt",
            {
                "user": user,
                "items": items,
                "more": max(len(rows) - DIGEST_MAX_ITEMS, 0),
                "site_url": settings.SITE_URL,
            },
        ).strip()
    EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return 1


def _absolute(notification: Notification) -> str:
    if notification.ticket_id:
        return settings.SITE_URL + notification.ticket.get_absolute_url()
    return settings.SITE_URL
