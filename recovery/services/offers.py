"""Compensation offers, the authority that approves them, and managers'
decisions.

Authority rule: an offer is approved at once when its amount is zero, or when
it is in the currency of the maker's membership in the case's inbox, at most
their per-offer limit, and their month spend plus the amount is at most their
per-month limit. Month spend is the sum of the maker's offers in that inbox and
currency that were approved within their own authority during the current
calendar month in the inbox's time zone; offers a manager approved count
against nobody's monthly limit (the manager decided them). Anything else waits
for a manager of the inbox. The maker's membership row is locked while the
spend is computed, so parallel offers by one agent are decided one by one."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from helpdesk.exceptions import ConcurrentUpdate, DomainError
from helpdesk.notes import note_fields, system_note
from recovery import selectors
from recovery.models import CaseEvent, ChoiceRequest, Offer, RecoveryCase
from recovery.services._base import (
    User,
    _enqueue,
    _event,
    _lock_case,
    _require_member,
)
from recovery.services.notify import claim_notification, send_to_staff
from tickets.models import Membership
from tickets.templatetags.tickets_ui import money

CENT = Decimal("0.01")


class NotAManager(DomainError):
    """Only a manager of the inbox may do this."""

    status_code = 403


def clean_amount(value: Decimal | str | int) -> Decimal:
    """A non-negative amount rounded to cents, or a DomainError."""
    try:
        amount = Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise DomainError(
            _("“%(value)s” is not an amount.") % {"value": value}
        ) from None
    if amount < 0 or not amount.is_finite():
        raise DomainError(_("An amount cannot be negative."))
    if amount >= Decimal("10000000000"):
        raise DomainError(_("This amount is too large."))
    return amount


def clean_currency(value: str) -> str:
    """An ISO 4217 code in capitals, or a DomainError."""
    code = (value or "").strip().upper()
    if len(code) != 3 or not code.isalpha():
        raise DomainError(_("A currency is a three-letter code such as EUR."))
    return code


def authority_decision(
    *, membership: Membership, amount: Decimal, currency: str, month_spend: Decimal
) -> tuple[bool, str]:
    """Whether the member may grant this offer alone, and if not, why."""
    if amount == 0:
        return True, ""
    limit_currency = membership.currency
    if currency != limit_currency:
        return False, _(
            "The offer is in %(currency)s, but the authority is set in "
            "%(limit_currency)s; amounts in different currencies are not added up."
        ) % {"currency": currency, "limit_currency": limit_currency}
    per_offer = membership.per_offer_limit_amount
    if amount > per_offer:
        return False, _("Above the per-offer limit of %(limit)s.") % {
            "limit": money(per_offer, limit_currency)
        }
    per_month = membership.per_month_limit_amount
    if month_spend + amount > per_month:
        return False, _(
            "With %(spent)s already granted this month it would pass the monthly "
            "limit of %(limit)s."
        ) % {
            "spent": money(month_spend, limit_currency),
            "limit": money(per_month, limit_currency),
        }
    return True, ""


@transaction.atomic
def offer_create(
    *,
    case: RecoveryCase,
    actor: User,
    kind: str,
    amount: Decimal | str | int,
    currency: str,
    description: str = "",
) -> Offer:
    """Make an offer on the case: approved at once within the actor's
    authority, otherwise queued for the inbox's managers (emailed after
    commit)."""
    if kind not in Offer.Kind.values:
        raise DomainError(_("Unknown kind of offer “%(kind)s”.") % {"kind": kind})
    amount, currency = clean_amount(amount), clean_currency(currency)
    case = _lock_case(case)
    if case.status not in RecoveryCase.OFFER_STATUSES:
        raise DomainError(_("Offers are made before the case is resolved."))
    _require_member(case, actor)
    # Parallel offers by the same member queue here, so the month's spend
    # they each see includes the others.
    membership = Membership.objects.select_for_update(of=("self",), no_key=True).get(
        inbox_id=case.ticket.inbox_id, user_id=actor.pk
    )
    now = timezone.now()
    spend = selectors.month_spend(membership=membership, currency=currency, now=now)
    within, why = authority_decision(
        membership=membership, amount=amount, currency=currency, month_spend=spend
    )
    offer = Offer.objects.create(
        case=case,
        inbox_id=case.ticket.inbox_id,
        kind=kind,
        amount=amount,
        requested_amount=amount,
        currency=currency,
        description=(description or "").strip(),
        status=Offer.Status.APPROVED if within else Offer.Status.PENDING,
        is_within_authority=within,
        created_by=actor,
        created_at=now,
        decided_by=actor if within else None,
        decided_at=now if within else None,
        approval_reason="" if within else why,
        # Within authority there is nobody to tell.
        managers_notified_at=now if within else None,
        maker_notified_at=now if within else None,
    )
    made = system_note("offer_made", kind=offer.kind, amount=(amount, currency))
    _event(case, kind=CaseEvent.Kind.OFFER_MADE, actor=actor, note=made, offer=offer)
    if within:
        _event(
            case,
            kind=CaseEvent.Kind.OFFER_APPROVED,
            actor=actor,
            note=system_note("offer_within_authority"),
            offer=offer,
        )
    else:
        _enqueue("offer_notify_managers_task", offer_id=offer.pk)
    return offer


def _lock_offer(offer: Offer) -> Offer:
    return (
        Offer.objects.select_for_update(of=("self",), no_key=True)
        .select_related("case__ticket", "created_by", "decided_by", "choice_request")
        .get(pk=offer.pk)
    )


def _require_not_put_to_customer(offer: Offer) -> None:
    """An incentive in options that are prepared or sent is answered by the
    customer's choice, not by hand."""
    request = getattr(offer, "choice_request", None)
    if request is not None and request.status in (
        ChoiceRequest.Status.DRAFT,
        ChoiceRequest.Status.SENT,
    ):
        raise DomainError(
            _(
                "This offer is part of the options for the customer; their "
                "choice answers it (or withdraw the options)."
            )
        )


def _require_decider(offer: Offer, actor: User) -> None:
    """The actor manages the offer's inbox and did not make the offer."""
    if not selectors.is_manager_of(user=actor, inbox_id=offer.inbox_id):
        raise NotAManager(_("Only a manager of this inbox can decide offers."))
    if offer.created_by_id == actor.pk:
        raise NotAManager(_("Another manager has to decide your own offer."))


def _require_pending(offer: Offer) -> None:
    if offer.status != Offer.Status.PENDING:
        who = offer.decided_by.get_full_name() if offer.decided_by else ""
        raise ConcurrentUpdate(
            _("This offer was already decided: %(status)s%(by)s.")
            % {
                "status": offer.get_status_display().lower(),
                "by": (_(" by %(who)s") % {"who": who}) if who else "",
            }
        )


@transaction.atomic
def offer_approve(
    *,
    offer: Offer,
    actor: User,
    amount: Decimal | str | int | None = None,
    note: str = "",
) -> Offer:
    """A manager approves a pending offer, optionally for another amount;
    exactly one decision is ever recorded."""
    new_amount = None if amount in (None, "") else clean_amount(amount)
    offer = _lock_offer(offer)
    _require_decider(offer, actor)
    _require_pending(offer)
    if offer.case.status not in RecoveryCase.OFFER_STATUSES:
        raise DomainError(
            _("The case has moved on; this offer can no longer be approved.")
        )
    event_note = note_fields((note or "").strip())
    if new_amount is not None and new_amount != offer.amount:
        event_note = system_note(
            "offer_amount_changed",
            text=event_note["note"],
            old=(offer.amount, offer.currency),
            new=(new_amount, offer.currency),
        )
        offer.amount = new_amount
    offer.status = Offer.Status.APPROVED
    offer.decided_by, offer.decided_at = actor, timezone.now()
    offer.decision_note = event_note["note"]
    offer.decision_code = event_note["note_code"]
    offer.decision_params = event_note["note_params"]
    offer.save(
        update_fields=[
            "amount",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
            "decision_code",
            "decision_params",
        ]
    )
    _event(
        offer.case,
        kind=CaseEvent.Kind.OFFER_APPROVED,
        actor=actor,
        note=event_note,
        offer=offer,
    )
    _enqueue("offer_notify_maker_task", offer_id=offer.pk)
    return offer


@transaction.atomic
def offer_reject(*, offer: Offer, actor: User, reason: str) -> Offer:
    """A manager rejects a pending offer, with the reason the agent will see."""
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(_("Give the reason for rejecting the offer."))
    offer = _lock_offer(offer)
    _require_decider(offer, actor)
    _require_pending(offer)
    offer.status = Offer.Status.REJECTED
    offer.decided_by, offer.decided_at = actor, timezone.now()
    offer.decision_note = reason
    offer.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    _event(
        offer.case,
        kind=CaseEvent.Kind.OFFER_REJECTED,
        actor=actor,
        note=reason,
        offer=offer,
    )
    _enqueue("offer_notify_maker_task", offer_id=offer.pk)
    return offer


@transaction.atomic
def offer_withdraw(*, offer: Offer, actor: User, note: str = "") -> Offer:
    """Withdraw an offer that is pending, or approved but not yet answered."""
    offer = _lock_offer(offer)
    _require_member(offer.case, actor)
    _require_not_put_to_customer(offer)
    if offer.status == Offer.Status.APPROVED and offer.customer_answer:
        raise DomainError(_("The customer has already answered this offer."))
    if offer.status not in (Offer.Status.PENDING, Offer.Status.APPROVED):
        raise DomainError(_("Only pending or approved offers can be withdrawn."))
    offer.status = Offer.Status.WITHDRAWN
    offer.save(update_fields=["status"])
    _event(
        offer.case,
        kind=CaseEvent.Kind.OFFER_WITHDRAWN,
        actor=actor,
        note=(note or "").strip(),
        offer=offer,
    )
    return offer


@transaction.atomic
def offer_answer(
    *, offer: Offer, actor: User | None, answer: str, note: str = ""
) -> Offer:
    """Record whether the customer accepted or declined an approved offer."""
    if answer not in Offer.Answer.values:
        raise DomainError(_("The answer is accepted or declined."))
    offer = _lock_offer(offer)
    if actor is not None:
        _require_member(offer.case, actor)
    _require_not_put_to_customer(offer)
    if offer.status != Offer.Status.APPROVED:
        raise DomainError(_("Only an approved offer can be put to the customer."))
    if offer.customer_answer:
        raise DomainError(_("The customer's answer is already recorded."))
    if offer.case.status not in RecoveryCase.OFFER_STATUSES:
        raise DomainError(_("The case has moved on; its offers are settled."))
    offer.customer_answer, offer.answered_at = answer, timezone.now()
    offer.save(update_fields=["customer_answer", "answered_at"])
    _event(
        offer.case,
        kind=CaseEvent.Kind.OFFER_ANSWERED,
        actor=actor,
        note=system_note("offer_answer", text=(note or "").strip(), answer=answer),
        offer=offer,
    )
    return offer


# --- notifications -----------------------------------------------------------


def offer_notify_managers(*, offer_id: int) -> int:
    """Email the inbox's managers (not the maker) about a pending offer, once;
    returns the number of emails sent."""
    if not claim_notification(
        Offer, offer_id, "managers_notified_at", status=Offer.Status.PENDING
    ):
        return 0
    offer = Offer.objects.select_related("case__ticket", "created_by", "inbox").get(
        pk=offer_id
    )
    managers = [
        m.user
        for m in Membership.objects.filter(
            inbox_id=offer.inbox_id, role=Membership.Role.MANAGER, user__is_active=True
        )
        .exclude(user_id=offer.created_by_id)
        .select_related("user__agent_profile")
    ]
    context = {
        "offer": offer,
        "case": offer.case,
        "ticket": offer.case.ticket,
        "url": settings.SITE_URL + reverse("recovery:approvals"),
    }
    try:
        return send_to_staff(managers, "recovery/email/approval_request.txt", context)
    except Exception:
        # Let a retry send it: release the claim.
        Offer.objects.filter(pk=offer_id).update(managers_notified_at=None)
        raise


def offer_notify_maker(*, offer_id: int) -> int:
    """Email the maker of an offer the manager's decision, once."""
    if not claim_notification(Offer, offer_id, "maker_notified_at"):
        return 0
    offer = Offer.objects.select_related(
        "case__ticket", "created_by__agent_profile", "decided_by"
    ).get(pk=offer_id)
    if offer.created_by is None or offer.status == Offer.Status.PENDING:
        return 0
    context = {
        "offer": offer,
        "case": offer.case,
        "ticket": offer.case.ticket,
        "url": settings.SITE_URL + offer.case.get_absolute_url(),
    }
    try:
        return send_to_staff(
            [offer.created_by], "recovery/email/offer_decided.txt", context
        )
    except Exception:
        Offer.objects.filter(pk=offer_id).update(maker_notified_at=None)
        raise
