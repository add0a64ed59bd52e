"""Mail written by machines, one email at a time through the services: a
bounce of our mail marks its delivery failed, an auto-reply is shown on the
ticket it answers. The batch writes what is pending first."""

from tickets import services
from tickets.mail import loopguard, threading
from tickets.mail.parse import ParsedEmail
from tickets.mail.rows import attachment_for
from tickets.models import Attachment, InboundEmail, Message, Ticket

Status = InboundEmail.Status
Outcome = InboundEmail.Outcome


def auto_reply(row: InboundEmail, parsed: ParsedEmail) -> Message | None:
    """Shown on the ticket it answers (which stays as it is); else only kept."""
    row.status, row.outcome = Status.IGNORED, Outcome.AUTO_REPLY
    match = threading.find_ticket(inbox=row.inbox, parsed=parsed)
    if match and threading.is_participant(
        ticket=match.ticket, address=parsed.from_address
    ):
        message = add_to_ticket(row, match.ticket, parsed, is_auto=True)
        row.ticket, row.result_message = match.ticket, message
        return message
    return None


def bounce(row: InboundEmail, verdict: loopguard.Verdict) -> None:
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


def add_to_ticket(
    row: InboundEmail, ticket: Ticket, parsed: ParsedEmail, *, is_auto: bool
) -> Message:
    """Append one email to a ticket through services.ticket_add_inbound."""
    sender = parsed.from_address
    if sender.lower() == ticket.customer.email.lower():
        customer = ticket.customer
    else:
        customer = services._customer_by_email(sender)
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
    Attachment.objects.bulk_create(
        attachment_for(message, a) for a in parsed.attachments
    )
    return message
