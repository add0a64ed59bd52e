"""Promises: record, keep, withdraw, renegotiate, send a delay notice, and the
scan that marks them at risk and broken."""

import contextvars
from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups import mail
from followups.bulk import insert_rows
from followups.models import Notification, Promise, PromiseEvent
from followups.services._base import (
    User,
    inboxes_settings,
    lock_promise,
    notify,
    require_future,
    responsible_user_ids,
    set_promise_state,
    stamp,
    warn_at_for,
)
from helpdesk.exceptions import DomainError
from helpdesk.notes import system_note
from tickets.models import Message, Ticket

State = Promise.State
SCAN_BATCH = 500

# Promise ids whose delay notice is being sent right now: the reply that
# carries the notice must not count as keeping them.
_renegotiating: contextvars.ContextVar[frozenset[int]] = contextvars.ContextVar(
    "followups_renegotiating", default=frozenset()
)


def _clean_what(what: str) -> str:
    what = (what or "").strip()
    if not what:
        raise DomainError(_("Say what was promised."))
    return what[:300]


@transaction.atomic
def promise_create(
    *,
    ticket: Ticket,
    kind: str,
    what: str,
    due_at: datetime,
    actor: User | None,
    to_whom: str = "",
    source_message: Message | None = None,
) -> Promise:
    """Record a promise made to the customer of a ticket."""
    if kind not in Promise.Kind.values:
        raise DomainError(_("Unknown kind of promise “%(kind)s”.") % {"kind": kind})
    what = _clean_what(what)
    require_future(due_at, label=_("The due time"))
    if (
        kind == Promise.Kind.FIRST_RESPONSE
        and ticket.promises.filter(kind=kind, state__in=Promise.ACTIVE_STATES).exists()
    ):
        raise DomainError(_("This ticket already has an open first-response promise."))
    now = timezone.now()
    promise = Promise.objects.create(
        ticket=ticket,
        kind=kind,
        what=what,
        to_whom=(to_whom or "").strip()[:200]
        or (ticket.customer.name or ticket.customer.email),
        due_at=due_at,
        original_due_at=due_at,
        warn_at=warn_at_for(ticket=ticket, kind=kind, due_at=due_at, created_at=now),
        created_by=actor,
        source_message=source_message,
        created_at=now,
        state_changed_at=now,
    )
    promise.events.create(to_state=State.OPEN, due_at=due_at, actor=actor)
    return promise


@transaction.atomic
def promise_record_first_response(
    *, ticket: Ticket, due_at: datetime, message: Message | None = None
) -> Promise | None:
    """The "you will hear from me by ..." of an acknowledgement, due when the
    customer was told (rounded up to the quarter hour); once per ticket, and
    none for a time already past (mail processed late)."""
    if due_at <= timezone.now():
        return None
    existing = ticket.promises.filter(
        kind=Promise.Kind.FIRST_RESPONSE, state__in=Promise.ACTIVE_STATES
    ).first()
    if existing:
        return existing
    now = timezone.now()
    due_at = mail.quarter_ceil(due_at)
    promise = Promise.objects.create(
        **_first_response_fields(ticket=ticket, due_at=due_at, message=message),
        warn_at=warn_at_for(
            ticket=ticket,
            kind=Promise.Kind.FIRST_RESPONSE,
            due_at=due_at,
            created_at=now,
        ),
        created_at=now,
        state_changed_at=now,
    )
    promise.events.create(to_state=State.OPEN, due_at=due_at, **_first_response_note())
    return promise


def promises_record_first_response(
    acknowledged: Sequence[tuple[Ticket, Message | None, datetime]],
) -> list[Promise | None]:
    """promise_record_first_response for many (ticket, message, due time) at
    once, with the same rows: the inboxes' settings in one query, one check
    for running promises, one insert for the promises and one for their
    events. Returns the promise of each entry (None where the time passed)."""
    checked = timezone.now()
    pending = [entry for entry in acknowledged if entry[2] > checked]
    running = _running_first_responses({ticket.pk for ticket, _m, _d in pending})
    configs = inboxes_settings({ticket.inbox_id for ticket, _m, _d in pending})
    now = timezone.now()
    new: dict[int, Promise] = {}
    for ticket, message, due_at in pending:
        if ticket.pk in running or ticket.pk in new:
            continue
        due_at = mail.quarter_ceil(due_at)
        new[ticket.pk] = Promise(
            **_first_response_fields(ticket=ticket, due_at=due_at, message=message),
            warn_at=warn_at_for(
                ticket=ticket,
                kind=Promise.Kind.FIRST_RESPONSE,
                due_at=due_at,
                created_at=now,
                config=configs[ticket.inbox_id],
            ),
            created_at=now,
            state_changed_at=now,
        )
    if new:
        _insert_with_events(list(new.values()))
    found = {**running, **new}
    return [
        found[ticket.pk] if due_at > checked else None
        for ticket, _message, due_at in acknowledged
    ]


def _first_response_fields(
    *, ticket: Ticket, due_at: datetime, message: Message | None
) -> dict:
    """What an acknowledgement's promise says, to whom, and when it is due."""
    what = {"de": "Persönliche Antwort"}.get(
        mail.customer_language(ticket), "Personal answer"
    )
    return {
        "ticket": ticket,
        "kind": Promise.Kind.FIRST_RESPONSE,
        "what": what,
        "to_whom": ticket.customer.name or ticket.customer.email,
        "due_at": due_at,
        "original_due_at": due_at,
        "source_message": message,
    }


def _first_response_note() -> dict:
    return system_note("auto_acknowledged")


def _running_first_responses(ticket_ids: set[int]) -> dict[int, Promise]:
    """The running first-response promise of each ticket that has one."""
    running: dict[int, Promise] = {}
    for promise in Promise.objects.filter(
        ticket_id__in=ticket_ids,
        kind=Promise.Kind.FIRST_RESPONSE,
        state__in=Promise.ACTIVE_STATES,
    ).order_by("due_at", "id"):
        running.setdefault(promise.ticket_id, promise)
    return running


# Both or neither. No savepoint (two more round trips): a failed insert
# leaves the caller's transaction to be rolled back anyway.
@transaction.atomic(savepoint=False)
def _insert_with_events(promises: list[Promise]) -> None:
    """Insert new first-response promises and the opening event of each."""
    columns = [f.attname for f in Promise._meta.concrete_fields if not f.primary_key]
    rows = [{name: getattr(p, name) for name in columns} for p in promises]
    ids = insert_rows(Promise, rows)
    for promise, pk in zip(promises, ids, strict=True):
        promise.pk = pk
        promise._state.adding = False
    # Left-out columns get their defaults (created_at: now, once for all).
    note = _first_response_note()
    insert_rows(
        PromiseEvent,
        [
            {
                "promise_id": promise.pk,
                "to_state": State.OPEN,
                "due_at": promise.due_at,
                **note,
            }
            for promise in promises
        ],
    )


@transaction.atomic
def promise_update(
    *,
    promise: Promise,
    actor: User,
    what: str | None = None,
    to_whom: str | None = None,
) -> Promise:
    """Correct what was promised or to whom (the due time changes only by
    renegotiation)."""
    promise = lock_promise(promise)
    fields = []
    if what is not None:
        promise.what = _clean_what(what)
        fields.append("what")
    if to_whom is not None:
        promise.to_whom = to_whom.strip()[:200]
        fields.append("to_whom")
    if fields:
        promise.save(update_fields=fields)
        promise.events.create(
            from_state=promise.state,
            to_state=promise.state,
            actor=actor,
            **system_note("details_corrected"),
        )
    return promise


@transaction.atomic
def promise_keep(*, promise: Promise, actor: User | None, note: str = "") -> Promise:
    """Mark the promise kept."""
    promise = lock_promise(promise)
    set_promise_state(promise, to=State.KEPT, actor=actor, note=note)
    return promise


@transaction.atomic
def promise_withdraw(*, promise: Promise, actor: User, note: str = "") -> Promise:
    """Withdraw a promise recorded by mistake or made moot (history stays)."""
    promise = lock_promise(promise)
    set_promise_state(promise, to=State.WITHDRAWN, actor=actor, note=note)
    return promise


def _check_new_date(promise: Promise, new_due_at: datetime | None) -> datetime:
    if new_due_at is None:
        raise DomainError(_("A delay needs a new realistic date."))
    require_future(new_due_at, label=_("The new date"))
    if new_due_at <= promise.due_at:
        raise DomainError(
            _("The new date must be later than the current one.")
            if promise.due_at > timezone.now()
            else _("The new date must be in the future.")
        )
    return new_due_at


@transaction.atomic
def promise_renegotiate(
    *,
    promise: Promise,
    actor: User,
    new_due_at: datetime,
    note: str = "",
    message: Message | None = None,
) -> Promise:
    """Move the due time to a new, later date agreed with the customer."""
    promise = lock_promise(promise)
    new_due_at = _check_new_date(promise, new_due_at)
    set_promise_state(
        promise,
        to=State.RENEGOTIATED,
        actor=actor,
        note=note,
        due_at=new_due_at,
        message=message,
    )
    return promise


@transaction.atomic
def promise_send_delay_notice(
    *,
    promise: Promise,
    actor: User,
    new_due_at: datetime,
    explanation: str,
    keep_posted: bool = True,
) -> Message:
    """Email the customer a delay notice (facts, apology, explanation, new
    date) through the outbox and renegotiate the promise to the new date."""
    from tickets import services as ticket_services

    # Ticket before promise, the order a reply locks them in.
    Ticket.objects.select_for_update(of=("self",)).filter(pk=promise.ticket_id).get()
    promise = lock_promise(promise)
    if not promise.is_active:
        raise DomainError(
            _("A delay notice is for a running promise; this one is “%(state)s”.")
            % {"state": promise.get_state_display()}
        )
    explanation = (explanation or "").strip()
    if not explanation:
        raise DomainError(_("Explain briefly and honestly why it takes longer."))
    new_due_at = mail.quarter_ceil(_check_new_date(promise, new_due_at))
    notice = mail.delay_notice(
        promise=promise,
        actor=actor,
        new_due_at=new_due_at,
        explanation=explanation,
        keep_posted=keep_posted,
    )
    token = _renegotiating.set(_renegotiating.get() | {promise.pk})
    try:
        message = ticket_services.ticket_reply(
            ticket=promise.ticket, actor=actor, body_text=notice.body, status_after=None
        )
    finally:
        _renegotiating.reset(token)
    set_promise_state(
        promise,
        to=State.RENEGOTIATED,
        actor=actor,
        note=system_note("delay_notice_sent"),
        due_at=new_due_at,
        message=message,
    )
    return message


def promises_keep_on_reply(*, ticket: Ticket, actor: User | None) -> int:
    """Answering the customer keeps the ticket's running "you will hear from
    me" promises. Runs inside the reply's transaction."""
    skip = _renegotiating.get()
    promises = list(
        Promise.objects.select_for_update(of=("self",))
        .select_related("ticket__inbox")
        .filter(
            ticket=ticket,
            kind__in=Promise.KEPT_BY_REPLY,
            state__in=Promise.ACTIVE_STATES,
        )
        .exclude(pk__in=skip)
    )
    for promise in promises:
        set_promise_state(
            promise, to=State.KEPT, actor=actor, note=system_note("answered_customer")
        )
    return len(promises)


# --- the scan ----------------------------------------------------------------


def promise_scan(*, now: datetime | None = None, limit: int = SCAN_BATCH) -> dict:
    """Mark running promises past their due time broken and those inside
    their warning window at risk, telling who is responsible; each batch is
    bounded and skips rows others hold. Returns the counts."""
    now = now or timezone.now()
    return {
        "broken": _mark_broken(now=now, limit=limit),
        "at_risk": _mark_at_risk(now=now, limit=limit),
    }


@transaction.atomic
def _mark_broken(*, now: datetime, limit: int) -> int:
    promises = list(
        Promise.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("ticket__inbox")
        .filter(state__in=Promise.ACTIVE_STATES, due_at__lte=now)
        .order_by("due_at")[:limit]
    )
    for promise in promises:
        set_promise_state(
            promise,
            to=State.BROKEN,
            actor=None,
            note=system_note("promise_broken"),
        )
        notify(
            user_ids=responsible_user_ids(promise.ticket),
            kind=Notification.Kind.PROMISE_BROKEN,
            key=f"promise:{promise.pk}:broken",
            ticket=promise.ticket,
            promise=promise,
        )
    return len(promises)


@transaction.atomic
def _mark_at_risk(*, now: datetime, limit: int) -> int:
    promises = list(
        Promise.objects.select_for_update(of=("self",), skip_locked=True)
        .select_related("ticket__inbox")
        .filter(
            state__in=(State.OPEN, State.RENEGOTIATED),
            warn_at__lte=now,
            due_at__gt=now,
        )
        .order_by("warn_at")[:limit]
    )
    for promise in promises:
        set_promise_state(
            promise,
            to=State.AT_RISK,
            actor=None,
            note=system_note("promise_at_risk"),
        )
        notify(
            user_ids=responsible_user_ids(promise.ticket),
            kind=Notification.Kind.PROMISE_AT_RISK,
            key=f"promise:{promise.pk}:at_risk:{stamp(promise.due_at)}",
            ticket=promise.ticket,
            promise=promise,
        )
    return len(promises)
