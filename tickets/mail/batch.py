"""Acting on parsed inbound emails a batch at a time, with the outcome of
acting on them one by one in order, but with one query per kind of lookup and
one statement per table for the whole batch.

The common cases (a new complaint, a reply onto its ticket, a duplicate) are
decided in memory, under the locks the services would take, and written
together. The rare ones (bounces, auto-replies, a reply that reopens its
ticket) first write what is pending and then go through the services one at a
time. The caller holds the transaction and the locks on the InboundEmail rows.

Locks are taken in one order (tickets, customers, then the inbox and its
members) and new customers are inserted sorted by address, so two batches
never wait on each other in a circle; should PostgreSQL still report a
deadlock, the caller processes the emails one at a time."""

import logging
import re
import traceback
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.notes import system_note
from tickets import services
from tickets.mail import acknowledge, loopguard, threading
from tickets.mail.automatic import auto_reply, bounce
from tickets.mail.parse import ParsedAttachment, ParsedEmail
from tickets.mail.reading import ReadFailure
from tickets.mail.rows import attachment_for, copy_rows, draw_ids, update_rows
from tickets.models import (
    Attachment,
    Customer,
    InboundEmail,
    Inbox,
    Membership,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
)

logger = logging.getLogger(__name__)

Status = InboundEmail.Status
Outcome = InboundEmail.Outcome
Kind = loopguard.Kind
_ADDRESS = re.compile(r"^[^@\s<>()\",;:]+@[^@\s<>()\",;:]+$")
# Written back to the InboundEmail rows once they are decided.
ROW_FIELDS = [
    "status",
    "outcome",
    "error",
    "ticket",
    "result_message",
    "attempts",
    "processed_at",
]
# Sorts messages of this batch after every stored one (ties on created_at).
_LATER = 1 << 62
_NEVER = datetime.min.replace(tzinfo=UTC)


class Quarantine(Exception):
    """The message needs a person; the text says why."""


@dataclass
class Item:
    """One locked, received email: parsed, or the reason it could not be."""

    row: InboundEmail
    parsed: ParsedEmail | None = None
    verdict: loopguard.Verdict | None = None
    failure: Exception | None = None


def quarantine(row: InboundEmail, exc: Exception) -> None:
    """Set the row aside with the error; its raw bytes stay."""
    if isinstance(exc, Quarantine):
        error = str(exc)
    elif isinstance(exc, ReadFailure):
        logger.error("inbound email %s quarantined: %s", row.pk, exc.error_text)
        error = exc.error_text
    else:
        logger.error("inbound email %s quarantined", row.pk, exc_info=exc)
        frames = traceback.format_tb(exc.__traceback__)[-3:]
        error = "".join([*traceback.format_exception_only(exc), *frames])
    row.status, row.outcome, row.error = Status.QUARANTINED, "", error[:4000]
    row.ticket = row.result_message = None


class Batch:
    """The emails of one inbox, decided in order and written together."""

    def __init__(self, inbox: Inbox, items: list[Item]) -> None:
        self.inbox = inbox
        self.items = items
        self.now = timezone.now()
        # Writes waiting for flush(), each list in the order the one-by-one
        # processing made them (so ids come out in the same order).
        self.new_customers: list[Customer] = []
        self.new_tickets: list[Ticket] = []
        self.touched_tickets: dict[int, Ticket] = {}
        self.touched_members: dict[int, Membership] = {}
        self.messages: list[Message] = []
        self.attachments: list[Attachment] = []
        self.outbound: list[OutboundEmail] = []
        self.events: list[tuple[TicketEvent, Message | None]] = []
        self.rows: list[InboundEmail] = []
        self.acknowledged: list[tuple[Ticket, Message, OutboundEmail]] = []
        # What the batch knows, read once (under lock) and kept up to date.
        self.last_number: int | None = None
        self.number_changed = False
        self.candidates: list[Membership] | None = None
        self.open_counts: dict[int, int] = {}
        self.customers: dict[str, Customer] = {}
        self.tickets: dict[int, Ticket] = {}
        self.by_token: dict[str, Ticket] = {}
        self.by_reference: dict[str, Ticket] = {}
        # Message-ID -> ((created_at, order), ticket): the latest message wins.
        self.thread: dict[str, tuple[tuple[datetime, int], Ticket]] = {}
        self.stored_inbound_ids: set[str] = set()
        self.batch_inbound: dict[str, list[Message]] = {}
        self.stored_addresses: dict[int, set[str]] = {}
        self.batch_addresses: dict[int, set[str]] = {}
        self.order = 0

    def run(self) -> None:
        """Decide every email in order and write the outcome."""
        self._prefetch()
        for item in self.items:
            self._decide(item)
        self.flush()

    # --- reading ahead ---------------------------------------------------------

    def _prefetch(self) -> None:
        """Every stored message, ticket and customer the batch may refer to,
        in three queries; tickets and customers locked in id order."""
        ids, tokens, references, senders = set(), set(), set(), set()
        for item in self.items:
            if item.failure is not None or item.verdict.kind == Kind.BOUNCE:
                continue
            parsed = item.parsed
            ids.update(parsed.thread_ids[: threading.MAX_THREAD_IDS])
            if parsed.message_id:
                ids.add(parsed.message_id)
            tokens |= threading.reply_tokens(_recipients(parsed))
            reference = threading.subject_reference(
                inbox=self.inbox, subject=parsed.subject
            )
            if reference:
                references.add(reference)
            if parsed.from_address.strip():
                senders.add(parsed.from_address.strip())
        ticket_ids = set()
        if ids:
            # By Message-ID alone (its index), the inbox checked here.
            rows = (
                Message.objects.filter(message_id__in=ids)
                .exclude(kind=Message.Kind.NOTE)
                .values_list(
                    "message_id",
                    "ticket_id",
                    "ticket__inbox_id",
                    "kind",
                    "created_at",
                    "pk",
                )
            )
            for message_id, ticket_id, inbox_id, kind, created_at, pk in rows:
                if inbox_id != self.inbox.pk:
                    continue
                if kind == Message.Kind.INBOUND:
                    self.stored_inbound_ids.add(message_id)
                key = (created_at, pk)
                current = self.thread.get(message_id)
                if current is None or key > current[0]:
                    self.thread[message_id] = (key, ticket_id)
                ticket_ids.add(ticket_id)
        if ticket_ids or tokens or references:
            tickets = (
                Ticket.objects.select_for_update(of=("self",))
                .select_related("customer")
                .filter(
                    Q(pk__in=ticket_ids)
                    | Q(inbox=self.inbox, reply_token__in=tokens)
                    | Q(inbox=self.inbox, reference__in=references)
                )
                .order_by("pk")
            )
            for ticket in tickets:
                self._known(ticket)
        # Stored rows point at tickets by id until here.
        self.thread = {
            message_id: (key, self.tickets[ticket_id])
            for message_id, (key, ticket_id) in self.thread.items()
            if ticket_id in self.tickets  # else deleted in between
        }
        if senders:
            customers = list(
                Customer.objects.select_for_update(of=("self",))
                .filter(_email_in(senders))
                .order_by("pk")
            )
            sent = acknowledge.recent_acknowledgements(
                [c.pk for c in customers], self.now
            )
            for customer in customers:
                customer.recent_acknowledgements = sent.get(customer.pk, 0)
                self.customers[customer.email.lower()] = customer

    def _known(self, ticket: Ticket) -> Ticket:
        """The one object the batch uses for this stored ticket."""
        known = self.tickets.get(ticket.pk)
        if known is None:
            ticket.inbox = self.inbox
            self.tickets[ticket.pk] = known = ticket
            self.by_token[ticket.reply_token] = ticket
            self.by_reference[ticket.reference] = ticket
        return known

    # --- deciding --------------------------------------------------------------

    def _decide(self, item: Item) -> None:
        row = item.row
        if item.failure is not None:
            quarantine(row, item.failure)
        elif item.verdict.kind in (Kind.BOUNCE, Kind.AUTO_REPLY):
            self._one_by_one(item)
        else:
            try:
                self._deliver(item, is_bulk=item.verdict.kind == Kind.BULK)
            except Quarantine as exc:
                quarantine(row, exc)
        row.processed_at = timezone.now()
        self.rows.append(row)

    def _deliver(self, item: Item, *, is_bulk: bool) -> None:
        """A person's mail: onto its ticket if the sender belongs there, else a
        new ticket (linked to the one it mentions, if any)."""
        row, parsed = item.row, item.parsed
        sender = parsed.from_address
        if not _ADDRESS.match(sender) or len(sender) > 254:
            raise Quarantine(
                _("No usable sender: the From header is missing or unreadable.")
            )
        earlier = self._same_message(parsed)
        if earlier is not None:
            row.status = Status.DUPLICATE
            row.ticket, row.result_message = earlier.ticket, earlier
            return
        ticket = self._find_ticket(parsed)
        if (
            ticket is not None
            and ticket.status != Ticket.Status.CLOSED
            and self._is_participant(ticket, sender)
        ):
            self._append(item, ticket)
        else:
            self._open(item, linked_to=ticket, is_bulk=is_bulk)

    def _same_message(self, parsed: ParsedEmail) -> Message | None:
        """The same message already stored from another delivery (trace headers
        differ, so the bytes do; Message-ID, sender and text do not)."""
        if not parsed.message_id:
            return None
        if parsed.message_id in self.stored_inbound_ids:
            earlier = same_message_stored(self.inbox, parsed)
            if earlier is not None:
                return earlier
        sender = parsed.from_address.upper()
        for message in self.batch_inbound.get(parsed.message_id, ()):
            if (
                message.from_address.upper() == sender
                and message.body_text == parsed.body_text
            ):
                return message
        return None

    def _find_ticket(self, parsed: ParsedEmail) -> Ticket | None:
        """As threading.find_ticket, over what is stored and this batch."""
        for message_id in parsed.thread_ids[: threading.MAX_THREAD_IDS]:
            found = self.thread.get(message_id)
            if found is not None:
                return found[1]
        tokens = threading.reply_tokens(_recipients(parsed))
        matches = [self.by_token[t] for t in tokens if t in self.by_token]
        if matches:
            # The most recently updated, as the ticket lists sort.
            return max(matches, key=lambda t: (t.updated_at, t.pk or _LATER))
        reference = threading.subject_reference(
            inbox=self.inbox, subject=parsed.subject
        )
        return self.by_reference.get(reference) if reference else None

    def _is_participant(self, ticket: Ticket, address: str) -> bool:
        """As threading.is_participant, over what is stored and this batch."""
        address = address.strip().lower()
        if not address or address == self.inbox.email_address.lower():
            return False
        if address == ticket.customer.email.lower():
            return True
        key = id(ticket)
        if key not in self.stored_addresses:
            self.stored_addresses[key] = (
                threading.conversation_addresses(ticket)
                if ticket.pk is not None
                else set()
            )
        return address in self.stored_addresses[
            key
        ] or address in self.batch_addresses.get(key, ())

    def _append(self, item: Item, ticket: Ticket) -> None:
        """As services.ticket_add_inbound; a reply to a resolved ticket or one
        waiting on the customer moves it back to open."""
        row, parsed = item.row, item.parsed
        sender = parsed.from_address
        if sender.lower() == ticket.customer.email.lower():
            customer = ticket.customer
        else:
            customer = self.customers.get(sender.strip().lower())
        now = row.received_at
        message = services._inbound_message(
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
            is_auto=False,
            now=now,
        )
        self._add_message(message, ticket)
        self.events.append(
            (
                services._audit_event(
                    ticket,
                    kind=TicketEvent.Kind.RECEIVED,
                    actor=None,
                    note=services._received_note(from_address=sender, is_auto=False),
                ),
                message,
            )
        )
        ticket.last_message_at = now
        ticket.updated_at = timezone.now()
        if ticket.pk is not None:
            self.touched_tickets[ticket.pk] = ticket
        self._add_attachments(message, parsed.attachments)
        # The customer answered: the next move is ours again.
        if ticket.status in (Ticket.Status.RESOLVED, Ticket.Status.WAITING_CUSTOMER):
            if ticket.status == Ticket.Status.RESOLVED:
                note = system_note("reopened_by_reply", sender=sender)
            else:
                note = system_note("reply_from", sender=sender)
            self.flush()
            moved = services.ticket_transition(
                ticket=ticket,
                to=Ticket.Status.OPEN,
                actor=None,
                note=note,
            )
            _copy_fields(moved, ticket)
            # Open-ticket counts may have changed: read them again if needed.
            self.candidates = None
        row.status, row.outcome = Status.PROCESSED, Outcome.REPLY_THREADED
        row.ticket, row.result_message = ticket, message

    def _open(self, item: Item, *, linked_to: Ticket | None, is_bulk: bool) -> None:
        """As customer_get_or_create, ticket_create and ticket_acknowledge."""
        row, parsed = item.row, item.parsed
        text = f"{parsed.subject}\n{parsed.body_text}"
        customer = self._customer(
            email=parsed.from_address,
            name=parsed.from_name[:200],
            language="de" if acknowledge.looks_german(text) else "en",
        )
        number = self._next_number()
        assignee = (
            self._next_assignee() if self.inbox.auto_assign and not is_bulk else None
        )
        ticket, message, events = services._new_ticket(
            inbox=self.inbox,
            number=number,
            customer=customer,
            subject=parsed.subject,
            body_text=parsed.body_text,
            body_html=parsed.body_html,
            actor=None,
            priority=Ticket.Priority.NORMAL,
            category="",
            component=None,
            tags=(),
            message_id=parsed.message_id,
            in_reply_to=parsed.in_reply_to,
            references=" ".join(parsed.references),
            is_bulk=is_bulk,
            linked_to=linked_to,
            now=row.received_at,
            assignee=assignee,
        )
        # The ticket records the essentials; the mail adds what it knows more.
        message.from_address = parsed.from_address
        message.to_addresses = parsed.to or message.to_addresses
        message.cc_addresses = parsed.cc
        message.body_quoted = parsed.body_quoted
        self.new_tickets.append(ticket)
        self.by_token[ticket.reply_token] = ticket
        self.by_reference[ticket.reference] = ticket
        self._add_message(message, ticket)
        self.events.extend((event, None) for event in events)
        self._add_attachments(message, parsed.attachments)
        if not is_bulk:
            self._acknowledge(ticket, message, customer)
        row.status = Status.PROCESSED
        row.outcome = Outcome.BULK if is_bulk else Outcome.TICKET_CREATED
        row.ticket, row.result_message = ticket, message

    def _customer(self, *, email: str, name: str, language: str) -> Customer:
        """As customer_get_or_create: found (case-insensitive) or new."""
        email = email.strip()
        customer = self.customers.get(email.lower())
        if customer is None:
            customer = Customer(email=email, name=name, language=language)
            customer.recent_acknowledgements = 0
            self.customers[email.lower()] = customer
            self.new_customers.append(customer)
        return customer

    def _next_number(self) -> int:
        """The inbox row stays locked until commit, so numbers are counted here."""
        if self.last_number is None:
            self.last_number = (
                Inbox.objects.select_for_update()
                .values_list("last_ticket_number", flat=True)
                .get(pk=self.inbox.pk)
            )
        self.last_number += 1
        self.number_changed = True
        return self.last_number

    def _next_assignee(self) -> Membership | None:
        """As ticket_auto_assign: the members stay locked until commit, so the
        round robin continues in memory."""
        if self.candidates is None:
            self.candidates = services._assignment_candidates(self.inbox.pk)
            self.open_counts = services._open_ticket_counts(
                self.inbox.pk, self.candidates
            )
        membership = services._next_assignee(self.candidates, lambda: self.open_counts)
        if membership is not None:
            membership.last_assigned_at = timezone.now()
            self.touched_members[membership.pk] = membership
            self.candidates.sort(key=_waiting_order)
            if membership.open_ticket_cap is not None:
                user_id = membership.user_id
                self.open_counts[user_id] = self.open_counts.get(user_id, 0) + 1
        return membership

    def _acknowledge(self, ticket: Ticket, first: Message, customer: Customer) -> None:
        """As acknowledge.ticket_acknowledge: at most a few per sender an hour."""
        limit = acknowledge.MAX_PER_SENDER_PER_HOUR
        if customer.recent_acknowledgements >= limit:
            return
        message = acknowledge.acknowledgement(
            ticket=ticket, first_message=first, customer=customer, now=timezone.now()
        )
        outbound = OutboundEmail(message=message)
        self._add_message(message, ticket)
        self.outbound.append(outbound)
        self.events.append(
            (
                services._audit_event(
                    ticket,
                    kind=TicketEvent.Kind.REPLIED,
                    actor=None,
                    note=acknowledge.acknowledgement_note(),
                ),
                message,
            )
        )
        self.acknowledged.append((ticket, message, outbound))
        customer.recent_acknowledgements += 1

    def _add_message(self, message: Message, ticket: Ticket) -> None:
        """Queue a message and let later emails of the batch find it."""
        self.messages.append(message)
        self._learn(message, ticket)

    def _learn(self, message: Message, ticket: Ticket) -> None:
        self.order += 1
        key = (message.created_at, _LATER + self.order)
        current = self.thread.get(message.message_id)
        if message.message_id and (current is None or key > current[0]):
            self.thread[message.message_id] = (key, ticket)
        if message.kind == Message.Kind.INBOUND and message.message_id:
            self.batch_inbound.setdefault(message.message_id, []).append(message)
        self.batch_addresses.setdefault(id(ticket), set()).update(
            a.lower()
            for a in (
                message.from_address,
                *message.to_addresses,
                *message.cc_addresses,
            )
        )

    def _add_attachments(
        self, message: Message, attachments: list[ParsedAttachment]
    ) -> None:
        self.attachments.extend(attachment_for(message, a) for a in attachments)

    # --- the rare cases, one by one ------------------------------------------------

    def _one_by_one(self, item: Item) -> None:
        """Bounces and auto-replies go through the services as single emails."""
        self.flush()
        if item.verdict.kind == Kind.BOUNCE:
            bounce(item.row, item.verdict)
            return
        message = auto_reply(item.row, item.parsed)
        if message is not None:
            self._learn(message, self._known(message.ticket))

    # --- writing -------------------------------------------------------------------

    def flush(self) -> None:
        """Write everything decided so far, parents before children."""
        if self.new_customers:
            self._save_customers()
        # Ids first, so every foreign key is known before the first row goes in.
        new_rows = [
            self.new_tickets,
            self.messages,
            self.attachments,
            self.outbound,
            [event for event, _message in self.events],
        ]
        if any(new_rows):
            draw_ids([rows for rows in new_rows if rows])
        for event, message in self.events:
            if message is not None:
                event.to_value = str(message.pk)
        for rows in new_rows:
            if rows:
                copy_rows(rows)
        for ticket in self.new_tickets:
            self.tickets[ticket.pk] = ticket
        self.new_tickets.clear()
        self.messages.clear()
        self.attachments.clear()
        self.outbound.clear()
        self.events.clear()
        self._write_changes()
        for _ticket, _message, outbound in self.acknowledged:
            services.outbound_send_on_commit(outbound)
        if self.acknowledged:
            acknowledge.acknowledgements_stored(
                [(ticket, message) for ticket, message, _outbound in self.acknowledged]
            )
        self.acknowledged.clear()

    def _write_changes(self) -> None:
        """The ticket counter, assignment turns, touched tickets and decided
        rows: one statement."""
        changes = []
        if self.number_changed:
            counter = Inbox(pk=self.inbox.pk, last_ticket_number=self.last_number)
            changes.append(([counter], ["last_ticket_number"]))
            self.number_changed = False
        if self.touched_members:
            changes.append((list(self.touched_members.values()), ["last_assigned_at"]))
            self.touched_members.clear()
        if self.touched_tickets:
            tickets = list(self.touched_tickets.values())
            changes.append((tickets, ["last_message_at", "updated_at"]))
            self.touched_tickets.clear()
        if self.rows:
            changes.append((list(self.rows), ROW_FIELDS))
            self.rows.clear()
        if changes:
            update_rows(*changes)

    def _save_customers(self) -> None:
        """New customers in address order (so two batches never wait on each
        other in a circle); one created meanwhile elsewhere is taken as found."""
        new = sorted(self.new_customers, key=lambda c: c.email.lower())
        Customer.objects.bulk_create(new, ignore_conflicts=True)
        stored = {
            email.lower(): pk
            for pk, email in Customer.objects.filter(
                _email_in([c.email for c in new])
            ).values_list("pk", "email")
        }
        for customer in new:
            customer.pk = stored.get(customer.email.lower())
            if customer.pk is None:
                customer.pk = services._customer_by_email(customer.email).pk
        self.new_customers.clear()


def _email_in(emails: Iterable[str]) -> RawSQL:
    """lower(email) IN (lower(...), ...) on customers: the unique index on
    lower(email), and a hashed list should the planner scan instead (a table
    still without statistics). Written out: as Lower(Value()) expressions a
    hundred addresses cost more to compile than the query takes."""
    emails = list(emails)
    column = ".".join(
        connection.ops.quote_name(name)
        for name in (Customer._meta.db_table, Customer._meta.get_field("email").column)
    )
    placeholders = ", ".join(["lower(%s)"] * len(emails))
    # Identifiers come from the model's metadata; values travel as parameters.
    return RawSQL(  # noqa: S611
        f"lower({column}) IN ({placeholders})", emails, output_field=BooleanField()
    )


def _recipients(parsed: ParsedEmail) -> list[str]:
    return [*parsed.to, *parsed.cc, *parsed.delivered_to]


def _waiting_order(membership: Membership) -> tuple:
    """Longest waiting first (never assigned before all), then by id."""
    last = membership.last_assigned_at
    return (last is not None, last or _NEVER, membership.pk)


def _copy_fields(source: Ticket, target: Ticket) -> None:
    for field in Ticket._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def same_message_stored(inbox: Inbox, parsed: ParsedEmail) -> Message | None:
    """The stored inbound message with this Message-ID, sender and text."""
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
