"""Automatic acknowledgement of a new ticket: in the customer's language,
apologetic where the message is a complaint, naming a concrete local time by
which they hear from us, sent through the outbox, at most a few per sender
per hour."""

import functools
import math
import re
import zoneinfo
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone

from helpdesk.notes import system_note
from tickets import services
from tickets.models import Customer, Message, OutboundEmail, Ticket, TicketEvent

MAX_PER_SENDER_PER_HOUR = 3

_WORD = re.compile(r"[a-zäöüß']+")
_UMLAUTS = frozenset("äöüß")
_GERMAN = frozenset(
    {
        "und", "der", "die", "das", "nicht", "ich", "ist", "mit", "sie", "ein", "eine",
        "für", "auf", "bitte", "noch", "habe", "wurde", "meine", "mein", "vielen",
        "dank", "grüße", "hallo", "sehr", "geehrte", "leider", "immer", "schon",
        "bestellung", "lieferung", "ihre", "ihnen", "wir", "uns", "kein", "keine",
        "heute", "gestern"
    }
)  # fmt: skip
_ENGLISH = frozenset(
    {
        "the", "and", "is", "not", "my", "you", "to", "of", "please", "with", "have",
        "was", "for", "thanks", "hello", "dear", "still", "yet", "order", "delivery",
        "your", "we", "our", "no", "today", "yesterday", "it", "this", "that"
    }
)  # fmt: skip
_COMPLAINT = re.compile(
    r"\b(?:late|delay|never arrived|not arrived|hasn't arrived|broken|damaged|wrong|"
    r"refund|complain|disappoint|unacceptable|angry|charged twice|missing|"
    r"verspät|verzög|nicht angekommen|noch nicht da|kaputt|beschädigt|defekt|"
    r"falsch|erstatt|rückerstatt|reklamation|beschwer|enttäusch|ärger|zerbroch|"
    r"zu spät|inakzeptabel|"
    r"doppelt abgebucht|fehlt)",
    re.IGNORECASE,
)
_DAYS = {
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
           "Sunday"),
    "de": ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag",
           "Sonntag"),
}  # fmt: skip
_MONTHS = {
    "en": ("January", "February", "March", "April", "May", "June", "July",
           "August", "September", "October", "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
           "September", "Oktober", "November", "Dezember"),
}  # fmt: skip


@functools.lru_cache(maxsize=256)
def looks_german(text: str) -> bool:
    """More German than English function words (umlauts count too); asked
    twice of a new ticket's text (customer, acknowledgement), read once."""
    words = _WORD.findall(text[:5000].lower())
    german = sum(w in _GERMAN or not _UMLAUTS.isdisjoint(w) for w in words)
    english = sum(w in _ENGLISH for w in words)
    return german > english


def sounds_like_complaint(text: str) -> bool:
    return bool(_COMPLAINT.search(text[:5000]))


def language_for(*, customer: Customer, text: str) -> str:
    return "de" if customer.language == "de" or looks_german(text) else "en"


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def reply_by(*, due: datetime, now: datetime, time_zone: str, language: str) -> str:
    """The due time as people say it, e.g. "Tuesday 14:15" or "heute um
    14:15 Uhr"; rounded up to the quarter hour, in the inbox's time zone."""
    zone = _zone(time_zone)
    local = due.astimezone(zone).replace(second=0, microsecond=0)
    local += timedelta(minutes=math.ceil(local.minute / 15) * 15 - local.minute)
    days = (local.date() - now.astimezone(zone).date()).days
    clock = f"{local:%H:%M}"
    weekday = _DAYS[language][local.weekday()]
    month = _MONTHS[language][local.month - 1]
    if language == "de":
        if days <= 1:
            return f"{('heute', 'morgen')[max(days, 0)]} um {clock} Uhr"
        if days < 7:
            return f"am {weekday} um {clock} Uhr"
        return f"am {weekday}, {local.day}. {month}, um {clock} Uhr"
    if days <= 1:
        return f"{clock} {('today', 'tomorrow')[max(days, 0)]}"
    if days < 7:
        return f"{weekday} {clock}"
    return f"{weekday}, {local.day} {month}, {clock}"


def recent_acknowledgements(customer_ids: list[int], now: datetime) -> dict[int, int]:
    """Acknowledgements each customer got in the hour before `now` (read
    through the partial index of automatic replies by time)."""
    return dict(
        Message.objects.filter(
            kind=Message.Kind.REPLY,
            is_auto=True,
            created_at__gte=now - timedelta(hours=1),
            ticket__customer_id__in=customer_ids,
        )
        .order_by()
        .values_list("ticket__customer_id")
        .annotate(n=Count("pk"))
    )


@transaction.atomic
def ticket_acknowledge(*, ticket: Ticket, first_message: Message) -> Message | None:
    """Queue the acknowledgement of a new ticket, unless this sender already
    got MAX_PER_SENDER_PER_HOUR of them in the last hour."""
    now = timezone.now()
    # Locking the customer serialises concurrent intakes from one sender.
    customer = Customer.objects.select_for_update().get(pk=ticket.customer_id)
    sent = recent_acknowledgements([customer.pk], now).get(customer.pk, 0)
    if sent >= MAX_PER_SENDER_PER_HOUR:
        return None
    message = acknowledgement(
        ticket=ticket, first_message=first_message, customer=customer, now=now
    )
    message.save(force_insert=True)
    outbound = OutboundEmail.objects.create(message=message)
    services._audit(
        ticket,
        kind=TicketEvent.Kind.REPLIED,
        actor=None,
        to_value=message.pk,
        note=acknowledgement_note(),
    )
    services.outbound_send_on_commit(outbound)
    acknowledgements_stored([(ticket, message)])
    return message


def acknowledgement(
    *, ticket: Ticket, first_message: Message, customer: Customer, now: datetime
) -> Message:
    """The unsaved acknowledgement (ticket_acknowledge saves one, the intake
    many at once)."""
    text = f"{ticket.subject}\n{first_message.body_text}"
    language = language_for(customer=customer, text=text)
    inbox = ticket.inbox
    assignee = ticket.assignee
    body = render_to_string(
        f"tickets/email/acknowledgement_{language}.txt",
        {
            "customer_name": customer.name,
            "reference": ticket.reference,
            "apologise": sounds_like_complaint(text),
            "reply_by": reply_by(
                due=ticket.created_at + inbox.expected_first_response,
                now=now,
                time_zone=inbox.time_zone,
                language=language,
            ),
            "signer": (assignee.get_short_name() or assignee.get_username())
            if assignee
            else inbox.name,
        },
    ).strip()
    return Message(
        ticket=ticket,
        kind=Message.Kind.REPLY,
        is_auto=True,
        from_address=inbox.email_address,
        to_addresses=[customer.email],
        subject=services.reply_subject(ticket),
        body_text=body,
        message_id=services.new_message_id(),
        in_reply_to=first_message.message_id,
        references=first_message.message_id,
        created_at=now,
    )


def acknowledgement_note() -> dict:
    return system_note("auto_acknowledged")


def acknowledgements_stored(acknowledged: list[tuple[Ticket, Message]]) -> None:
    """What follows stored acknowledgements (the intake passes a whole batch):
    the promise each one made, recorded for the batch at once."""
    from followups.services.hooks import tickets_acknowledged

    tickets_acknowledged(
        [
            (ticket, message, ticket.created_at + ticket.inbox.expected_first_response)
            for ticket, message in acknowledged
        ]
    )
