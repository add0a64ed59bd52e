"""Opening a case and moving it through the five steps, escalation and back.

Each step service locks the case, refuses when someone else moved it first
(the status the caller saw is compared), checks the transition table and the
step's preconditions, then writes the step's data and one audit event."""

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError, TransitionNotAllowed
from helpdesk.notes import system_note
from recovery.models import (
    Attribution,
    CaseEvent,
    Channel,
    ChoiceRequest,
    FailureType,
    Offer,
    PostMortem,
    RecoveryCase,
    Severity,
)
from recovery.services._base import (
    User,
    _lock_case,
    _require_member,
    _require_move,
    _require_text,
    _set_status,
)
from tickets import services as ticket_services
from tickets.models import Component, Membership, Ticket

Status = RecoveryCase.Status
PRIOR_FAILURE_WINDOW = timedelta(days=365)

# "I am sorry", "I'll", "ich", "mir", "mich": the apology speaks for the agent.
_FIRST_PERSON_EN = re.compile(r"\bI\b|\bI['\u2019](?:m|ve|ll|d)\b")
_FIRST_PERSON_DE = re.compile(r"\b(?:ich|mir|mich)\b", re.IGNORECASE)


def _choice(value: str, choices: type, what: str) -> str:
    if value not in choices.values:
        raise DomainError(
            _("Unknown %(what)s “%(value)s”.") % {"what": what, "value": value}
        )
    return value


@transaction.atomic
def case_open(
    *,
    ticket: Ticket,
    actor: User,
    failure_type: str,
    severity: str,
    attribution: str,
    is_preventable: bool,
    is_foreseeable: bool,
    summary: str = "",
) -> RecoveryCase:
    """Open a recovery case on the ticket; a ticket has one open case at most."""
    _choice(failure_type, FailureType, _("failure type"))
    _choice(severity, Severity, _("severity"))
    _choice(attribution, Attribution, _("attribution"))
    # Serialises two openings on the same ticket; the constraint backs it.
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket.pk)
    if not Membership.objects.filter(
        inbox_id=ticket.inbox_id, user_id=actor.pk
    ).exists():
        raise DomainError(_("Only members of the ticket's inbox can open a case."))
    if (
        RecoveryCase.objects.filter(ticket=ticket)
        .exclude(status=Status.CLOSED)
        .exists()
    ):
        raise DomainError(_("This ticket already has an open recovery case."))
    now = timezone.now()
    prior = RecoveryCase.objects.filter(
        ticket__customer_id=ticket.customer_id,
        opened_at__gte=now - PRIOR_FAILURE_WINDOW,
        opened_at__lte=now,
    ).count()
    try:
        with transaction.atomic():
            case = RecoveryCase.objects.create(
                ticket=ticket,
                opened_by=actor,
                owner=actor,
                failure_type=failure_type,
                severity=severity,
                attribution=attribution,
                is_preventable=is_preventable,
                is_foreseeable=is_foreseeable,
                summary=summary.strip(),
                prior_failure_count=min(prior, 32767),
                opened_at=now,
                status_changed_at=now,
            )
    except IntegrityError:
        raise DomainError(_("This ticket already has an open recovery case.")) from None
    CaseEvent.objects.create(
        case=case, actor=actor, to_status=Status.OPENED, note=summary.strip()
    )
    return case


def _is_first_person(text: str) -> bool:
    return bool(_FIRST_PERSON_EN.search(text) or _FIRST_PERSON_DE.search(text))


@transaction.atomic
def case_acknowledge(
    *, case: RecoveryCase, actor: User, channel: str, text: str
) -> RecoveryCase:
    """Apologise in the first person: email it through the ticket, or record
    what was said on the phone; the case is then acknowledged."""
    if channel not in (Channel.EMAIL, Channel.PHONE):
        raise DomainError(_("An apology is sent by email or given on the phone."))
    text = _require_text(text, _("Write the apology before sending it."))
    if not _is_first_person(text):
        raise DomainError(
            _(
                "Apologise in the first person (“I am sorry…”): the customer "
                "hears from you, not from the company or your manager."
            )
        )
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.OPENED, to=Status.ACKNOWLEDGED)
    _require_member(case, actor)
    if channel == Channel.EMAIL:
        case.apology_message = ticket_services.ticket_reply(
            ticket=case.ticket, actor=actor, body_text=text, status_after=None
        )
    case.apology_channel, case.apology_text = channel, text
    case.save(update_fields=["apology_channel", "apology_text", "apology_message"])
    note = (
        _("Apology sent by email.")
        if channel == Channel.EMAIL
        else _("Apology given on the phone.")
    )
    _set_status(case, to=Status.ACKNOWLEDGED, actor=actor, note=note)
    return case


@transaction.atomic
def case_understand(
    *,
    case: RecoveryCase,
    actor: User,
    customer_account: str,
    chain_of_events: str,
    cause: str,
    fair_outcome: str,
) -> RecoveryCase:
    """Record the customer's account, the chain of events, the cause as the
    team sees it and what the customer would consider fair."""
    values = {
        "customer_account": _require_text(
            customer_account, _("Record the customer's account of what happened.")
        ),
        "chain_of_events": _require_text(
            chain_of_events, _("Outline the chain of events.")
        ),
        "cause": _require_text(cause, _("Record the cause as we see it.")),
        "fair_outcome": _require_text(
            fair_outcome,
            _("Ask the customer what they would consider fair, and record it."),
        ),
    }
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.ACKNOWLEDGED, to=Status.UNDERSTOOD)
    _require_member(case, actor)
    for field, value in values.items():
        setattr(case, field, value)
    case.save(update_fields=list(values))
    _set_status(case, to=Status.UNDERSTOOD, actor=actor)
    return case


def _check_compensation_decided(case: RecoveryCase, *, reason: str) -> None:
    """An accepted offer or an explicit reason for none; nothing undecided.
    Locks the case's offers; the caller holds the case lock."""
    offers = list(
        Offer.objects.select_for_update(of=("self",), no_key=True)
        .filter(case=case)
        .order_by("pk")
    )
    if any(o.status == Offer.Status.PENDING for o in offers):
        raise DomainError(
            _(
                "An offer is still waiting for a manager's approval; wait for "
                "the decision or withdraw the offer."
            )
        )
    if any(o.status == Offer.Status.APPROVED and not o.customer_answer for o in offers):
        raise DomainError(
            _("Record whether the customer accepted each approved offer first.")
        )
    accepted = any(o.customer_answer == Offer.Answer.ACCEPTED for o in offers)
    if not accepted and not reason:
        raise DomainError(
            _(
                "Decide the compensation: an offer the customer accepted, or "
                "“none, because …”."
            )
        )


@transaction.atomic
def case_resolve(
    *,
    case: RecoveryCase,
    actor: User,
    solution: str,
    no_compensation_reason: str = "",
) -> RecoveryCase:
    """Record the solution and the compensation decision; the case is resolved."""
    solution = _require_text(solution, _("Describe the solution."))
    reason = (no_compensation_reason or "").strip()
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.UNDERSTOOD, to=Status.RESOLVED)
    _require_member(case, actor)
    _check_compensation_decided(case, reason=reason)
    if (
        case.is_broken_promise
        and not case.choice_requests.filter(status=ChoiceRequest.Status.CHOSEN).exists()
    ):
        raise DomainError(
            _(
                "A broken promise is resolved only after the customer chose how "
                "to go on."
            )
        )
    case.solution, case.no_compensation_reason = solution, reason
    case.save(update_fields=["solution", "no_compensation_reason"])
    _set_status(case, to=Status.RESOLVED, actor=actor)
    from followups import services as followup_services

    followup_services.case_resolved(case_id=case.pk, ticket=case.ticket, actor=actor)
    return case


@transaction.atomic
def case_record_satisfaction(
    *,
    case: RecoveryCase,
    score: int,
    comment: str,
    actor: User | None,
    channel: str,
) -> RecoveryCase:
    """Record the customer's answer to the satisfaction check (1-5); the case
    is followed up. Without an actor the customer answered themselves."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise DomainError(_("Satisfaction is a score from 1 to 5."))
    _choice(channel, Channel, _("channel"))
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.RESOLVED, to=Status.FOLLOWED_UP)
    if actor is not None:
        _require_member(case, actor)
    case.satisfaction_score = score
    case.satisfaction_comment = (comment or "").strip()
    case.satisfaction_channel = channel
    case.save(
        update_fields=[
            "satisfaction_score",
            "satisfaction_comment",
            "satisfaction_channel",
        ]
    )
    note = _("Satisfaction %(score)d of 5 (%(channel)s).") % {
        "score": score,
        "channel": Channel(channel).label,
    }
    _set_status(case, to=Status.FOLLOWED_UP, actor=actor, note=note)
    return case


def _inbox_today(case: RecoveryCase) -> date:
    return timezone.localtime(
        timezone.now(), ZoneInfo(case.ticket.inbox.time_zone)
    ).date()


@transaction.atomic
def case_document(
    *,
    case: RecoveryCase,
    actor: User,
    chain_of_events: str,
    root_cause: str,
    component: Component | None,
    is_preventable: bool,
    prevention_action: str,
    prevention_owner: User | None,
    prevention_due_date: date | None,
) -> PostMortem:
    """Write the post-mortem; the case is documented and may then be closed."""
    chain_of_events = _require_text(
        chain_of_events, _("The post-mortem needs the chain of events.")
    )
    _choice(root_cause, PostMortem.RootCause, _("root-cause category"))
    if component is None:
        raise DomainError(_("Name the product component concerned."))
    prevention_action = _require_text(
        prevention_action, _("Name the action that prevents this from happening again.")
    )
    if prevention_owner is None or prevention_due_date is None:
        raise DomainError(_("The prevention action needs an owner and a due date."))
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.FOLLOWED_UP, to=Status.DOCUMENTED)
    _require_member(case, actor)
    if not Membership.objects.filter(
        inbox_id=case.ticket.inbox_id,
        user_id=prevention_owner.pk,
        user__is_active=True,
    ).exists():
        raise DomainError(
            _("The owner of the prevention action must be a member of the inbox.")
        )
    if prevention_due_date < _inbox_today(case):
        raise DomainError(_("The prevention due date cannot be in the past."))
    post_mortem = PostMortem.objects.create(
        case=case,
        chain_of_events=chain_of_events,
        root_cause=root_cause,
        component=component,
        is_preventable=is_preventable,
        prevention_action=prevention_action,
        prevention_owner=prevention_owner,
        prevention_due_date=prevention_due_date,
        written_by=actor,
    )
    _set_status(case, to=Status.DOCUMENTED, actor=actor)
    return post_mortem


@transaction.atomic
def case_close(*, case: RecoveryCase, actor: User, note: str = "") -> RecoveryCase:
    """Close a documented case (its post-mortem exists)."""
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.DOCUMENTED, to=Status.CLOSED)
    _require_member(case, actor)
    if not case.can_close:
        raise DomainError(_("A case closes only after its post-mortem is written."))
    _set_status(case, to=Status.CLOSED, actor=actor, note=(note or "").strip())
    return case


@transaction.atomic
def case_escalate(
    *, case: RecoveryCase, actor: User, target: str, reason: str
) -> RecoveryCase:
    """Hand the case to a specialist group or a manager; it returns later to
    the step it was in."""
    target = _require_text(target, _("Say who the case is escalated to."))[:200]
    reason = _require_text(reason, _("Say why the case is escalated."))
    case = _lock_case(case, expected=case.status)
    _require_member(case, actor)
    previous = case.status
    _set_status(
        case,
        to=Status.ESCALATED,
        actor=actor,
        note=system_note("escalated_to", text=reason, target=target),
    )
    case.escalated_from = previous
    case.escalation_target, case.escalation_reason = target, reason
    case.save(
        update_fields=["escalated_from", "escalation_target", "escalation_reason"]
    )
    return case


@transaction.atomic
def case_return(*, case: RecoveryCase, actor: User, note: str = "") -> RecoveryCase:
    """Take an escalated case back to the step it was escalated from."""
    case = _lock_case(case, expected=case.status)
    if case.status != Status.ESCALATED:
        raise TransitionNotAllowed(
            case.status,
            case.status,
            _("Only an escalated case can be taken back."),
        )
    _require_member(case, actor)
    _set_status(case, to=case.escalated_from, actor=actor, note=(note or "").strip())
    case.escalated_from = ""
    case.save(update_fields=["escalated_from"])
    return case
