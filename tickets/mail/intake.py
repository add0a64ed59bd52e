"""The one intake service behind IMAP, the ingest command and the HTTP
endpoint: store the raw bytes and commit, then process them once (loop
guard, threading, ticket created or appended). A message that cannot be
processed is quarantined with its error and its bytes; nothing is dropped."""

import logging
import re
import traceback
from datetime import datetime, timedelta
from functools import partial

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.db import InterfaceError, OperationalError, transaction
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError
from tickets import services
from tickets.mail import acknowledge, loopguard, threading
from tickets.mail.parse import (
    ParsedAttachment,
    ParsedEmail,
    content_hash,
    message_id_of,
    parse_email,
)
from tickets.models import Attachment, Customer, InboundEmail, Inbox, Message, Ticket

logger = logging.getLogger(__name__)

Status = InboundEmail.Status
Outcome = InboundEmail.Outcome
# A row still "received" after this long lost its task (e.g. Redis restarted).
STALE_RECEIVED = timedelta(minutes=2)
_ADDRESS = re.compile(r"^[^@\s<>()\",;:]+@[^@\s<>()\",;:]+$")


class Quarantine(Exception):
    """The message needs a person; the text says why."""


# --- receive -----------------------------------------------------------------


def email_receive(
    *,
    inbox: Inbox,
    raw: bytes,
    source: str,
    received_at: datetime | None = None,
    enqueue: bool = False,
) -> InboundEmail:
    """Store the exact bytes and commit before anything else.

    The same message delivered again returns the stored row and creates
    nothing; `row.is_duplicate` tells which happened. With `enqueue`, a new
    row's processing task is queued once the bytes are committed."""
    with transaction.atomic():
        row, created = InboundEmail.objects.defer("raw").get_or_create(
            inbox=inbox,
            message_id=message_id_of(raw),
            content_sha256=content_hash(raw),
            defaults={
                "raw": raw,
                "source": source,
                "received_at": received_at or timezone.now(),
            },
        )
        if created and enqueue:
            from tickets.tasks import email_process_task

            transaction.on_commit(
                partial(email_process_task.delay, inbound_id=row.pk), robust=True
            )
    row.is_duplicate = not created
    return row


def email_ingest(*, inbox: Inbox, raw: bytes, source: str) -> InboundEmail:
    """Receive and process at once (command, benchmark). A stored copy that
    was never processed (a crash in between) is processed now."""
    row = email_receive(inbox=inbox, raw=raw, source=source)
    if row.status != Status.RECEIVED:
        return row
    row = email_process(inbound_id=row.pk)
    row.is_duplicate = False
    return row


def outcome_bucket(row: InboundEmail) -> str:
    """The summary count an ingested row belongs to."""
    if getattr(row, "is_duplicate", False) or row.status == Status.DUPLICATE:
        return "duplicates"
    if row.status == Status.QUARANTINED:
        return "quarantined"
    if row.status == Status.IGNORED:
        return "auto_ignored"
    if row.outcome == Outcome.REPLY_THREADED:
        return "replies_threaded"
    if row.status == Status.PROCESSED:
        return "tickets_created"
    return "received"


# --- process -----------------------------------------------------------------


def email_process(*, inbound_id: int) -> InboundEmail:
    """Act on one stored email exactly once; a failure quarantines it with its
    error. Calling it again for a handled row changes nothing."""
    with transaction.atomic():
        row = (
            InboundEmail.objects.select_for_update(of=("self",))
            .select_related("inbox")
            .get(pk=inbound_id)
        )
        if row.status != Status.RECEIVED:
            return row
        row.attempts += 1
        try:
            with transaction.atomic():
                _process(row)
        except (OperationalError, InterfaceError):
            raise  # the database is away: the task retries, nothing is decided
        except Exception as exc:
            _quarantine(row, exc)
        row.processed_at = timezone.now()
        row.save(
            update_fields=[
                "status",
                "outcome",
                "error",
                "ticket",
                "result_message",
                "attempts",
                "processed_at",
            ]
        )
    return row


def email_reprocess(*, inbound_id: int) -> InboundEmail:
    """Process a quarantined email again (after a fix); admins only."""
    with transaction.atomic():
        updated = InboundEmail.objects.filter(
            pk=inbound_id, status=Status.QUARANTINED
        ).update(status=Status.RECEIVED, error="")
        if not updated:
            raise DomainError(_("Only a quarantined email can be processed again."))
        return email_process(inbound_id=inbound_id)


def inbound_pending_ids(*, limit: int = 500) -> list[int]:
    """Stored emails whose processing task seems lost."""
    return list(
        InboundEmail.objects.filter(
            status=Status.RECEIVED, received_at__lt=timezone.now() - STALE_RECEIVED
        )
        .order_by("received_at")
        .values_list("pk", flat=True)[:limit]
    )


def _quarantine(row: InboundEmail, exc: Exception) -> None:
    if isinstance(exc, Quarantine):
        error = str(exc)
    else:
        logger.exception("inbound email %s quarantined", row.pk)
        frames = traceback.format_tb(exc.__traceback__)[-3:]
        error = "".join([*traceback.format_exception_only(exc), *frames])
    row.status, row.outcome, row.error = Status.QUARANTINED, "", error[:4000]
    row.ticket = row.result_message = None


def _process(row: InboundEmail) -> None:
    parsed = parse_email(
        bytes(row.raw), max_attachment_bytes=row.inbox.max_attachment_bytes
    )
    verdict = loopguard.classify(parsed.mime)
    if verdict.kind == loopguard.Kind.BOUNCE:
        _bounce(row, verdict)
    elif verdict.kind == loopguard.Kind.AUTO_REPLY:
        _auto_reply(row, parsed)
    else:
        _deliver(row, parsed, is_bulk=verdict.kind == loopguard.Kind.BULK)


def _deliver(row: InboundEmail, parsed: ParsedEmail, *, is_bulk: bool) -> None:
    """A person's mail: onto its ticket if the sender belongs there, else a
    new ticket (linked to the one it mentions, if any)."""
    sender = parsed.from_address
    if not _ADDRESS.match(sender) or len(sender) > 254:
        raise Quarantine(
            _("No usable sender: the From header is missing or unreadable.")
        )
    earlier = _same_message_stored(row.inbox, parsed)
    if earlier:
        row.status = Status.DUPLICATE
        row.ticket, row.result_message = earlier.ticket, earlier
        return
    match = threading.find_ticket(inbox=row.inbox, parsed=parsed)
    ticket = match.ticket if match else None
    if (
        ticket
        and ticket.status != Ticket.Status.CLOSED
        and threading.is_participant(ticket=ticket, address=sender)
    ):
        _append(row, parsed, ticket)
    else:
        _open(row, parsed, linked_to=ticket, is_bulk=is_bulk)


def _same_message_stored(inbox: Inbox, parsed: ParsedEmail) -> Message | None:
    """The same message already stored from another delivery (trace headers
    differ, so the bytes do; Message-ID, sender and text do not)."""
    if not parsed.message_id:
        return None
    return (
        Message.objects.filter(
            ticket__inbox=inbox,
            kind=Message.Kind.INBOUND,
            message_id=parsed.message_id,
            from_address__iexact=parsed.from_address,
            body_text=parsed.body_text,
        )
        .select_related("ticket")
        .first()
    )


def _open(
    row: InboundEmail, parsed: ParsedEmail, *, linked_to: Ticket | None, is_bulk: bool
) -> None:
    inbox = row.inbox
    text = f"{parsed.subject}\n{parsed.body_text}"
    customer = services.customer_get_or_create(
        email=parsed.from_address,
        name=parsed.from_name[:200],
        language="de" if acknowledge.looks_german(text) else "en",
    )
    ticket = services.ticket_create(
        inbox=inbox,
        customer=customer,
        subject=parsed.subject,
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        is_bulk=is_bulk,
        linked_to=linked_to,
        received_at=row.received_at,
    )
    message = ticket.messages.get()
    # ticket_create records the essentials; the mail adds what it knows more.
    message.from_address = parsed.from_address
    message.to_addresses = parsed.to or message.to_addresses
    message.cc_addresses = parsed.cc
    message.body_quoted = parsed.body_quoted
    message.save(
        update_fields=["from_address", "to_addresses", "cc_addresses", "body_quoted"]
    )
    _store_attachments(message, parsed.attachments)
    if not is_bulk:
        acknowledge.ticket_acknowledge(ticket=ticket, first_message=message)
    row.status = Status.PROCESSED
    row.outcome = Outcome.BULK if is_bulk else Outcome.TICKET_CREATED
    row.ticket, row.result_message = ticket, message


def _append(row: InboundEmail, parsed: ParsedEmail, ticket: Ticket) -> None:
    message = _add_to_ticket(row, ticket, parsed, is_auto=False)
    ticket = message.ticket
    # The customer answered: the next move is ours again.
    if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.WAITING_CUSTOMER):
        if ticket.status == Ticket.Status.RESOLVED:
            note = _("Reopened by a reply from %(sender)s")
        else:
            note = _("Reply from %(sender)s")
        services.ticket_transition(
            ticket=ticket,
            to=Ticket.Status.OPEN,
            actor=None,
            note=note % {"sender": parsed.from_address},
        )
    row.status, row.outcome = Status.PROCESSED, Outcome.REPLY_THREADED
    row.ticket, row.result_message = ticket, message


def _auto_reply(row: InboundEmail, parsed: ParsedEmail) -> None:
    """Shown on the ticket it answers (which stays as it is); else only kept."""
    row.status, row.outcome = Status.IGNORED, Outcome.AUTO_REPLY
    match = threading.find_ticket(inbox=row.inbox, parsed=parsed)
    if match and threading.is_participant(
        ticket=match.ticket, address=parsed.from_address
    ):
        message = _add_to_ticket(row, match.ticket, parsed, is_auto=True)
        row.ticket, row.result_message = match.ticket, message


def _bounce(row: InboundEmail, verdict: loopguard.Verdict) -> None:
    """A bounce of our own mail marks that mail's delivery as failed."""
    row.status, row.outcome = Status.IGNORED, Outcome.BOUNCE
    ours = (
        Message.objects.filter(
            ticket__inbox=row.inbox,
            kind=Message.Kind.REPLY,
            message_id__in=list(verdict.original_ids[:50]),
        )
        .select_related("ticket")
        .order_by("-created_at")
        .first()
    )
    if ours is None:
        return
    if verdict.failed:
        services.message_mark_bounced(
            message=ours, reason=verdict.diagnostic or verdict.reason
        )
    row.ticket, row.result_message = ours.ticket, ours


def _add_to_ticket(
    row: InboundEmail, ticket: Ticket, parsed: ParsedEmail, *, is_auto: bool
) -> Message:
    sender = parsed.from_address
    if sender.lower() == ticket.customer.email.lower():
        customer = ticket.customer
    else:
        customer = Customer.objects.filter(email__iexact=sender).first()
    message = services.ticket_add_inbound(
        ticket=ticket,
        customer=customer,
        from_address=sender,
        subject=parsed.subject,
        body_text=parsed.body_text,
        body_html=parsed.body_html,
        body_quoted=parsed.body_quoted,
        message_id=parsed.message_id,
        in_reply_to=parsed.in_reply_to,
        references=" ".join(parsed.references),
        to=parsed.to,
        cc=parsed.cc,
        is_auto=is_auto,
        received_at=row.received_at,
    )
    _store_attachments(message, parsed.attachments)
    return message


def _store_attachments(message: Message, attachments: list[ParsedAttachment]) -> None:
    for attachment in attachments:
        try:
            stored_name = get_valid_filename(attachment.filename)
        except SuspiciousFileOperation:
            stored_name = "attachment"
        Attachment.objects.create(
            message=message,
            file=ContentFile(attachment.payload, name=stored_name[:100]),
            filename=attachment.filename,
            content_type=attachment.content_type[:200],
            size=len(attachment.payload),
        )
