"""Follow-ups: schedule, snooze, complete, cancel, and the automatic ones
(after resolution, "update the customer by X")."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.mail import quarter_ceil
from followups.models import FollowUp
from followups.services._base import (
    User,
    inbox_settings,
    lock_followup,
    require_future,
    set_followup_state,
)
from helpdesk.exceptions import DomainError
from helpdesk.notes import note_fields, system_note
from tickets.models import Customer, Membership, Ticket

State = FollowUp.State
Kind = FollowUp.Kind


def channel_for(customer: Customer) -> str:
    """The customer's preferred channel (phone only when we have a number)."""
    if customer.preferred_channel == Customer.Channel.PHONE and customer.phone:
        return FollowUp.Channel.PHONE
    return FollowUp.Channel.EMAIL


def _check_owner(ticket: Ticket, owner: User | None) -> None:
    if (
        owner is not None
        and not Membership.objects.filter(inbox_id=ticket.inbox_id, user=owner).exists()
    ):
        raise DomainError(
            _("%(user)s is not a member of %(inbox)s.")
            % {"user": owner, "inbox": ticket.inbox}
        )


@transaction.atomic
def followup_schedule(
    *,
    ticket: Ticket,
    kind: str,
    due_at: datetime,
    actor: User | None,
    owner: User | None = None,
    channel: str | None = None,
    case_id: int | None = None,
    note: str | dict = "",
) -> FollowUp:
    """Schedule a follow-up; the owner defaults to the assignee and the
    channel to the customer's preferred one. A ticket has one running
    satisfaction check, check-back and "update the customer" at a time."""
    if kind not in Kind.values:
        raise DomainError(_("Unknown kind of follow-up “%(kind)s”.") % {"kind": kind})
    if channel is not None and channel not in FollowUp.Channel.values:
        raise DomainError(_("Unknown channel “%(channel)s”.") % {"channel": channel})
    if timezone.is_naive(due_at):
        raise DomainError(_("The due time needs a time zone."))
    note = note_fields(note)
    text = note["note"].strip()[:500]
    if kind == Kind.CUSTOM and not (text or note["note_code"]):
        raise DomainError(_("Say what is to be done."))
    _check_owner(ticket, owner)
    followup = FollowUp(
        ticket=ticket,
        kind=kind,
        due_at=due_at,
        owner=owner if owner is not None else ticket.assignee,
        channel=channel or channel_for(ticket.customer),
        case_id=case_id,
        note=text,
        note_code=note["note_code"],
        note_params=note["note_params"],
        created_by=actor,
    )
    try:
        with transaction.atomic():
            followup.save()
    except IntegrityError:
        raise DomainError(
            _("This ticket already has a running “%(kind)s”.")
            % {"kind": Kind(kind).label}
        ) from None
    followup.events.create(to_state=State.SCHEDULED, due_at=due_at, actor=actor)
    return followup


def _schedule_once(
    *,
    ticket: Ticket,
    kind: str,
    due_at: datetime,
    actor: User | None,
    case_id: int | None,
) -> FollowUp:
    """The running follow-up of this kind, or a new one; a case id is added
    to a running one that lacks it."""
    running = (
        FollowUp.objects.select_for_update(of=("self",))
        .filter(ticket=ticket, kind=kind, state__in=FollowUp.ACTIVE_STATES)
        .first()
    )
    if running is not None:
        if case_id and not running.case_id:
            running.case_id = case_id
            running.save(update_fields=["case_id"])
        return running
    return followup_schedule(
        ticket=ticket, kind=kind, due_at=due_at, actor=actor, case_id=case_id
    )


@transaction.atomic
def followups_schedule_after_resolution(
    *, ticket: Ticket, actor: User | None, case_id: int | None = None
) -> list[FollowUp]:
    """A satisfaction check and a check-back a few days later, once each."""
    config = inbox_settings(ticket.inbox_id)
    now = timezone.now()
    return [
        _schedule_once(
            ticket=ticket,
            kind=Kind.SATISFACTION_CHECK,
            due_at=now + config.satisfaction_delay,
            actor=actor,
            case_id=case_id,
        ),
        _schedule_once(
            ticket=ticket,
            kind=Kind.CHECK_BACK,
            due_at=now + config.check_back_delay,
            actor=actor,
            case_id=case_id,
        ),
    ]


def followups_cancel_after_reopen(*, ticket: Ticket, actor: User | None) -> int:
    """A reopened ticket is not solved: its pending satisfaction check and
    check-back are cancelled. Runs inside the caller's transaction."""
    pending = list(
        FollowUp.objects.select_for_update(of=("self",))
        .filter(
            ticket=ticket,
            kind__in=(Kind.SATISFACTION_CHECK, Kind.CHECK_BACK),
            state__in=FollowUp.ACTIVE_STATES,
        )
        .order_by("pk")
    )
    for followup in pending:
        _cancel(followup, actor=actor, note=system_note("ticket_reopened"))
    return len(pending)


@transaction.atomic
def followup_schedule_update(
    *, ticket: Ticket, actor: User, update_by: datetime
) -> FollowUp:
    """ "You will hear from me by X": remind the owner ahead of X (replacing
    a running reminder of this kind)."""
    require_future(update_by, label=_("The time of the next update"))
    update_by = quarter_ceil(update_by)
    running = (
        FollowUp.objects.select_for_update(of=("self",))
        .filter(
            ticket=ticket, kind=Kind.UPDATE_CUSTOMER, state__in=FollowUp.ACTIVE_STATES
        )
        .first()
    )
    if running is not None:
        _cancel(running, actor=actor, note=system_note("new_update_time"))
    lead = inbox_settings(ticket.inbox_id).update_reminder_lead
    due_at = max(update_by - lead, timezone.now())
    return followup_schedule(
        ticket=ticket,
        kind=Kind.UPDATE_CUSTOMER,
        due_at=due_at,
        actor=actor,
        owner=actor if ticket.assignee_id is None else None,
        note=system_note("update_by", when=update_by),
    )


def followups_done_on_reply(*, ticket: Ticket, actor: User | None) -> int:
    """Answering the customer does a running "update the customer". Runs
    inside the reply's transaction."""
    running = list(
        FollowUp.objects.select_for_update(of=("self",)).filter(
            ticket=ticket,
            kind=Kind.UPDATE_CUSTOMER,
            state__in=FollowUp.ACTIVE_STATES,
        )
    )
    for followup in running:
        followup.outcome_code = "answered_customer"
        followup.save(update_fields=["outcome_code"])
        set_followup_state(
            followup, to=State.DONE, actor=actor, note=system_note("answered_customer")
        )
    return len(running)


@transaction.atomic
def followup_snooze(*, followup: FollowUp, actor: User, until: datetime) -> FollowUp:
    """Move a running follow-up to a later time; a due one is scheduled again."""
    require_future(until, label=_("The new time"))
    followup = lock_followup(followup)
    if not followup.is_active:
        raise DomainError(
            _("Only a running follow-up can be snoozed; this one is “%(state)s”.")
            % {"state": followup.get_state_display()}
        )
    to = State.SCHEDULED
    if followup.state == State.SCHEDULED:
        # Same state, new time: recorded as an event, no transition.
        followup.events.create(
            from_state=State.SCHEDULED,
            to_state=State.SCHEDULED,
            previous_due_at=followup.due_at,
            due_at=until,
            actor=actor,
            **system_note("snoozed"),
        )
        followup.due_at, followup.claimed_at = until, None
        followup.snooze_count += 1
        followup.save(update_fields=["due_at", "claimed_at", "snooze_count"])
        return followup
    set_followup_state(
        followup, to=to, actor=actor, note=system_note("snoozed"), due_at=until
    )
    followup.snooze_count += 1
    followup.save(update_fields=["snooze_count"])
    return followup


@transaction.atomic
def followup_complete(
    *,
    followup: FollowUp,
    actor: User,
    outcome: str = "",
    score: int | None = None,
    comment: str = "",
) -> FollowUp:
    """Mark a follow-up done; a satisfaction check done by phone may carry
    the customer's score."""
    from followups.services.satisfaction import satisfaction_record

    followup = lock_followup(followup)
    if score is not None and followup.kind != Kind.SATISFACTION_CHECK:
        raise DomainError(_("Only a satisfaction check records a score."))
    followup.outcome = (outcome or "").strip()
    followup.save(update_fields=["outcome"])
    set_followup_state(followup, to=State.DONE, actor=actor, note=followup.outcome)
    if score is not None:
        satisfaction_record(
            followup=followup,
            score=score,
            comment=comment or followup.outcome,
            channel=FollowUp.Channel.PHONE,
            actor=actor,
        )
    return followup


def _cancel(followup: FollowUp, *, actor: User | None, note: str | dict) -> None:
    set_followup_state(followup, to=State.CANCELLED, actor=actor, note=note)
    # A survey link of a cancelled check stops working.
    followup.link_nonce = FollowUp._meta.get_field("link_nonce").get_default()
    followup.save(update_fields=["link_nonce"])


@transaction.atomic
def followup_cancel(*, followup: FollowUp, actor: User, note: str = "") -> FollowUp:
    """Cancel a follow-up that is no longer needed."""
    followup = lock_followup(followup)
    _cancel(followup, actor=actor, note=(note or "").strip())
    return followup
