"""The customer's answer to a satisfaction check, and what follows from it."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from followups.models import FollowUp, Notification, SatisfactionAnswer
from followups.services._base import (
    User,
    lock_followup,
    notify,
    responsible_user_ids,
)
from helpdesk.exceptions import DomainError
from helpdesk.notes import system_note
from tickets.models import Ticket

logger = logging.getLogger(__name__)

# The customer may change their answer this long after first giving it.
ANSWER_CHANGE_WINDOW = timedelta(days=7)
# Scores up to this reopen the ticket and tell its owner.
LOW_SCORE = 2


def answer_is_changeable(answer: SatisfactionAnswer | None) -> bool:
    return answer is None or timezone.now() - answer.answered_at <= ANSWER_CHANGE_WINDOW


@transaction.atomic
def satisfaction_record(
    *,
    followup: FollowUp,
    score: int,
    comment: str = "",
    channel: str = "link",
    actor: User | None = None,
) -> SatisfactionAnswer:
    """Record the answer to a satisfaction check, or change it within a week
    of the first answer. A recovery case waiting for it is followed up; a low
    score reopens a resolved ticket and tells its owner."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise DomainError(_("Choose a score from 1 to 5."))
    followup = lock_followup(followup)
    if followup.kind != FollowUp.Kind.SATISFACTION_CHECK:
        raise DomainError(_("Only a satisfaction check takes an answer."))
    if followup.state == FollowUp.State.CANCELLED:
        raise DomainError(_("This satisfaction check was withdrawn."))
    comment = (comment or "").strip()[:4000]
    now = timezone.now()
    answer = (
        SatisfactionAnswer.objects.select_for_update().filter(followup=followup).first()
    )
    if answer is None:
        answer = SatisfactionAnswer.objects.create(
            followup=followup, score=score, comment=comment, channel=channel
        )
    elif not answer_is_changeable(answer):
        raise DomainError(_("This answer can no longer be changed."))
    else:
        answer.score, answer.comment, answer.changed_at = score, comment, now
        answer.change_count += 1
        answer.save(update_fields=["score", "comment", "changed_at", "change_count"])
    if followup.case_id:
        _follow_up_case(followup, answer=answer, actor=actor)
    if score <= LOW_SCORE:
        _reopen_and_tell(followup, score=score)
    return answer


def _follow_up_case(
    followup: FollowUp, *, answer: SatisfactionAnswer, actor: User | None
) -> None:
    """Move the recovery case on to followed_up if it is waiting for this."""
    try:
        from recovery import services as recovery_services
        from recovery.models import RecoveryCase
    except ImportError:  # pragma: no cover - recovery is part of the project
        return
    case = RecoveryCase.objects.filter(
        pk=followup.case_id, status=RecoveryCase.Status.RESOLVED
    ).first()
    if case is None:
        return
    channel = "link" if answer.channel == "link" else "phone"
    try:
        with transaction.atomic():
            recovery_services.case_record_satisfaction(
                case=case,
                score=answer.score,
                comment=answer.comment,
                actor=actor,
                channel=channel,
            )
    except DomainError as exc:
        # The customer's answer is kept either way; the case can be moved by hand.
        logger.warning("case %s not followed up: %s", case.pk, exc.message)


def _reopen_and_tell(followup: FollowUp, *, score: int) -> None:
    from tickets import services as ticket_services

    ticket = followup.ticket
    if ticket.status == Ticket.Status.RESOLVED:
        ticket_services.ticket_transition(
            ticket=ticket,
            to=Ticket.Status.OPEN,
            actor=None,
            note=system_note("rated_low", score=score),
        )
    notify(
        user_ids=responsible_user_ids(ticket, owner_id=followup.owner_id),
        kind=Notification.Kind.SATISFACTION_LOW,
        key=f"satisfaction:{followup.pk}:low",
        ticket=ticket,
        followup=followup,
    )
