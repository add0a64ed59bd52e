"""Play planned tickets through the services, so events and outbox rows are
the ones real work would write, then move every timestamp to the demo time
it stands for."""

import random
import uuid
from bisect import bisect_right
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.utils import timezone

from helpdesk.notes import system_note
from tickets import services
from tickets.demo import data
from tickets.demo.plan import (
    BERLIN,
    Plan,
    capitalise,
    fill,
    format_day,
    format_money,
    minutes,
)
from tickets.models import (
    Component,
    Customer,
    Inbox,
    Membership,
    Message,
    OutboundEmail,
    Ticket,
    TicketEvent,
)

Status = Ticket.Status
REPLY_STATUS = {
    "ack": Status.WAITING_CUSTOMER,
    "progress": Status.WAITING_CUSTOMER,
    "third": Status.WAITING_THIRD_PARTY,
    "resolve": Status.RESOLVED,
    "after_still": None,
}


@dataclass
class Played:
    """The state of one ticket while it is played."""

    ticket: Ticket
    status: str
    assignee: AbstractBaseUser | None
    last_message_at: datetime
    updated_at: datetime
    thread: list[str]
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass
class Player:
    """Writes the plans through the services and remembers, per row, which
    demo time it belongs to; `backdate()` then applies those times."""

    rng: random.Random
    now: datetime
    staff: dict[str, AbstractBaseUser]
    inboxes: dict[str, Inbox]
    components: dict[str, Component]
    started: datetime = field(default_factory=timezone.now)
    message_times: dict[int, datetime] = field(default_factory=dict)
    # Per ticket: (wall-clock time a step started, the demo time it stands for)
    clocks: dict[int, list[tuple[datetime, datetime]]] = field(default_factory=dict)
    replies: list[tuple[Message, datetime]] = field(default_factory=list)
    ticket_times: dict[int, dict[str, datetime | None]] = field(default_factory=dict)
    customer_first_seen: dict[int, datetime] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.limits = {
            (m.user.get_username(), m.inbox.slug): m.per_offer_limit_amount
            for m in Membership.objects.select_related("user", "inbox")
        }

    def play(self, plan: Plan) -> None:
        """Create the ticket with its first message and run its steps."""
        ctx = plan.ctx
        body = join(
            self.rng.choice(data.CUSTOMER_GREETINGS[plan.lang]),
            fill(plan.opening.body, ctx),
            fill(self.rng.choice(data.CUSTOMER_SIGNOFFS[plan.lang]), ctx),
        )
        message_id = customer_message_id(plan.customer)
        clock = [(timezone.now(), plan.created)]
        ticket = services.ticket_create(
            inbox=self.inboxes[plan.opening.inbox],
            customer=plan.customer,
            subject=capitalise(fill(plan.opening.subject, ctx)),
            body_text=body,
            message_id=message_id,
            received_at=plan.created,
        )
        played = Played(
            ticket=ticket,
            status=ticket.status,
            assignee=ticket.assignee,
            last_message_at=plan.created,
            updated_at=plan.created,
            thread=[message_id],
        )
        at = plan.created
        for gap, action, arg in plan.steps:
            at = self._when(at, gap, plan=plan, by_customer=action == "customer")
            clock.append((timezone.now(), at))
            getattr(self, f"_do_{action}")(plan, played, at, arg)
            played.updated_at = at
        self.clocks[ticket.pk] = clock
        self.customer_first_seen.setdefault(plan.customer.pk, plan.created)
        self.ticket_times[ticket.pk] = {
            "created_at": plan.created,
            "updated_at": played.updated_at,
            "last_message_at": played.last_message_at,
            "first_response_at": played.first_response_at,
            "resolved_at": played.resolved_at,
            "closed_at": played.closed_at,
        }

    def _when(
        self, after: datetime, gap: timedelta, *, plan: Plan, by_customer: bool
    ) -> datetime:
        """The next step's time: staff work their team's hours, customers
        rarely write in the small hours; always before now."""
        local = (after + gap).astimezone(BERLIN)
        last_day, start, end = data.OFFICE_HOURS[plan.opening.inbox]
        if by_customer:
            if local.hour < 7:
                local = local.replace(hour=7) + minutes(0, 120, self.rng)
        elif local.weekday() > last_day or not start <= local.hour < end:
            day = local if local.hour < start else local + timedelta(days=1)
            while day.weekday() > last_day:
                day += timedelta(days=1)
            local = day.replace(hour=start, minute=0) + minutes(5, 90, self.rng)
        return min(local.astimezone(self.now.tzinfo), after + (self.now - after) / 2)

    def _agent(self, played: Played) -> AbstractBaseUser:
        return played.assignee or self.staff["maria"]

    def _do_assign(self, plan: Plan, played: Played, at: datetime, arg: str) -> None:
        if plan.lang == "de" or self.rng.random() >= 0.85:
            agent = self.staff[data.GERMAN_SPEAKER]
        else:
            agent = self.staff["priya"]
        # Either the agent picks it up or the manager hands it out.
        actor = agent if self.rng.random() < 0.4 else self.staff["maria"]
        played.ticket = services.ticket_assign(
            ticket=played.ticket, assignee=agent, actor=actor
        )
        played.assignee = agent

    def _do_handover(self, plan: Plan, played: Played, at: datetime, arg: str) -> None:
        speaker = self.staff[data.GERMAN_SPEAKER]
        if played.assignee == speaker:
            return
        actor = self._agent(played)
        played.ticket = services.ticket_assign(
            ticket=played.ticket, assignee=speaker, actor=actor
        )
        note = services.ticket_add_note(
            ticket=played.ticket,
            actor=actor,
            body_text=data.HANDOVER_NOTE.format(agent=speaker.first_name),
        )
        self.message_times[note.pk] = at
        played.assignee = speaker

    def _do_triage(self, plan: Plan, played: Played, at: datetime, arg: str) -> None:
        opening = plan.opening
        priority = opening.priority
        if plan.repeat and opening.category in ("broken_promise", "conduct"):
            priority = Ticket.Priority.URGENT
        tags = []
        if plan.repeat:
            tags.append("repeat-customer")
        if plan.demo.channel == "phone":
            tags.append("call-back")
        if opening.component == "Mobile app":
            tags.append("app-4.12")
        if self.rng.random() < 0.08:
            tags.append("vip")
        played.ticket = services.ticket_update(
            ticket=played.ticket,
            actor=self._agent(played),
            priority=priority,
            category=opening.category,
            component=self.components.get(opening.component or ""),
            tags=tags,
        )

    def _do_reply(self, plan: Plan, played: Played, at: datetime, kind: str) -> None:
        lang, topic = plan.lang, plan.opening.topic
        agent = self._agent(played)
        if kind == "resolve" and topic == "question":
            template = plan.opening.answer
        elif kind == "ack":
            template = self.rng.choice(data.REPLY_ACK[lang][topic])
        elif kind == "resolve":
            template = self.rng.choice(data.REPLY_RESOLVE[lang][topic])
        else:
            table = {
                "progress": data.REPLY_PROGRESS,
                "third": data.REPLY_THIRD_PARTY,
                "after_still": data.REPLY_AFTER_STILL,
            }[kind]
            template = self.rng.choice(table[lang])
        ctx = self._reply_context(plan, agent, at)
        message = services.ticket_reply(
            ticket=played.ticket,
            actor=agent,
            body_text=join(
                fill(self.rng.choice(data.AGENT_GREETINGS[lang]), ctx),
                fill(template, ctx),
                fill(self.rng.choice(data.AGENT_SIGNOFFS[lang]), ctx),
            ),
            status_after=REPLY_STATUS[kind],
        )
        self.message_times[message.pk] = at
        self.replies.append((message, at))
        played.thread.append(message.message_id)
        played.first_response_at = played.first_response_at or at
        played.last_message_at = at
        if REPLY_STATUS[kind]:
            self._moved(played, REPLY_STATUS[kind], at)

    def _reply_context(self, plan: Plan, agent, at: datetime) -> dict[str, str]:
        ctx = plan.ctx
        if "voucher" not in ctx:
            # What this agent may grant alone.
            limit = self.limits[(agent.get_username(), plan.opening.inbox)]
            choices = [v for v in (10, 15, 20, 25, 30, 40, 50) if v <= limit]
            ctx["voucher"] = format_money(Decimal(self.rng.choice(choices)), plan.lang)
        new_date = at + timedelta(days=self.rng.randint(1, 4))
        return {
            **ctx,
            "agent": agent.first_name,
            "new_date": format_day(new_date, plan.lang, weekday=True),
        }

    def _do_customer(self, plan: Plan, played: Played, at: datetime, kind: str) -> None:
        """A customer's email, appended as the mail intake appends it."""
        lang = plan.lang
        table = {
            "answer": data.CUSTOMER_ANSWERS[lang][plan.opening.topic],
            "thanks": data.CUSTOMER_THANKS[lang],
            "still": data.CUSTOMER_STILL[lang],
        }[kind]
        greeting = ""
        if lang == "de":
            username = played.assignee.get_username() if played.assignee else ""
            formal = data.FORMAL.get(username)
            greeting = f"Hallo {formal}," if formal else "Guten Tag,"
        elif played.assignee and self.rng.random() < 0.5:
            greeting = f"Hi {played.assignee.first_name},"
        body = join(
            greeting,
            fill(self.rng.choice(table), plan.ctx),
            fill(self.rng.choice(data.CUSTOMER_SIGNOFFS[lang]), plan.ctx),
        )
        ticket = played.ticket
        prefix = "AW" if lang == "de" else "Re"
        message = services.ticket_add_inbound(
            ticket=ticket,
            customer=plan.customer,
            from_address=plan.customer.email,
            subject=f"{prefix}: {ticket.subject} [{ticket.reference}]",
            body_text=capitalise(body),
            message_id=customer_message_id(plan.customer),
            in_reply_to=played.thread[-1],
            references=" ".join(played.thread[-10:]),
            to=[self.inboxes[plan.opening.inbox].email_address],
            received_at=at,
        )
        played.thread.append(message.message_id)
        played.last_message_at = at
        # As the mail intake does: a reply reopens a resolved ticket and ends
        # the wait on the customer.
        if played.status in (Status.RESOLVED, Status.WAITING_CUSTOMER):
            code = (
                "reopened_by_reply"
                if played.status == Status.RESOLVED
                else "reply_from"
            )
            played.ticket = services.ticket_transition(
                ticket=message.ticket,
                to=Status.OPEN,
                actor=None,
                note=system_note(code, sender=plan.customer.email),
            )
            self._moved(played, Status.OPEN, at)

    def _do_note(self, plan: Plan, played: Played, at: datetime, who: str) -> None:
        lang = plan.lang
        agent = self._agent(played)
        if who == "manager":
            author = self.staff["maria"]
            limit = self.limits[(agent.get_username(), plan.opening.inbox)]
            # Approves more than the agent may grant; the reply offers it.
            plan.ctx["voucher"] = format_money(limit + 20, lang)
            template = self.rng.choice(data.MANAGER_NOTES[lang])
        else:
            author = agent
            template = self.rng.choice(data.NOTES[lang][plan.opening.topic])
        note = services.ticket_add_note(
            ticket=played.ticket,
            actor=author,
            body_text=fill(template, {**plan.ctx, "agent": agent.first_name}),
        )
        self.message_times[note.pk] = at

    def _do_status(self, plan: Plan, played: Played, at: datetime, to: str) -> None:
        played.ticket = services.ticket_transition(
            ticket=played.ticket, to=to, actor=played.assignee
        )
        self._moved(played, to, at)

    def _moved(self, played: Played, to: str, at: datetime) -> None:
        played.status = to
        if to == Status.RESOLVED:
            played.resolved_at = at
        elif to == Status.CLOSED:
            played.closed_at = at
            played.resolved_at = played.resolved_at or at
        elif to == Status.OPEN:
            played.resolved_at = None

    def backdate(self) -> None:
        """Move every row written while playing to its demo time, and record
        the replies as delivered."""
        set_columns(Ticket, self.ticket_times)
        set_columns(
            Message, {pk: {"created_at": at} for pk, at in self.message_times.items()}
        )
        # Events carry the wall-clock time they were written at: find the step
        # that was running then.
        events = TicketEvent.objects.filter(
            ticket_id__in=self.clocks, created_at__gte=self.started
        ).values_list("pk", "ticket_id", "created_at")
        event_times = {}
        for pk, ticket_id, written in events:
            clock = self.clocks[ticket_id]
            step = bisect_right(clock, written, key=lambda entry: entry[0]) - 1
            event_times[pk] = {"created_at": clock[max(step, 0)][1]}
        set_columns(TicketEvent, event_times)
        self._mark_sent()
        set_columns(
            Customer,
            {
                pk: {"created_at": first - timedelta(days=self.rng.randint(1, 400))}
                for pk, first in self.customer_first_seen.items()
            },
        )

    def _mark_sent(self) -> None:
        """Outbox rows of seeded replies become sent, with the delivery events
        a real send writes. Runs before commit, so the send tasks the replies
        queued find nothing to claim (they claim only queued rows)."""
        sent_at = {
            message.pk: at + timedelta(seconds=self.rng.randint(2, 40))
            for message, at in self.replies
        }
        outbox = OutboundEmail.objects.filter(message_id__in=sent_at)
        outbox.update(status=OutboundEmail.Status.SENT, attempts=1)
        set_columns(
            OutboundEmail,
            {
                pk: {
                    "created_at": self.message_times[message_id],
                    "next_attempt_at": self.message_times[message_id],
                    "claimed_at": sent_at[message_id],
                    "sent_at": sent_at[message_id],
                }
                for pk, message_id in outbox.values_list("pk", "message_id")
            },
        )
        TicketEvent.objects.bulk_create(
            [
                TicketEvent(
                    ticket_id=message.ticket_id,
                    kind=TicketEvent.Kind.DELIVERY,
                    to_value=OutboundEmail.Status.SENT,
                    note=f"{message.message_id} → {', '.join(message.to_addresses)}",
                    created_at=sent_at[message.pk],
                )
                for message, _at in self.replies
            ],
            batch_size=1000,
        )


def set_columns(model, rows: dict[int, dict[str, datetime | None]]) -> None:
    """Set timestamp columns of many rows in one statement (`bulk_update`
    builds a CASE per row and is much slower at this size)."""
    if not rows:
        return
    columns = list(next(iter(rows.values())))
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    arrays = ", ".join(["%s::bigint[]"] + ["%s::timestamptz[]"] * len(columns))
    names = ", ".join(["pk", *(f"c{i}" for i in range(len(columns)))])
    assignments = ", ".join(f"{quote(c)} = v.c{i}" for i, c in enumerate(columns))
    sql = (
        f"UPDATE {table} AS t SET {assignments} "  # noqa: S608 - names from _meta
        f"FROM unnest({arrays}) AS v({names}) WHERE t.id = v.pk"
    )
    params = [list(rows)] + [[row[c] for row in rows.values()] for c in columns]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def join(*parts: str) -> str:
    """Paragraphs of an email, skipping empty ones."""
    return "\n\n".join(part for part in parts if part)


def customer_message_id(customer: Customer) -> str:
    """A Message-ID as the customer's mail server would write it."""
    domain = customer.email.rpartition("@")[2]
    return f"<{uuid.uuid4().hex}@{domain}>"
