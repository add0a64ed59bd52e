"""Entry points other apps call when something happens to a ticket or a
recovery case. Each runs inside the caller's transaction."""

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from followups import mail
from followups.models import FollowUp, Promise
from followups.services._base import User, require_future
from followups.services.promises import (
    promise_create,
    promise_record_first_response,
    promises_keep_on_reply,
    promises_record_first_response,
)
from followups.services.schedule import (
    followup_schedule_update,
    followups_cancel_after_reopen,
    followups_done_on_reply,
    followups_schedule_after_resolution,
)
from helpdesk.exceptions import DomainError
from tickets.models import Message, Ticket

ACTIVE = frozenset(Ticket.ACTIVE_STATUSES)


def ticket_replied(*, ticket: Ticket, message: Message, actor: User | None) -> None:
    """An agent answered the customer: "you will hear from me" promises are
    kept and a running "update the customer" is done."""
    promises_keep_on_reply(ticket=ticket, actor=actor)
    followups_done_on_reply(ticket=ticket, actor=actor)


def ticket_status_changing(
    *, ticket: Ticket, from_status: str, to_status: str, actor: User | None
) -> None:
    """Resolving schedules the satisfaction check and the check-back;
    reopening cancels those not yet done."""
    if to_status == Ticket.Status.RESOLVED:
        followups_schedule_after_resolution(ticket=ticket, actor=actor)
    elif from_status == Ticket.Status.RESOLVED and to_status in ACTIVE:
        followups_cancel_after_reopen(ticket=ticket, actor=actor)


def ticket_acknowledged(
    *, ticket: Ticket, message: Message, due_at: datetime
) -> Promise | None:
    """The acknowledgement told the customer when they hear from us: that is
    a first-response promise."""
    return promise_record_first_response(ticket=ticket, due_at=due_at, message=message)


def tickets_acknowledged(
    acknowledged: Sequence[tuple[Ticket, Message, datetime]],
) -> list[Promise | None]:
    """ticket_acknowledged for a batch of (ticket, acknowledgement, due time):
    the same promises, written a few statements per batch."""
    return promises_record_first_response(acknowledged)


def case_resolved(
    *, case_id: int, ticket: Ticket, actor: User | None
) -> list[FollowUp]:
    """A recovery case was resolved: its satisfaction check and check-back."""
    return followups_schedule_after_resolution(
        ticket=ticket, actor=actor, case_id=case_id
    )


@transaction.atomic
def ticket_reply_with_update(
    *,
    ticket: Ticket,
    actor: User,
    body_text: str,
    status_after: str | None,
    update_by: datetime | None = None,
    record_promise: bool = False,
) -> Message:
    """Send a reply; when it announces the next update ("you will hear from
    me by X"), remind the owner ahead of X and optionally record the promise."""
    from tickets import services as ticket_services

    if update_by is not None:
        require_future(update_by, label=_("The time of the next update"))
    elif record_promise:
        raise DomainError(_("A promise needs the time of the next update."))
    message = ticket_services.ticket_reply(
        ticket=ticket, actor=actor, body_text=body_text, status_after=status_after
    )
    if update_by is not None:
        followup_schedule_update(ticket=ticket, actor=actor, update_by=update_by)
        if record_promise:
            language = mail.customer_language(ticket)
            promise_create(
                ticket=ticket,
                kind=Promise.Kind.NEXT_UPDATE,
                what={"de": "Nächstes Update"}.get(language, "Next update"),
                due_at=mail.quarter_ceil(update_by),
                actor=actor,
                source_message=message,
            )
    return message
