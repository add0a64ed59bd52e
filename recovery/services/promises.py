"""A promise that cannot be kept: record the checks made to keep it anyway,
put the options to the customer in one email with a signed link, record their
choice, and deliver a substitute only after they chose it."""

import secrets
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import DomainError
from helpdesk.notes import system_note
from recovery import links, texts
from recovery.models import (
    CaseEvent,
    Channel,
    ChoiceRequest,
    Offer,
    PromiseCheck,
    RecoveryCase,
)
from recovery.services._base import (
    User,
    _enqueue,
    _event,
    _lock_case,
    _require_member,
    _require_move,
    _require_text,
    _set_status,
)
from recovery.services.notify import claim_notification, send_to_staff
from recovery.services.offers import clean_amount, clean_currency, offer_create
from tickets import services as ticket_services
from tickets.models import Ticket

Status = RecoveryCase.Status
Option = ChoiceRequest.Option
# Options are prepared while the case is being worked, before it is resolved.
PREPARE_STATUSES = frozenset(
    {Status.OPENED, Status.ACKNOWLEDGED, Status.UNDERSTOOD, Status.ESCALATED}
)


def _new_nonce() -> str:
    return secrets.token_hex(16)


def _require_broken_promise(case: RecoveryCase) -> None:
    if not case.is_broken_promise:
        raise DomainError(_("This applies to broken promises only."))


def _inbox_today(case: RecoveryCase) -> date:
    zone = ZoneInfo(case.ticket.inbox.time_zone)
    return timezone.localtime(timezone.now(), zone).date()


@transaction.atomic
def case_record_check(
    *, case: RecoveryCase, actor: User, kind: str, outcome: str, can_keep: bool
) -> PromiseCheck:
    """Record one thing checked to keep the promise anyway, and its outcome."""
    if kind not in PromiseCheck.Kind.values:
        raise DomainError(_("Unknown kind of check “%(kind)s”.") % {"kind": kind})
    outcome = _require_text(outcome, _("Record what the check found."))
    case = _lock_case(case)
    _require_broken_promise(case)
    if case.status not in PREPARE_STATUSES:
        raise DomainError(_("Checks are recorded before the options go out."))
    _require_member(case, actor)
    check = PromiseCheck.objects.create(
        case=case, kind=kind, outcome=outcome, can_keep=can_keep, checked_by=actor
    )
    verdict = "check_can_keep" if can_keep else "check_cannot_keep"
    _event(
        case,
        kind=CaseEvent.Kind.CHECK,
        actor=actor,
        note=system_note(verdict, text=outcome, kind=kind),
    )
    return check


def _void_request(request: ChoiceRequest, *, actor: User, note: str | dict) -> None:
    """Withdraw a prepared or sent request and its unanswered incentive; the
    caller holds the case lock."""
    request.status = ChoiceRequest.Status.WITHDRAWN
    request.nonce = _new_nonce()
    request.save(update_fields=["status", "nonce"])
    offer = request.incentive_offer
    open_offer = offer is not None and offer.status in (
        Offer.Status.PENDING,
        Offer.Status.APPROVED,
    )
    if open_offer and not offer.customer_answer:
        Offer.objects.filter(pk=offer.pk).update(status=Offer.Status.WITHDRAWN)
        _event(
            request.case,
            kind=CaseEvent.Kind.OFFER_WITHDRAWN,
            actor=actor,
            note=note,
            offer=offer,
        )


@transaction.atomic
def case_prepare_options(
    *,
    case: RecoveryCase,
    actor: User,
    new_date: date,
    alternative: str,
    refund_amount: Decimal | str,
    currency: str,
    incentive_kind: str = "",
    incentive_amount: Decimal | str | None = None,
    incentive_description: str = "",
) -> ChoiceRequest:
    """Build the three options (wait until a new date, an alternative of
    better value with an optional incentive, cancel with a full refund). The
    incentive is an offer like any other: within authority or approved by a
    manager before the options can be sent. Replaces an unsent draft."""
    alternative = _require_text(
        alternative, _("Describe the alternative of better value.")
    )
    refund_amount, currency = clean_amount(refund_amount), clean_currency(currency)
    case = _lock_case(case)
    _require_broken_promise(case)
    if case.status not in PREPARE_STATUSES:
        raise DomainError(_("Options are prepared before they go to the customer."))
    _require_member(case, actor)
    if not case.promise_checks.exists():
        raise DomainError(
            _("First record what you checked to keep the promise anyway.")
        )
    if new_date is None or new_date <= _inbox_today(case):
        raise DomainError(_("The new date for the original must be in the future."))
    for draft in case.choice_requests.select_related("incentive_offer").filter(
        status=ChoiceRequest.Status.DRAFT
    ):
        _void_request(draft, actor=actor, note=system_note("options_prepared_again"))
    incentive = None
    if incentive_kind:
        incentive = offer_create(
            case=case,
            actor=actor,
            kind=incentive_kind,
            amount=incentive_amount if incentive_amount not in (None, "") else 0,
            currency=currency,
            description=incentive_description,
        )
    request = ChoiceRequest.objects.create(
        case=case,
        new_date=new_date,
        alternative=alternative,
        incentive_offer=incentive,
        refund_amount=refund_amount,
        currency=currency,
        nonce=_new_nonce(),
        prepared_by=actor,
    )
    _event(case, kind=CaseEvent.Kind.OPTIONS_PREPARED, actor=actor, note=alternative)
    return request


@transaction.atomic
def case_send_options(*, case: RecoveryCase, actor: User) -> ChoiceRequest:
    """Email the prepared options with a signed, expiring link; the case then
    waits for the customer."""
    case = _lock_case(case, expected=case.status)
    _require_broken_promise(case)
    _require_move(case, from_=Status.UNDERSTOOD, to=Status.AWAITING_CUSTOMER)
    _require_member(case, actor)
    request = (
        ChoiceRequest.objects.select_for_update(of=("self",), no_key=True)
        .filter(case=case, status=ChoiceRequest.Status.DRAFT)
        .first()
    )
    if request is None:
        raise DomainError(_("Prepare the options first."))
    if not case.promise_checks.exists():
        raise DomainError(
            _("First record what you checked to keep the promise anyway.")
        )
    if request.new_date <= _inbox_today(case):
        raise DomainError(
            _("The new date has passed; prepare the options again with a later one.")
        )
    offer = request.incentive_offer
    if offer is not None and offer.status != Offer.Status.APPROVED:
        raise DomainError(
            _("The incentive is waiting for a manager's approval.")
            if offer.status == Offer.Status.PENDING
            else _("The incentive was not approved; prepare the options again.")
        )
    now = timezone.now()
    request.status = ChoiceRequest.Status.SENT
    request.sent_at, request.expires_at = now, now + links.CHOICE_LINK_MAX_AGE
    url = links.choice_url(request_id=request.pk, nonce=request.nonce)
    body = texts.options_email(request=request, url=url, agent=actor)
    ticket = case.ticket
    waiting = Ticket.Status.WAITING_CUSTOMER
    request.message = ticket_services.ticket_reply(
        ticket=ticket,
        actor=actor,
        body_text=body,
        status_after=waiting if ticket.can_move_to(waiting) else None,
    )
    request.save(update_fields=["status", "sent_at", "expires_at", "message"])
    _set_status(
        case,
        to=Status.AWAITING_CUSTOMER,
        actor=actor,
        note=system_note("options_sent", date=request.expires_at),
    )
    return request


@transaction.atomic
def choice_record(
    *,
    request: ChoiceRequest,
    option: str,
    actor: User | None = None,
    channel: str = Channel.LINK,
    note: str = "",
    nonce: str | None = None,
) -> ChoiceRequest:
    """Record the customer's choice, once: through their link (no actor; the
    link's nonce must still be current) or told to an agent by phone or email.
    The case goes back to the agent, who is told by email after commit."""
    if option not in Option.values:
        raise DomainError(_("Please choose one of the options."))
    if actor is None and channel != Channel.LINK:
        raise DomainError(_("A choice without an agent comes through the link."))
    if actor is not None and channel not in (Channel.PHONE, Channel.EMAIL):
        raise DomainError(_("Record whether the customer chose by phone or email."))
    case = _lock_case(request.case)
    request = ChoiceRequest.objects.select_for_update(of=("self",), no_key=True).get(
        pk=request.pk
    )
    if request.status == ChoiceRequest.Status.CHOSEN:
        raise links.ChoiceLinkInvalid(
            _("Your choice is already recorded: %(option)s.")
            % {"option": Option(request.chosen_option).label},
            reason="used",
        )
    if request.status != ChoiceRequest.Status.SENT or (
        nonce is not None and nonce != request.nonce
    ):
        raise links.ChoiceLinkInvalid(
            _("These options are no longer open. Please reply to our email."),
            reason="used",
        )
    if actor is not None:
        _require_member(case, actor)
    _require_move(case, from_=Status.AWAITING_CUSTOMER, to=Status.UNDERSTOOD)
    offer = request.incentive_offer
    if offer is not None and offer.status == Offer.Status.APPROVED:
        answer = (
            Offer.Answer.ACCEPTED
            if option == Option.ALTERNATIVE
            else Offer.Answer.DECLINED
        )
        Offer.objects.filter(pk=offer.pk, customer_answer="").update(
            customer_answer=answer, answered_at=timezone.now()
        )
        _event(
            case,
            kind=CaseEvent.Kind.OFFER_ANSWERED,
            actor=actor,
            note=system_note("offer_answer", answer=answer),
            offer=offer,
        )
    request.status = ChoiceRequest.Status.CHOSEN
    request.chosen_option, request.chosen_at = option, timezone.now()
    request.chosen_channel, request.recorded_by = channel, actor
    request.customer_note = (note or "").strip()[:4000]
    request.nonce = _new_nonce()  # the link is used up
    request.save(
        update_fields=[
            "status",
            "chosen_option",
            "chosen_at",
            "chosen_channel",
            "recorded_by",
            "customer_note",
            "nonce",
        ]
    )
    _event(
        case,
        kind=CaseEvent.Kind.CHOICE,
        actor=actor,
        note=system_note("option_chosen", text=request.customer_note, option=option),
    )
    _set_status(
        case,
        to=Status.UNDERSTOOD,
        actor=actor,
        note=system_note("customer_chose", option=option),
    )
    _enqueue("choice_notify_owner_task", request_id=request.pk)
    return request


@transaction.atomic
def case_withdraw_options(
    *, case: RecoveryCase, actor: User, note: str = ""
) -> RecoveryCase:
    """Withdraw the options sent (their link stops working); the case goes
    back to the agent."""
    case = _lock_case(case, expected=case.status)
    _require_move(case, from_=Status.AWAITING_CUSTOMER, to=Status.UNDERSTOOD)
    _require_member(case, actor)
    note = (note or "").strip() or system_note("options_withdrawn")
    for request in case.choice_requests.select_related("incentive_offer").filter(
        status=ChoiceRequest.Status.SENT
    ):
        _void_request(request, actor=actor, note=note)
    _set_status(case, to=Status.UNDERSTOOD, actor=actor, note=note)
    return case


@transaction.atomic
def case_mark_substitute_delivered(
    *, case: RecoveryCase, actor: User, note: str = ""
) -> RecoveryCase:
    """Record that the alternative was delivered; only after the customer
    chose it."""
    case = _lock_case(case)
    _require_broken_promise(case)
    _require_member(case, actor)
    chosen = (
        case.choice_requests.filter(status=ChoiceRequest.Status.CHOSEN)
        .order_by("-chosen_at")
        .first()
    )
    if chosen is None or chosen.chosen_option != Option.ALTERNATIVE:
        raise DomainError(
            _(
                "A substitute is delivered only when the customer chose the "
                "alternative; their choice is not recorded."
            )
        )
    if case.substitute_delivered_at is not None:
        raise DomainError(_("The substitute is already marked as delivered."))
    case.substitute_delivered_at = timezone.now()
    case.save(update_fields=["substitute_delivered_at"])
    _event(
        case,
        kind=CaseEvent.Kind.SUBSTITUTE_DELIVERED,
        actor=actor,
        note=(note or "").strip(),
    )
    return case


def choice_notify_owner(*, request_id: int) -> int:
    """Email the case owner (and the ticket's assignee) the customer's
    choice, once."""
    if not claim_notification(ChoiceRequest, request_id, "owner_notified_at"):
        return 0
    request = ChoiceRequest.objects.select_related(
        "case__ticket__assignee__agent_profile", "case__owner__agent_profile"
    ).get(pk=request_id)
    case = request.case
    people = {u.pk: u for u in (case.owner, case.ticket.assignee) if u and u.is_active}
    context = {
        "request": request,
        "case": case,
        "ticket": case.ticket,
        "option": Option(request.chosen_option).label,
        "url": settings.SITE_URL + case.get_absolute_url(),
    }
    try:
        return send_to_staff(
            list(people.values()), "recovery/email/choice_made.txt", context
        )
    except Exception:
        ChoiceRequest.objects.filter(pk=request_id).update(owner_notified_at=None)
        raise
