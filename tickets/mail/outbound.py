"""Outbound email: build the MIME message for an outbox row and deliver it
exactly once per claim, with retries and backoff on transient failures."""

import logging
import smtplib
from datetime import timedelta
from functools import partial

from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tickets.models import Message, OutboundEmail, TicketEvent

logger = logging.getLogger(__name__)

Status = OutboundEmail.Status
# A send claimed longer ago than this is taken to belong to a dead worker.
STALE_CLAIM = timedelta(minutes=10)
SWEEP_BATCH = 500


class TransientDeliveryError(Exception):
    """The mail server refused for now; the send is retried later."""


def reply_address(message: Message) -> str:
    """inbox+TOKEN@domain: replies to it thread onto the ticket."""
    local, _, domain = message.ticket.inbox.email_address.partition("@")
    return f"{local}+{message.ticket.reply_token}@{domain}"


def build_email(message: Message) -> EmailMessage:
    """The email for one outbound message, with our threading headers."""
    ticket = message.ticket
    inbox = ticket.inbox
    body = message.body_text
    if inbox.signature:
        body = f"{body}\n\n-- \n{inbox.signature}"
    headers = {
        "Message-ID": message.message_id,
        "Reply-To": reply_address(message),
        "X-Amends-Ticket": ticket.reference,
    }
    if message.in_reply_to:
        headers["In-Reply-To"] = message.in_reply_to
    if message.references:
        headers["References"] = message.references
    if message.is_auto:
        # RFC 3834: other robots must not answer; Exchange honours the second.
        headers["Auto-Submitted"] = "auto-replied"
        headers["X-Auto-Response-Suppress"] = "All"
    return EmailMessage(
        subject=message.subject,
        body=body,
        from_email=f"{inbox.name} <{inbox.email_address}>",
        to=message.to_addresses,
        cc=message.cc_addresses,
        headers=headers,
    )


def retry_delay(attempts: int) -> timedelta:
    """Exponential backoff: 30 s, 1 min, 2 min, ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def outbound_send(*, outbound_id: int) -> timedelta | None:
    """Claim one queued email and send it; returns the delay before a retry
    when the server failed transiently, else None. A second call after a
    successful send does nothing."""
    now = timezone.now()
    claimed = OutboundEmail.objects.filter(
        pk=outbound_id, status=Status.QUEUED, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    outbound = OutboundEmail.objects.select_related(
        "message__ticket__inbox", "message__ticket__customer"
    ).get(pk=outbound_id)
    try:
        build_email(outbound.message).send(fail_silently=False)
    except (smtplib.SMTPException, OSError) as exc:
        return _record_failure(outbound, exc)
    _record_sent(outbound)
    return None


@transaction.atomic
def _record_sent(outbound: OutboundEmail) -> None:
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=Status.SENT, sent_at=timezone.now(), last_error=""
    )
    message = outbound.message
    TicketEvent.objects.create(
        ticket_id=message.ticket_id,
        kind=TicketEvent.Kind.DELIVERY,
        to_value=Status.SENT,
        note=f"{message.message_id} → {', '.join(message.to_addresses)}",
    )


@transaction.atomic
def _record_failure(outbound: OutboundEmail, exc: Exception) -> timedelta | None:
    error = f"{type(exc).__name__}: {exc}"[:2000]
    permanent = isinstance(exc, smtplib.SMTPRecipientsRefused) or (
        isinstance(exc, smtplib.SMTPResponseException) and 500 <= exc.smtp_code < 600
    )
    if permanent or outbound.attempts >= OutboundEmail.MAX_ATTEMPTS:
        OutboundEmail.objects.filter(pk=outbound.pk).update(
            status=Status.FAILED, last_error=error
        )
        TicketEvent.objects.create(
            ticket_id=outbound.message.ticket_id,
            kind=TicketEvent.Kind.DELIVERY,
            to_value=Status.FAILED,
            note=error,
        )
        logger.error("outbound %s failed for good: %s", outbound.pk, error)
        return None
    delay = retry_delay(outbound.attempts)
    OutboundEmail.objects.filter(pk=outbound.pk).update(
        status=Status.QUEUED, last_error=error, next_attempt_at=timezone.now() + delay
    )
    logger.warning("outbound %s will retry in %s: %s", outbound.pk, delay, error)
    return delay


def outbound_retry_now(*, outbound: OutboundEmail) -> None:
    """Put a failed email back in the queue (an agent pressed "retry")."""
    from tickets.tasks import outbound_send_task

    updated = OutboundEmail.objects.filter(pk=outbound.pk, status=Status.FAILED).update(
        status=Status.QUEUED, next_attempt_at=timezone.now(), attempts=0
    )
    if updated:
        transaction.on_commit(
            partial(outbound_send_task.delay, outbound_id=outbound.pk), robust=True
        )


def outbound_due_ids(*, limit: int = SWEEP_BATCH) -> list[int]:
    """Release claims of dead workers, then list queued rows that are due.

    A released claim is sent again with the same Message-ID, so a receiving
    mail system that already has it treats it as the same message."""
    now = timezone.now()
    OutboundEmail.objects.filter(
        status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM
    ).update(status=Status.QUEUED, next_attempt_at=now)
    return list(
        OutboundEmail.objects.filter(status=Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
