"""Demo promises, follow-ups and reminders on the demo tickets.

Playing the demo tickets through the services leaves promises and follow-ups
stamped with the seeding time, not the backdated ticket times. This replaces
them with a consistent picture: a first-response promise per ticket (kept,
broken, open or at risk, as its ticket's history says), promises in every
state on open tickets, follow-ups due now and coming up, reminders in the
bell and a few satisfaction answers. No email is written or sent: follow-ups
the system would email are all in the future."""

from datetime import datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import QuerySet
from django.utils import timezone

from followups.mail import quarter_ceil
from followups.models import (
    FollowUp,
    FollowUpEvent,
    Notification,
    Promise,
    PromiseEvent,
    SatisfactionAnswer,
)
from followups.services._base import stamp, warn_at_for
from helpdesk.notes import note_fields, system_note
from tickets.models import Ticket

P = Promise.State
F = FollowUp.State
ACTIVE = Ticket.ACTIVE_STATUSES

# Promises made by agents on open tickets: (kind, what (en, de), due from now
# in hours, state, note of the last change).
CURATED_PROMISES = [
    (
        Promise.Kind.REFUND,
        ("Refund of the double charge", "Erstattung der doppelten Abbuchung"),
        3,
        P.AT_RISK,
        "Due soon and not yet kept.",
    ),
    (
        Promise.Kind.DELIVERY,
        ("Replacement parcel handed to the courier", "Ersatzpaket an den Kurier"),
        72,
        P.OPEN,
        "",
    ),
    (
        Promise.Kind.CALLBACK,
        ("Call back about the warranty", "Rückruf wegen der Garantie"),
        26,
        P.RENEGOTIATED,
        "Agreed a new time on the phone.",
    ),
    (
        Promise.Kind.REFUND,
        ("Credit note for the missing item", "Gutschrift für den fehlenden Artikel"),
        -30,
        P.BROKEN,
        "The due time passed without the promise being kept.",
    ),
    (
        Promise.Kind.RESOLUTION,
        ("Fixed login for the customer account", "Kundenkonto wieder zugänglich"),
        -5,
        P.KEPT,
        "Customer confirmed it works.",
    ),
    (
        Promise.Kind.OTHER,
        ("Printed invoice by post", "Rechnung per Post"),
        48,
        P.WITHDRAWN,
        "The customer prefers the PDF after all.",
    ),
]


def seed_followups_demo(
    *, tickets: QuerySet[Ticket], staff: dict[str, AbstractBaseUser]
) -> dict[str, int]:
    """Replace the demo tickets' promises, follow-ups and reminders with the
    demo picture; the same result on every run. Runs inside the caller's
    transaction."""
    now = timezone.now()
    Notification.objects.filter(ticket__in=tickets).delete()
    FollowUp.objects.filter(ticket__in=tickets).delete()
    Promise.objects.filter(ticket__in=tickets).delete()
    rows = list(
        tickets.select_related("inbox", "customer", "assignee").order_by("created_at")
    )
    promises = _first_response_promises(rows, now)
    promises += _curated_promises(rows, staff, now)
    followups = _followups(rows, staff, now)
    return {"promises": promises, "followups": followups}


# --- promises ----------------------------------------------------------------


def _promise(
    ticket: Ticket,
    *,
    kind: str,
    what: str,
    created_at: datetime,
    due_at: datetime,
    original_due_at: datetime | None = None,
    created_by: AbstractBaseUser | None = None,
) -> Promise:
    return Promise(
        ticket=ticket,
        kind=kind,
        what=what,
        to_whom=ticket.customer.name or ticket.customer.email,
        due_at=due_at,
        original_due_at=original_due_at or due_at,
        warn_at=warn_at_for(
            ticket=ticket, kind=kind, due_at=due_at, created_at=created_at
        ),
        created_by=created_by,
        created_at=created_at,
        state_changed_at=created_at,
    )


def _settle(
    promise: Promise,
    events: list[PromiseEvent],
    *,
    state: str,
    at: datetime,
    actor: AbstractBaseUser | None = None,
    note: str | dict = "",
) -> None:
    events.append(
        PromiseEvent(
            promise=promise,
            from_state=promise.state,
            to_state=state,
            actor=actor,
            created_at=at,
            **note_fields(note),
        )
    )
    promise.state, promise.state_changed_at = state, at
    if state == P.KEPT:
        promise.kept_at = at
    elif state == P.BROKEN:
        promise.broken_at = at


def _first_response_promises(rows: list[Ticket], now: datetime) -> int:
    """What each acknowledgement promised, settled by the ticket's history."""
    promises, plans = [], []
    for ticket in rows:
        if ticket.is_bulk:
            continue
        due = quarter_ceil(ticket.created_at + ticket.inbox.expected_first_response)
        what = "Persönliche Antwort" if _german(ticket) else "Personal answer"
        promise = _promise(
            ticket,
            kind=Promise.Kind.FIRST_RESPONSE,
            what=what,
            created_at=ticket.created_at,
            due_at=due,
        )
        promises.append(promise)
        answered = ticket.first_response_at
        if answered and answered <= due:
            plans.append((promise, P.KEPT, answered, ticket.assignee))
        elif answered or due <= now:
            plans.append((promise, P.BROKEN, due + timedelta(minutes=1), None))
        elif promise.warn_at <= now:
            plans.append((promise, P.AT_RISK, promise.warn_at, None))
    Promise.objects.bulk_create(promises)
    events = [
        PromiseEvent(
            promise=p,
            to_state=P.OPEN,
            due_at=p.due_at,
            created_at=p.created_at,
            **system_note("auto_acknowledged"),
        )
        for p in promises
    ]
    for promise, state, at, actor in plans:
        note = system_note("answered_customer") if state == P.KEPT else ""
        _settle(promise, events, state=state, at=at, actor=actor, note=note)
    Promise.objects.bulk_update(
        [p for p, *_rest in plans],
        ["state", "state_changed_at", "kept_at", "broken_at"],
        batch_size=500,
    )
    PromiseEvent.objects.bulk_create(events)
    return len(promises)


def _curated_promises(
    rows: list[Ticket], staff: dict[str, AbstractBaseUser], now: datetime
) -> int:
    """Promises agents made on open tickets, one in each state."""
    open_tickets = [t for t in rows if t.status in ACTIVE and t.assignee_id][::-1]
    events: list[PromiseEvent] = []
    made = 0
    for ticket, (kind, whats, hours, state, note) in zip(
        open_tickets, CURATED_PROMISES, strict=False
    ):
        agent = ticket.assignee
        due = quarter_ceil(now + timedelta(hours=hours))
        created = min(now - timedelta(hours=20), due - timedelta(hours=30))
        original = due - timedelta(days=1) if state == P.RENEGOTIATED else due
        promise = _promise(
            ticket,
            kind=kind,
            what=whats[1] if _german(ticket) else whats[0],
            created_at=created,
            due_at=due,
            original_due_at=original,
            created_by=agent,
        )
        promise.save()
        events.append(
            PromiseEvent(
                promise=promise,
                to_state=P.OPEN,
                due_at=original,
                actor=agent,
                created_at=created,
            )
        )
        if state == P.RENEGOTIATED:
            promise.renegotiation_count = 1
            events.append(
                PromiseEvent(
                    promise=promise,
                    from_state=P.OPEN,
                    to_state=P.RENEGOTIATED,
                    previous_due_at=original,
                    due_at=due,
                    actor=agent,
                    note=note,
                    created_at=now - timedelta(hours=6),
                )
            )
            promise.state = P.RENEGOTIATED
        elif state == P.BROKEN:
            _settle(promise, events, state=P.AT_RISK, at=promise.warn_at)
            _settle(promise, events, state=P.BROKEN, at=due, note=note)
        elif state != P.OPEN:
            at = min(now - timedelta(minutes=20), due)
            actor = None if state == P.AT_RISK else agent
            _settle(promise, events, state=state, at=at, actor=actor, note=note)
        promise.save()
        if state in (P.AT_RISK, P.BROKEN):
            kind_of = (
                Notification.Kind.PROMISE_AT_RISK
                if state == P.AT_RISK
                else Notification.Kind.PROMISE_BROKEN
            )
            Notification.objects.create(
                recipient=agent,
                kind=kind_of,
                key=f"promise:{promise.pk}:{state}:{stamp(due)}",
                ticket=ticket,
                promise=promise,
                created_at=now - timedelta(minutes=20),
            )
        made += 1
    PromiseEvent.objects.bulk_create(events)
    return made


# --- follow-ups --------------------------------------------------------------


def _followups(
    rows: list[Ticket], staff: dict[str, AbstractBaseUser], now: datetime
) -> int:
    """Past follow-ups of resolved tickets (some answered), coming ones of
    recently resolved tickets, and reminders due now for every agent."""
    created: list[FollowUp] = []
    events: list[FollowUpEvent] = []
    answers: list[tuple[FollowUp, int, str]] = []
    finished = [t for t in rows if t.resolved_at and t.status not in ACTIVE]
    for i, ticket in enumerate(finished):
        resolved = ticket.resolved_at
        owner = ticket.assignee
        for kind, delay in (
            (FollowUp.Kind.SATISFACTION_CHECK, timedelta(days=1)),
            (FollowUp.Kind.CHECK_BACK, timedelta(days=4)),
        ):
            due = resolved + delay
            followup = FollowUp(
                ticket=ticket,
                kind=kind,
                channel=FollowUp.Channel.EMAIL,
                due_at=due,
                owner=owner,
                created_at=resolved,
            )
            if due > now:
                created.append(followup)
                continue
            fired = due + timedelta(seconds=20 + i % 40)
            if i % 17 == 3:
                # Fired after a dispatcher outage.
                fired = due + timedelta(hours=3, minutes=12)
                followup.late_by = fired - due
            followup.state, followup.fired_at = F.DONE, fired
            followup.done_at = fired
            created.append(followup)
            if kind == FollowUp.Kind.SATISFACTION_CHECK and i % 3 == 0:
                score = (5, 4, 5, 2, 4)[i // 3 % 5]
                answers.append((followup, score, _comment(score, _german(ticket))))
    created += _reminders(rows, staff, now)
    created += _link_cases(rows, created, now)
    FollowUp.objects.bulk_create(created)
    for followup in created:
        events += _history(followup, now)
    FollowUpEvent.objects.bulk_create(events)
    _answers(answers, now)
    _remind(created, now)
    return len(created)


def _history(followup: FollowUp, now: datetime) -> list[FollowUpEvent]:
    """The events that brought a demo follow-up to its state."""

    def move(
        from_state: str, to_state: str, at: datetime, **extra: Any
    ) -> FollowUpEvent:
        return FollowUpEvent(
            followup=followup,
            from_state=from_state,
            to_state=to_state,
            created_at=at,
            **extra,
        )

    history = [move("", F.SCHEDULED, followup.created_at, due_at=followup.due_at)]
    if followup.state in (F.DUE, F.DONE):
        late = followup.late_by
        note = system_note("late_by", late=late) if late else {}
        history.append(move(F.SCHEDULED, F.DUE, followup.fired_at, **note))
    if followup.state == F.DONE:
        sent = system_note("sent_by_email")
        history.append(move(F.DUE, F.DONE, followup.done_at, **sent))
    if followup.state == F.CANCELLED:
        history.append(
            move(
                F.SCHEDULED,
                F.CANCELLED,
                now - timedelta(hours=2),
                actor=followup.owner,
                note="The customer called in first.",
            )
        )
    return history


def _reminders(
    rows: list[Ticket], staff: dict[str, AbstractBaseUser], now: datetime
) -> list[FollowUp]:
    """Phone duties for each agent: due now, overdue for the dispatcher, later,
    and one cancelled; plus an announced update."""
    open_tickets = [t for t in rows if t.status in ACTIVE]
    result = []
    announced: set[int] = set()
    for n, user in enumerate(staff.values()):
        mine = [t for t in open_tickets if t.assignee_id == user.pk] or open_tickets
        if not mine:
            break
        plans = [
            (F.DUE, -timedelta(minutes=35 + 10 * n), "Call back about the delivery"),
            # Past due but still scheduled: the first dispatcher run reminds.
            (F.SCHEDULED, -timedelta(minutes=5), "Ask whether the parcel arrived"),
            (F.SCHEDULED, timedelta(days=1, hours=n), "Confirm the refund arrived"),
            (F.CANCELLED, timedelta(hours=5), "Call about the invoice"),
        ]
        for k, (state, offset, note) in enumerate(plans):
            ticket = mine[(n + k) % len(mine)]
            due = now + offset
            result.append(
                FollowUp(
                    ticket=ticket,
                    kind=FollowUp.Kind.CUSTOM,
                    channel=FollowUp.Channel.PHONE,
                    due_at=due,
                    note=note,
                    owner=user,
                    created_by=user,
                    state=state,
                    fired_at=due if state == F.DUE else None,
                    created_at=now - timedelta(days=1),
                )
            )
        ticket = next((t for t in mine if t.pk not in announced), None)
        if ticket is None:
            continue
        announced.add(ticket.pk)
        result.append(
            FollowUp(
                ticket=ticket,
                kind=FollowUp.Kind.UPDATE_CUSTOMER,
                channel=FollowUp.Channel.EMAIL,
                due_at=now + timedelta(hours=2 + n),
                note="Update the customer by the end of the day.",
                owner=user,
                created_by=user,
                created_at=now - timedelta(hours=3),
            )
        )
    return result


def _link_cases(
    rows: list[Ticket], created: list[FollowUp], now: datetime
) -> list[FollowUp]:
    """Follow-ups carry the recovery case of their ticket; a resolved case
    that waits for its satisfaction check gets one (in the future)."""
    from recovery.models import RecoveryCase

    cases = dict(
        RecoveryCase.objects.filter(ticket__in=rows)
        .order_by("opened_at")
        .values_list("ticket_id", "pk")
    )
    waiting = set(
        RecoveryCase.objects.filter(
            ticket__in=rows, status=RecoveryCase.Status.RESOLVED
        ).values_list("ticket_id", flat=True)
    )
    for followup in created:
        if followup.kind in FollowUp.TEMPLATE_KINDS:
            followup.case_id = cases.get(followup.ticket_id)
    scheduled = {
        f.ticket_id
        for f in created
        if f.kind == FollowUp.Kind.SATISFACTION_CHECK and f.state == F.SCHEDULED
    }
    by_id = {t.pk: t for t in rows}
    return [
        FollowUp(
            ticket=by_id[ticket_id],
            case_id=cases[ticket_id],
            kind=FollowUp.Kind.SATISFACTION_CHECK,
            channel=FollowUp.Channel.EMAIL,
            due_at=now + timedelta(hours=6),
            owner=by_id[ticket_id].assignee,
            created_at=now - timedelta(hours=18),
        )
        for ticket_id in sorted(waiting - scheduled)
    ]


def _answers(answers: list[tuple[FollowUp, int, str]], now: datetime) -> None:
    SatisfactionAnswer.objects.bulk_create(
        SatisfactionAnswer(
            followup=followup,
            score=score,
            comment=comment,
            answered_at=followup.fired_at + timedelta(hours=5),
        )
        for followup, score, comment in answers
    )
    recent_low = [
        (f, s)
        for f, s, _c in answers
        if s <= 2 and f.owner_id and now - f.fired_at < timedelta(days=30)
    ]
    Notification.objects.bulk_create(
        Notification(
            recipient_id=followup.owner_id,
            kind=Notification.Kind.SATISFACTION_LOW,
            key=f"satisfaction:{followup.pk}:low",
            ticket_id=followup.ticket_id,
            followup=followup,
            created_at=followup.fired_at + timedelta(hours=5),
            read_at=None,
        )
        for followup, _score in recent_low
    )


def _remind(followups: list[FollowUp], now: datetime) -> None:
    """The reminders the dispatcher wrote for the follow-ups due now."""
    Notification.objects.bulk_create(
        Notification(
            recipient_id=f.owner_id,
            kind=Notification.Kind.FOLLOWUP_DUE,
            key=f"followup:{f.pk}:due:{stamp(f.due_at)}",
            ticket_id=f.ticket_id,
            followup=f,
            created_at=f.fired_at,
        )
        for f in followups
        if f.state == F.DUE and f.owner_id
    )


def _german(ticket: Ticket) -> bool:
    return ticket.customer.language == "de"


def _comment(score: int, german: bool) -> str:
    if score >= 4:
        return "Sehr freundlich und schnell, danke!" if german else "Quick and kind."
    return (
        "Das Ersatzteil passt immer noch nicht."
        if german
        else "The replacement still does not fit."
    )
