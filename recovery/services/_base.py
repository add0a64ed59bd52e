"""The one writer of a case's status and the audit helpers beside it."""

from functools import partial

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import ConcurrentUpdate, DomainError, TransitionNotAllowed
from helpdesk.notes import note_fields
from recovery.models import CaseEvent, Offer, RecoveryCase
from tickets.models import Membership

User = AbstractBaseUser
Status = RecoveryCase.Status

# When a step is first reached, its timestamp field is set (log timings).
_STEP_STAMPS = {
    Status.ACKNOWLEDGED: "acknowledged_at",
    Status.UNDERSTOOD: "understood_at",
    Status.RESOLVED: "resolved_at",
    Status.FOLLOWED_UP: "followed_up_at",
    Status.DOCUMENTED: "documented_at",
    Status.CLOSED: "closed_at",
}


def _lock_case(case: RecoveryCase, *, expected: str | None = None) -> RecoveryCase:
    """The case row locked until commit; ConcurrentUpdate when it is no longer
    in the status the caller saw. Call inside a transaction."""
    # NO KEY UPDATE: inserting rows that point at the case (events, offers)
    # elsewhere must not wait for this lock.
    locked = (
        RecoveryCase.objects.select_for_update(of=("self",), no_key=True)
        .select_related("ticket__inbox", "ticket__customer")
        .get(pk=case.pk)
    )
    if expected is not None and locked.status != expected:
        raise ConcurrentUpdate(
            _(
                "Someone else changed this case first: it is now “%(status)s”. "
                "Reload the page and try again."
            )
            % {"status": locked.get_status_display()}
        )
    return locked


def _check_transition(case: RecoveryCase, to: str) -> None:
    """TransitionNotAllowed unless the table allows the move."""
    if to not in case.TRANSITIONS[case.status]:
        raise TransitionNotAllowed(
            case.status,
            to,
            _("A recovery case cannot move from “%(from)s” to “%(to)s”.")
            % {"from": Status(case.status).label, "to": Status(to).label},
        )


def _require_move(case: RecoveryCase, *, from_: str, to: str) -> None:
    """The case is where this step starts and the table allows the move; an
    escalated case is taken back first, to where it was."""
    if case.status == from_:
        _check_transition(case, to)
        return
    if case.status == Status.ESCALATED:
        raise TransitionNotAllowed(
            case.status,
            to,
            _("This case is escalated to %(target)s; take it back first.")
            % {"target": case.escalation_target},
        )
    raise TransitionNotAllowed(
        case.status,
        to,
        _("A recovery case cannot move from “%(from)s” to “%(to)s”.")
        % {"from": Status(case.status).label, "to": Status(to).label},
    )


def _set_status(
    case: RecoveryCase, *, to: str, actor: User | None, note: str | dict = ""
) -> CaseEvent:
    """Only writer of RecoveryCase.status; the caller holds the row lock."""
    _check_transition(case, to)
    event = CaseEvent.objects.create(
        case=case,
        actor=actor,
        kind=CaseEvent.Kind.STATUS,
        from_status=case.status,
        to_status=to,
        **note_fields(note),
    )
    now = timezone.now()
    fields = ["status", "status_changed_at"]
    stamp = _STEP_STAMPS.get(to)
    if stamp and getattr(case, stamp) is None:
        setattr(case, stamp, now)
        fields.append(stamp)
    case.status, case.status_changed_at = to, now
    case.save(update_fields=fields)
    return event


def _event(
    case: RecoveryCase,
    *,
    kind: str,
    actor: User | None,
    note: str | dict = "",
    offer: Offer | None = None,
) -> CaseEvent:
    """An audit row for a change on the case that is not a status move."""
    return CaseEvent.objects.create(
        case=case, actor=actor, kind=kind, offer=offer, **note_fields(note)
    )


def _require_member(case: RecoveryCase, user: User) -> Membership:
    """The user's membership in the case's inbox, or a DomainError."""
    membership = Membership.objects.filter(
        inbox_id=case.ticket.inbox_id, user_id=user.pk
    ).first()
    if membership is None:
        raise DomainError(_("Only members of the ticket's inbox can work this case."))
    return membership


def _require_text(value: str, message: str) -> str:
    """The stripped text, or a DomainError with the message when it is empty."""
    value = (value or "").strip()
    if not value:
        raise DomainError(message)
    return value


def _require_open(case: RecoveryCase) -> None:
    if not case.is_open:
        raise DomainError(_("This recovery case is closed."))


def _enqueue(task_name: str, **kwargs: int) -> None:
    """Run a recovery task after the surrounding transaction commits."""
    # Imported here: tasks imports the services package.
    from recovery import tasks

    task = getattr(tasks, task_name)
    transaction.on_commit(partial(task.delay, **kwargs))
