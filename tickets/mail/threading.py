"""Find the ticket an inbound email continues, and whether its sender may
add to it.

In order: In-Reply-To/References against every stored Message-ID (inbound
and outbound, indexed); then the reply token of our Reply-To address
(inbox+TOKEN@domain); then the [PREFIX-1234] tag in the subject."""

import re
from dataclasses import dataclass

from tickets.mail.parse import ParsedEmail
from tickets.models import Inbox, Message, Ticket

MAX_THREAD_IDS = 50
_TOKEN = re.compile(r"\+([A-Za-z0-9_-]{6,32})@")


@dataclass(frozen=True)
class ThreadMatch:
    ticket: Ticket
    via: str  # "headers", "token" or "subject"


def find_ticket(*, inbox: Inbox, parsed: ParsedEmail) -> ThreadMatch | None:
    """The ticket of this inbox that the email refers to, if any."""
    ticket = by_thread_ids(inbox=inbox, ids=parsed.thread_ids)
    if ticket:
        return ThreadMatch(ticket, "headers")
    ticket = by_reply_token(
        inbox=inbox, recipients=[*parsed.to, *parsed.cc, *parsed.delivered_to]
    )
    if ticket:
        return ThreadMatch(ticket, "token")
    ticket = by_subject(inbox=inbox, subject=parsed.subject)
    if ticket:
        return ThreadMatch(ticket, "subject")
    return None


def by_thread_ids(*, inbox: Inbox, ids: list[str]) -> Ticket | None:
    """The ticket holding the first of these Message-IDs (preferred order)."""
    ids = ids[:MAX_THREAD_IDS]
    if not ids:
        return None
    found = dict(
        Message.objects.filter(message_id__in=ids, ticket__inbox=inbox)
        .exclude(kind=Message.Kind.NOTE)
        .order_by("created_at", "id")
        .values_list("message_id", "ticket_id")
    )
    for message_id in ids:
        if message_id in found:
            return _ticket(found[message_id])
    return None


def by_reply_token(*, inbox: Inbox, recipients: list[str]) -> Ticket | None:
    tokens = reply_tokens(recipients)
    if not tokens:
        return None
    return (
        Ticket.objects.select_related("customer", "inbox")
        .filter(inbox=inbox, reply_token__in=tokens)
        .first()
    )


def by_subject(*, inbox: Inbox, subject: str) -> Ticket | None:
    reference = subject_reference(inbox=inbox, subject=subject)
    if reference is None:
        return None
    return (
        Ticket.objects.select_related("customer", "inbox")
        .filter(inbox=inbox, reference=reference)
        .first()
    )


def reply_tokens(recipients: list[str]) -> set[str]:
    """The reply tokens of inbox+TOKEN@domain addresses among the recipients."""
    return {m.group(1).lower() for a in recipients if (m := _TOKEN.search(a))}


def subject_reference(*, inbox: Inbox, subject: str) -> str | None:
    """The ticket reference of this inbox's [PREFIX-1234] tag in the subject."""
    pattern = rf"\[\s*{re.escape(inbox.reference_prefix)}-(\d{{1,9}})\s*\]"
    found = re.search(pattern, subject, re.IGNORECASE)
    if not found:
        return None
    return f"{inbox.reference_prefix}-{int(found.group(1))}"


def is_participant(*, ticket: Ticket, address: str) -> bool:
    """The ticket's customer, or an address already in its conversation
    (never the inbox itself: that would be our own mail coming back)."""
    address = address.strip().lower()
    if not address or address == ticket.inbox.email_address.lower():
        return False
    if address == ticket.customer.email.lower():
        return True
    return address in conversation_addresses(ticket)


def conversation_addresses(ticket: Ticket) -> set[str]:
    """Every address in the ticket's stored conversation, lower-cased."""
    rows = ticket.messages.exclude(kind=Message.Kind.NOTE).values_list(
        "from_address", "to_addresses", "cc_addresses"
    )
    return {a.lower() for sender, to, cc in rows for a in (sender, *to, *cc)}


def _ticket(pk: int) -> Ticket:
    return Ticket.objects.select_related("customer", "inbox").get(pk=pk)
