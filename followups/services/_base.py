"""The one writer of each state field, and helpers the services share."""

from collections.abc import Iterable
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone
from django.utils.translation import gettext as _

from followups import worktime
from followups.models import (
    FollowUp,
    FollowUpEvent,
    InboxFollowupSettings,
    Notification,
    Promise,
    PromiseEvent,
)
from helpdesk.exceptions import DomainError, TransitionNotAllowed
from helpdesk.notes import note_fields
from tickets.models import Inbox, Membership, Message, Ticket

User = AbstractBaseUser
PromiseState = Promise.State
FollowUpState = FollowUp.State


def inbox_settings(inbox: Inbox | int) -> InboxFollowupSettings:
    """The inbox's follow-up settings; defaults (unsaved) when none were set."""
    inbox_id = inbox if isinstance(inbox, int) else inbox.pk
    return inboxes_settings({inbox_id})[inbox_id]


def inboxes_settings(inbox_ids: set[int]) -> dict[int, InboxFollowupSettings]:
    """Each inbox's follow-up settings, in one query (inbox_settings for many)."""
    found = {
        config.inbox_id: config
        for config in InboxFollowupSettings.objects.filter(inbox_id__in=inbox_ids)
    }
    return {
        inbox_id: found.get(inbox_id) or InboxFollowupSettings(inbox_id=inbox_id)
        for inbox_id in inbox_ids
    }


def warn_at_for(
    *,
    ticket: Ticket,
    kind: str,
    due_at: datetime,
    created_at: datetime,
    config: InboxFollowupSettings | None = None,
) -> datetime:
    """When a promise enters its warning window: the inbox's window for its
    kind before the due time, but never before half the promised time passed
    (a promise made for "in two hours" is not at risk at once)."""
    config = config or inbox_settings(ticket.inbox_id)
    window = config.warning_windows.get(kind) or config.warning_windows.get(
        "other", {"hours": 4, "working": True}
    )
    start = worktime.warning_start(
        due_at=due_at,
        hours=float(window.get("hours", 4)),
        working=bool(window.get("working", True)),
        time_zone=ticket.inbox.time_zone,
        schedule=config.business_hours,
    )
    halfway = created_at + (due_at - created_at) / 2
    return max(start, halfway)


def require_future(moment: datetime, *, label: str) -> None:
    if timezone.is_naive(moment):
        raise DomainError(_("%(label)s needs a time zone.") % {"label": label})
    if moment <= timezone.now():
        raise DomainError(_("%(label)s must be in the future.") % {"label": label})


# --- promises ----------------------------------------------------------------


def set_promise_state(
    promise: Promise,
    *,
    to: str,
    actor: User | None,
    note: str | dict = "",
    due_at: datetime | None = None,
    message: Message | None = None,
) -> PromiseEvent:
    """Only writer of Promise.state (and of due_at after creation); the caller
    holds the row lock. A new due time moves the warning time with it."""
    if to not in promise.TRANSITIONS[promise.state]:
        raise TransitionNotAllowed(
            promise.state,
            to,
            _("A promise cannot move from “%(from)s” to “%(to)s”.")
            % {"from": PromiseState(promise.state).label, "to": PromiseState(to).label},
        )
    now = timezone.now()
    event = PromiseEvent.objects.create(
        promise=promise,
        from_state=promise.state,
        to_state=to,
        previous_due_at=promise.due_at if due_at else None,
        due_at=due_at,
        actor=actor,
        message=message,
        **note_fields(note),
    )
    fields = ["state", "state_changed_at"]
    if due_at is not None:
        promise.due_at = due_at
        promise.warn_at = warn_at_for(
            ticket=promise.ticket, kind=promise.kind, due_at=due_at, created_at=now
        )
        promise.renegotiation_count += 1
        fields += ["due_at", "warn_at", "renegotiation_count"]
    if to == PromiseState.KEPT:
        promise.kept_at = now
        fields.append("kept_at")
    elif to == PromiseState.BROKEN:
        promise.broken_at = now
        fields.append("broken_at")
    promise.state, promise.state_changed_at = to, now
    promise.save(update_fields=fields)
    return event


def lock_promise(promise: Promise) -> Promise:
    """The promise row locked until commit, with its ticket."""
    return (
        Promise.objects.select_for_update(of=("self",))
        .select_related("ticket__inbox", "ticket__customer", "ticket__assignee")
        .get(pk=promise.pk)
    )


# --- follow-ups --------------------------------------------------------------


def set_followup_state(
    followup: FollowUp,
    *,
    to: str,
    actor: User | None,
    note: str | dict = "",
    due_at: datetime | None = None,
) -> FollowUpEvent:
    """Only writer of FollowUp.state; the caller holds the row lock."""
    if to not in followup.TRANSITIONS[followup.state]:
        raise TransitionNotAllowed(
            followup.state,
            to,
            _("A follow-up cannot move from “%(from)s” to “%(to)s”.")
            % {
                "from": FollowUpState(followup.state).label,
                "to": FollowUpState(to).label,
            },
        )
    event = FollowUpEvent.objects.create(
        followup=followup,
        from_state=followup.state,
        to_state=to,
        previous_due_at=followup.due_at if due_at else None,
        due_at=due_at,
        actor=actor,
        **note_fields(note),
    )
    fields = ["state"]
    now = timezone.now()
    if due_at is not None:
        # A new due time is a new turn for the dispatcher.
        followup.due_at, followup.claimed_at = due_at, None
        fields += ["due_at", "claimed_at"]
    if to == FollowUpState.DUE:
        followup.fired_at = now
        fields.append("fired_at")
    elif to == FollowUpState.DONE:
        followup.done_at, followup.done_by = now, actor
        fields += ["done_at", "done_by"]
    followup.state = to
    followup.save(update_fields=fields)
    return event


def lock_followup(followup: FollowUp | int) -> FollowUp:
    """The follow-up row locked until commit, with its ticket."""
    pk = followup if isinstance(followup, int) else followup.pk
    return (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("ticket__inbox", "ticket__customer", "ticket__assignee")
        .get(pk=pk)
    )


# --- notifications -----------------------------------------------------------


def responsible_user_ids(ticket: Ticket, *, owner_id: int | None = None) -> list[int]:
    """Who is told about a ticket: the owner or assignee, else the inbox's
    managers, else (an inbox without managers) every member."""
    person = owner_id or ticket.assignee_id
    if person:
        return [person]
    members = Membership.objects.filter(inbox_id=ticket.inbox_id, user__is_active=True)
    managers = list(
        members.filter(role=Membership.Role.MANAGER).values_list("user_id", flat=True)
    )
    return managers or list(members.values_list("user_id", flat=True))


def notify(
    *,
    user_ids: Iterable[int],
    kind: str,
    key: str,
    ticket: Ticket | None = None,
    promise: Promise | None = None,
    followup: FollowUp | None = None,
) -> int:
    """Create the reminder for each user unless they already have it (same key)."""
    rows = [
        Notification(
            recipient_id=user_id,
            kind=kind,
            key=key[:120],
            ticket=ticket,
            promise=promise,
            followup=followup,
        )
        for user_id in dict.fromkeys(user_ids)
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True)
    return len(created)


def stamp(moment: datetime) -> str:
    """A compact, stable form of a time for reminder keys."""
    return str(int(moment.timestamp()))
