"""Every write to inboxes, customers, tickets and messages.

Each service owns its transaction, locks what it reads to modify, writes a
TicketEvent for every change, and enqueues side effects only after commit.
"""

import logging
import uuid
import zoneinfo
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError, TransitionNotAllowed
from helpdesk.notes import note_fields, system_note
from tickets.models import (
    AgentProfile,
    Component,
    Customer,
    Inbox,
    Membership,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

User = AbstractBaseUser
Status = Ticket.Status


def new_message_id() -> str:
    """A globally unique RFC 5322 Message-ID in our mail domain."""
    return f"<{uuid.uuid4().hex}@{settings.MAIL_DOMAIN}>"


# --- customers ---------------------------------------------------------------


def customer_get_or_create(*, email: str, name: str = "", **defaults) -> Customer:
    """The customer with this address (case-insensitive), created if new."""
    email = email.strip()
    customer = _customer_by_email(email)
    if customer is None:
        # Two intakes racing for a new address: the unique index decides.
        Customer.objects.bulk_create(
            [Customer(email=email, name=name, **defaults)], ignore_conflicts=True
        )
        customer = _customer_by_email(email)
    return customer


def _customer_by_email(email: str) -> Customer | None:
    """The customer with this address, through the unique index on lower(email)
    (a filter on email__iexact compares upper() and cannot use it)."""
    return (
        Customer.objects.alias(email_lower=Lower("email"))
        .filter(email_lower=Lower(Value(email)))
        .first()
    )


# --- tickets -----------------------------------------------------------------


def _lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)


def _audit(
    ticket: Ticket,
    *,
    kind: str,
    actor: User | None,
    from_value: object = "",
    to_value: object = "",
    note: str | dict = "",
) -> TicketEvent:
    event = _audit_event(
        ticket,
        kind=kind,
        actor=actor,
        from_value=from_value,
        to_value=to_value,
        note=note,
    )
    event.save(force_insert=True)
    return event


def _audit_event(
    ticket: Ticket,
    *,
    kind: str,
    actor: User | None,
    from_value: object = "",
    to_value: object = "",
    note: str | dict = "",
) -> TicketEvent:
    """The unsaved audit row (saved by _audit, or in bulk)."""
    return TicketEvent(
        ticket=ticket,
        actor=actor,
        kind=kind,
        from_value=str(from_value or "")[:200],
        to_value=str(to_value or "")[:200],
        **note_fields(note),
    )


def _touch(ticket: Ticket, *fields: str) -> None:
    ticket.updated_at = timezone.now()
    ticket.save(update_fields=[*fields, "updated_at"])


def _next_ticket_number(inbox: Inbox) -> int:
    """Allocate the next number of this inbox (row lock until commit)."""
    table = connection.ops.quote_name(Inbox._meta.db_table)
    column = connection.ops.quote_name(
        Inbox._meta.get_field("last_ticket_number").column
    )
    with connection.cursor() as cursor:
        # One round trip: increment and read back under the row lock.
        cursor.execute(
            f"UPDATE {table} SET {column} = {column} + 1 WHERE id = %s "  # noqa: S608
            f"RETURNING {column}",
            [inbox.pk],
        )
        return cursor.fetchone()[0]


@transaction.atomic
def ticket_create(
    *,
    inbox: Inbox,
    customer: Customer,
    subject: str,
    body_text: str = "",
    body_html: str = "",
    actor: User | None = None,
    priority: str = Ticket.Priority.NORMAL,
    category: str = "",
    component: Component | None = None,
    tags: Iterable[str] = (),
    message_id: str = "",
    in_reply_to: str = "",
    references: str = "",
    is_bulk: bool = False,
    linked_to: Ticket | None = None,
    received_at: datetime | None = None,
) -> Ticket:
    """Open a ticket with its first customer message and assign it if the inbox
    assigns automatically."""
    number = _next_ticket_number(inbox)
    assignee = _auto_assignee(inbox.pk) if inbox.auto_assign and not is_bulk else None
    ticket, message, events = _new_ticket(
        inbox=inbox,
        number=number,
        customer=customer,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        actor=actor,
        priority=priority,
        category=category,
        component=component,
        tags=tags,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        is_bulk=is_bulk,
        linked_to=linked_to,
        now=received_at or timezone.now(),
        assignee=assignee,
    )
    ticket.save(force_insert=True)
    message.save(force_insert=True)
    TicketEvent.objects.bulk_create(events)
    return ticket


def _new_ticket(
    *,
    inbox: Inbox,
    number: int,
    customer: Customer,
    subject: str,
    body_text: str,
    body_html: str,
    actor: User | None,
    priority: str,
    category: str,
    component: Component | None,
    tags: Iterable[str],
    message_id: str,
    in_reply_to: str,
    references: str,
    is_bulk: bool,
    linked_to: Ticket | None,
    now: datetime,
    assignee: Membership | None,
) -> tuple[Ticket, Message, list[TicketEvent]]:
    """The unsaved rows of a new ticket: the ticket, its first customer message
    and its audit events (ticket_create saves one, the intake many at once)."""
    ticket = Ticket(
        inbox=inbox,
        number=number,
        reference=f"{inbox.reference_prefix}-{number}",
        customer=customer,
        subject=(subject or _("(no subject)"))[:300],
        priority=priority,
        category=category,
        component=component,
        tags=_clean_tags(tags),
        is_bulk=is_bulk,
        linked_to=linked_to,
        created_at=now,
        updated_at=now,
        last_message_at=now,
    )
    message = Message(
        ticket=ticket,
        kind=Message.Kind.INBOUND,
        author_customer=customer,
        from_address=customer.email,
        to_addresses=[inbox.email_address],
        subject=ticket.subject,
        body_text=body_text,
        body_html=body_html,
        message_id=message_id or new_message_id(),
        in_reply_to=in_reply_to,
        references=references,
        created_at=now,
    )
    events = [
        _audit_event(
            ticket, kind=TicketEvent.Kind.CREATED, actor=actor, to_value=ticket.status
        )
    ]
    if assignee is not None:
        events.append(
            _audit_event(
                ticket,
                kind=TicketEvent.Kind.ASSIGNED,
                actor=None,
                to_value=assignee.user.get_username(),
                note=_auto_assign_note(),
            )
        )
        ticket.assignee = assignee.user
        ticket.updated_at = timezone.now()
    return ticket, message, events


def _clean_tags(tags: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip().lower()[:40]
        if tag:
            seen[tag] = None
    return list(seen)


def _set_status(
    ticket: Ticket, *, to: str, actor: User | None, note: str | dict = ""
) -> None:
    """Only writer of Ticket.status; the caller holds the row lock."""
    if to == ticket.status:
        return
    if not ticket.can_move_to(to):
        raise TransitionNotAllowed(
            ticket.status,
            to,
            _("A ticket cannot move from “%(from)s” to “%(to)s”.")
            % {
                "from": Status(ticket.status).label,
                "to": Status(to).label,
            },
        )
    _audit(
        ticket,
        kind=TicketEvent.Kind.STATUS,
        actor=actor,
        from_value=ticket.status,
        to_value=to,
        note=note,
    )
    now = timezone.now()
    fields = ["status"]
    if to == Status.RESOLVED:
        ticket.resolved_at = now
        fields.append("resolved_at")
    elif to == Status.CLOSED:
        ticket.closed_at = now
        fields.append("closed_at")
        if not ticket.resolved_at:
            ticket.resolved_at = now
            fields.append("resolved_at")
    elif ticket.status in (Status.RESOLVED,):
        ticket.resolved_at = None
        fields.append("resolved_at")
    from followups import services as followup_services

    followup_services.ticket_status_changing(
        ticket=ticket, from_status=ticket.status, to_status=to, actor=actor
    )
    ticket.status = to
    _touch(ticket, *fields)


@transaction.atomic
def ticket_transition(
    *, ticket: Ticket, to: str, actor: User | None, note: str | dict = ""
) -> Ticket:
    """Move the ticket to another status if the transition table allows it."""
    if to not in Status.values:
        raise DomainError(_("Unknown status “%(status)s”.") % {"status": to})
    ticket = _lock_ticket(ticket)
    _set_status(ticket, to=to, actor=actor, note=note)
    return ticket


def _require_member(inbox: Inbox, user: User) -> Membership:
    membership = Membership.objects.filter(inbox=inbox, user=user).first()
    if membership is None:
        raise DomainError(
            _("%(user)s is not a member of %(inbox)s.") % {"user": user, "inbox": inbox}
        )
    return membership


def _assign(
    ticket: Ticket, *, assignee: User | None, actor: User | None, note: str | dict
):
    if ticket.assignee_id == (assignee.pk if assignee else None):
        return
    _audit(
        ticket,
        kind=TicketEvent.Kind.ASSIGNED,
        actor=actor,
        from_value=ticket.assignee.get_username() if ticket.assignee else "",
        to_value=assignee.get_username() if assignee else "",
        note=note,
    )
    ticket.assignee = assignee
    _touch(ticket, "assignee")


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee: User | None, actor: User) -> Ticket:
    """Assign the ticket to a member of its inbox (None unassigns)."""
    ticket = _lock_ticket(ticket)
    if assignee is not None:
        _require_member(ticket.inbox, assignee)
    _assign(ticket, assignee=assignee, actor=actor, note="")
    return ticket


def ticket_claim(*, ticket: Ticket, actor: User) -> Ticket:
    """Assign the ticket to the acting agent."""
    return ticket_assign(ticket=ticket, assignee=actor, actor=actor)


def ticket_auto_assign(*, ticket: Ticket) -> Ticket:
    """Round robin: the agent who waited longest for a ticket, skipping those
    away or at their open-ticket cap. Runs inside the caller's transaction;
    locking the memberships serialises concurrent assignments."""
    membership = _auto_assignee(ticket.inbox_id)
    if membership is not None:
        _assign(ticket, assignee=membership.user, actor=None, note=_auto_assign_note())
    return ticket


def _auto_assignee(inbox_id: int) -> Membership | None:
    """The member whose turn it is, marked as just assigned; None when nobody
    can take a ticket. Runs inside the caller's transaction."""
    candidates = _assignment_candidates(inbox_id)
    membership = _next_assignee(
        candidates, lambda: _open_ticket_counts(inbox_id, candidates)
    )
    if membership is not None:
        Membership.objects.filter(pk=membership.pk).update(
            last_assigned_at=timezone.now()
        )
    return membership


def _assignment_candidates(inbox_id: int) -> list[Membership]:
    """Agents who may get new tickets, longest waiting first; locked, which
    serialises concurrent assignments."""
    return list(
        Membership.objects.select_for_update(of=("self",))
        .filter(
            inbox_id=inbox_id,
            role=Membership.Role.AGENT,
            is_away=False,
            user__is_active=True,
        )
        .select_related("user")
        .order_by(F("last_assigned_at").asc(nulls_first=True), "pk")
    )


def _open_ticket_counts(inbox_id: int, members: list[Membership]) -> dict[int, int]:
    """Active tickets per member with an open-ticket cap, counted up to the cap:
    enough to tell who is at it, however many tickets an agent holds."""
    return {
        member.user_id: Ticket.objects.filter(
            inbox_id=inbox_id,
            status__in=Ticket.ACTIVE_STATUSES,
            assignee_id=member.user_id,
        )[: member.open_ticket_cap].count()
        for member in members
        if member.open_ticket_cap is not None
    }


def _next_assignee(
    candidates: list[Membership], open_counts: Callable[[], dict[int, int]]
) -> Membership | None:
    """The first candidate under their cap; the counts are read only when a
    capped member comes up."""
    counts = None
    for membership in candidates:
        cap = membership.open_ticket_cap
        if cap is not None:
            counts = open_counts() if counts is None else counts
            if counts.get(membership.user_id, 0) >= cap:
                continue
        return membership
    return None


def _auto_assign_note() -> dict:
    return system_note("auto_assigned")


_EDITABLE_FIELDS = {
    "priority": TicketEvent.Kind.PRIORITY,
    "category": TicketEvent.Kind.CATEGORY,
    "component": TicketEvent.Kind.COMPONENT,
    "tags": TicketEvent.Kind.TAGS,
}


@transaction.atomic
def ticket_update(*, ticket: Ticket, actor: User, **changes) -> Ticket:
    """Change priority, category, component or tags; one event per change."""
    unknown = set(changes) - set(_EDITABLE_FIELDS)
    if unknown:
        raise DomainError(_("These fields cannot be changed here: %s") % unknown)
    ticket = _lock_ticket(ticket)
    if "tags" in changes:
        changes["tags"] = _clean_tags(changes["tags"] or [])
    if "priority" in changes and changes["priority"] not in Ticket.Priority.values:
        raise DomainError(_("Unknown priority."))
    if changes.get("category") and changes["category"] not in Ticket.Category.values:
        raise DomainError(_("Unknown category."))
    changed = []
    for field, value in changes.items():
        before = getattr(ticket, field)
        if before == value:
            continue
        _audit(
            ticket,
            kind=_EDITABLE_FIELDS[field],
            actor=actor,
            from_value=", ".join(before) if field == "tags" else before,
            to_value=", ".join(value) if field == "tags" else value,
        )
        setattr(ticket, field, value)
        changed.append(field)
    if changed:
        _touch(ticket, *changed)
    return ticket


# Marks "leave the assignee as it is", since None means "unassign".
KEEP_ASSIGNEE = object()


@transaction.atomic
def ticket_edit(
    *, ticket: Ticket, actor: User, assignee: Any = KEEP_ASSIGNEE, **changes
) -> Ticket:
    """One edit of several properties and the assignee, applied whole or not
    at all: a refused assignment undoes the property changes."""
    if changes:
        ticket = ticket_update(ticket=ticket, actor=actor, **changes)
    if assignee is not KEEP_ASSIGNEE:
        ticket = ticket_assign(ticket=ticket, assignee=assignee, actor=actor)
    return ticket


# --- messages ----------------------------------------------------------------


def _thread_headers(ticket: Ticket) -> tuple[str, str]:
    """In-Reply-To and References for our next mail on this ticket."""
    ids = list(
        ticket.messages.exclude(kind=Message.Kind.NOTE)
        .exclude(message_id="")
        .order_by("created_at", "id")
        .values_list("message_id", flat=True)
    )
    if not ids:
        return "", ""
    # Keep References bounded: the first message plus the latest ones.
    refs = ids if len(ids) <= 10 else [ids[0], *ids[-9:]]
    return ids[-1], " ".join(refs)


@transaction.atomic
def ticket_reply(
    *,
    ticket: Ticket,
    actor: User,
    body_text: str,
    status_after: str | None = Status.WAITING_CUSTOMER,
) -> Message:
    """Write a reply, queue it in the outbox, send it after commit."""
    body_text = body_text.strip()
    if not body_text:
        raise DomainError(_("A reply needs some text."))
    ticket = _lock_ticket(ticket)
    if ticket.status == Status.CLOSED:
        raise DomainError(_("This ticket is closed; open a new ticket to write again."))
    in_reply_to, references = _thread_headers(ticket)
    now = timezone.now()
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        author_user=actor,
        from_address=ticket.inbox.email_address,
        to_addresses=[ticket.customer.email],
        subject=reply_subject(ticket),
        body_text=body_text,
        message_id=new_message_id(),
        in_reply_to=in_reply_to,
        references=references,
        created_at=now,
    )
    outbound = OutboundEmail.objects.create(message=message)
    _audit(ticket, kind=TicketEvent.Kind.REPLIED, actor=actor, to_value=message.pk)
    fields = ["last_message_at"]
    ticket.last_message_at = now
    if ticket.first_response_at is None:
        ticket.first_response_at = now
        fields.append("first_response_at")
    _touch(ticket, *fields)
    if status_after and status_after != ticket.status:
        _set_status(ticket, to=status_after, actor=actor)
    outbound_send_on_commit(outbound)
    from followups import services as followup_services

    followup_services.ticket_replied(ticket=ticket, message=message, actor=actor)
    return message


def reply_subject(ticket: Ticket) -> str:
    """The subject of a reply on the ticket: "Re: <subject> [<reference>]"."""
    tag = f"[{ticket.reference}]"
    subject = (
        ticket.subject
        if ticket.subject.lower().startswith("re:")
        else (f"Re: {ticket.subject}")
    )
    return f"{subject} {tag}"[:300]


def outbound_send_on_commit(outbound: OutboundEmail) -> None:
    """Send the outbox row once the caller's transaction commits."""
    from tickets.tasks import outbound_send_task

    # robust: with the broker down the row stays queued for the sweep.
    transaction.on_commit(
        partial(outbound_send_task.delay, outbound_id=outbound.pk), robust=True
    )


@transaction.atomic
def ticket_add_note(*, ticket: Ticket, actor: User, body_text: str) -> Message:
    """Add an internal note; never sent to the customer."""
    body_text = body_text.strip()
    if not body_text:
        raise DomainError(_("A note needs some text."))
    ticket = _lock_ticket(ticket)
    message = Message.objects.create(
        ticket=ticket,
        kind=Message.Kind.NOTE,
        author_user=actor,
        body_text=body_text,
    )
    _audit(ticket, kind=TicketEvent.Kind.NOTED, actor=actor, to_value=message.pk)
    _touch(ticket)
    return message


# --- memberships -------------------------------------------------------------


@transaction.atomic
def membership_set_away(*, membership: Membership, is_away: bool) -> Membership:
    """Mark a member away (skipped by automatic assignment) or back."""
    Membership.objects.filter(pk=membership.pk).update(is_away=is_away)
    membership.refresh_from_db()
    return membership


# --- agent profiles ----------------------------------------------------------


@transaction.atomic
def agent_profile_update(*, user: User, language: str, time_zone: str) -> AgentProfile:
    """Save the user's interface language and time zone, creating the profile."""
    if language and language not in dict(settings.LANGUAGES):
        raise DomainError(
            _("Unknown language “%(language)s”.") % {"language": language}
        )
    if time_zone not in zoneinfo.available_timezones():
        raise DomainError(_("Unknown time zone “%(zone)s”.") % {"zone": time_zone})
    profile, _created = AgentProfile.objects.update_or_create(
        user=user, defaults={"language": language, "time_zone": time_zone}
    )
    return profile


# --- customers (direct edits) ------------------------------------------------

_CUSTOMER_FIELDS = frozenset(
    {"email", "name", "phone", "preferred_channel", "language", "time_zone", "notes"}
)


def _customer_email_taken(email: str) -> DomainError:
    return DomainError(
        _("A customer with the email address %(email)s already exists.")
        % {"email": email}
    )


def customer_create(*, email: str, **fields: str) -> Customer:
    """Create a customer whose address is new (compared case-insensitively)."""
    unknown = set(fields) - _CUSTOMER_FIELDS
    if unknown:
        raise DomainError(_("Unknown customer fields: %s") % ", ".join(sorted(unknown)))
    email = email.strip()
    if Customer.objects.filter(email__iexact=email).exists():
        raise _customer_email_taken(email)
    try:
        with transaction.atomic():
            return Customer.objects.create(email=email, **fields)
    except IntegrityError:
        # A concurrent create won the unique index on lower(email).
        raise _customer_email_taken(email) from None


def customer_update(*, customer: Customer, **changes: str) -> Customer:
    """Change a customer's details; a new address must not belong to another."""
    unknown = set(changes) - _CUSTOMER_FIELDS
    if unknown:
        raise DomainError(_("Unknown customer fields: %s") % ", ".join(sorted(unknown)))
    if "email" in changes:
        changes["email"] = changes["email"].strip()
        taken = Customer.objects.filter(email__iexact=changes["email"]).exclude(
            pk=customer.pk
        )
        if taken.exists():
            raise _customer_email_taken(changes["email"])
    try:
        with transaction.atomic():
            customer = Customer.objects.select_for_update(of=("self",)).get(
                pk=customer.pk
            )
            changed = [f for f, v in changes.items() if getattr(customer, f) != v]
            for field in changed:
                setattr(customer, field, changes[field])
            if changed:
                customer.save(update_fields=changed)
    except IntegrityError:
        raise _customer_email_taken(changes.get("email", customer.email)) from None
    return customer


# --- inbound mail ------------------------------------------------------------


@transaction.atomic
def ticket_add_inbound(
    *,
    ticket: Ticket,
    customer: Customer | None,
    from_address: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    body_quoted: str = "",
    message_id: str,
    in_reply_to: str = "",
    references: str = "",
    to: Iterable[str] = (),
    cc: Iterable[str] = (),
    is_auto: bool = False,
    received_at: datetime | None = None,
) -> Message:
    """Append a received email to the ticket and audit it; an auto-reply
    does not count as the customer's latest message."""
    now = received_at or timezone.now()
    ticket = _lock_ticket(ticket)
    message = _inbound_message(
        ticket=ticket,
        customer=customer,
        from_address=from_address,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        body_quoted=body_quoted,
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        to=to,
        cc=cc,
        is_auto=is_auto,
        now=now,
    )
    message.save(force_insert=True)
    _audit(
        ticket,
        kind=TicketEvent.Kind.RECEIVED,
        actor=None,
        to_value=message.pk,
        note=_received_note(from_address=from_address, is_auto=is_auto),
    )
    fields = []
    if not is_auto:
        ticket.last_message_at = now
        fields.append("last_message_at")
    _touch(ticket, *fields)
    return message


def _inbound_message(
    *,
    ticket: Ticket,
    customer: Customer | None,
    from_address: str,
    subject: str,
    body_text: str,
    body_html: str,
    body_quoted: str,
    message_id: str,
    in_reply_to: str,
    references: str,
    to: Iterable[str],
    cc: Iterable[str],
    is_auto: bool,
    now: datetime,
) -> Message:
    """The unsaved message ticket_add_inbound appends (the intake appends many
    at once)."""
    return Message(
        ticket=ticket,
        kind=Message.Kind.INBOUND,
        author_customer=customer,
        from_address=from_address,
        to_addresses=list(to),
        cc_addresses=list(cc),
        subject=subject[:300],
        body_text=body_text,
        body_html=body_html,
        body_quoted=body_quoted,
        message_id=message_id or new_message_id(),
        in_reply_to=in_reply_to,
        references=references,
        is_auto=is_auto,
        created_at=now,
    )


def _received_note(*, from_address: str, is_auto: bool) -> str | dict:
    """The note of the audit event for a received email."""
    if is_auto:
        return system_note("auto_reply_from", sender=from_address)
    return from_address


@transaction.atomic
def message_mark_bounced(*, message: Message, reason: str) -> None:
    """Record that our email came back undelivered: outbox row failed and a
    delivery event on its ticket."""
    OutboundEmail.objects.filter(message=message).exclude(
        status=OutboundEmail.Status.FAILED
    ).update(status=OutboundEmail.Status.FAILED, last_error=reason[:2000])
    _audit(
        message.ticket,
        kind=TicketEvent.Kind.DELIVERY,
        actor=None,
        from_value=message.message_id,
        to_value=OutboundEmail.Status.FAILED,
        note=system_note("bounced", reason=reason),
    )
