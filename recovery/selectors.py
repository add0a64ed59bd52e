"""Reads of recovery cases, scoped like tickets: a user sees a case when they
are a member of its ticket's inbox; managers' pages need the manager role in
the inbox."""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import (
    Case,
    Prefetch,
    QuerySet,
    Sum,
    When,
    prefetch_related_objects,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from recovery import links
from recovery.models import (
    CaseEvent,
    ChoiceRequest,
    FailureType,
    Offer,
    RecoveryCase,
    Severity,
)
from recovery.outlook import Outlook, recovery_outlook
from tickets.models import Inbox, Membership, Ticket

User = AbstractBaseUser
Status = RecoveryCase.Status


# --- memberships and roles ---------------------------------------------------


def _member_inbox_ids(user: User) -> QuerySet:
    return Membership.objects.filter(user_id=user.pk).values("inbox_id")


def _managed_inbox_ids(user: User) -> QuerySet:
    return Membership.objects.filter(
        user_id=user.pk, role=Membership.Role.MANAGER
    ).values("inbox_id")


def is_manager_of(*, user: User, inbox_id: int) -> bool:
    """Whether the user has the manager role in the inbox."""
    return Membership.objects.filter(
        user_id=user.pk, inbox_id=inbox_id, role=Membership.Role.MANAGER
    ).exists()


def is_manager(*, user: User) -> bool:
    """Whether the user manages at least one inbox."""
    return user.is_authenticated and _managed_inbox_ids(user).exists()


def require_manager(*, user: User) -> None:
    """PermissionDenied (403) unless the user manages some inbox."""
    if not is_manager(user=user):
        raise PermissionDenied("Managers only.")


def managed_inboxes(*, user: User) -> QuerySet[Inbox]:
    """Inboxes where the user is a manager, by name."""
    return Inbox.objects.filter(pk__in=_managed_inbox_ids(user)).order_by("name")


# --- cases -------------------------------------------------------------------


def case_visible_to(*, user: User) -> QuerySet[RecoveryCase]:
    """Every case the user may see."""
    if not user.is_authenticated:
        return RecoveryCase.objects.none()
    return RecoveryCase.objects.filter(ticket__inbox_id__in=_member_inbox_ids(user))


_PEOPLE = ("owner", "opened_by", "post_mortem")


def _details() -> tuple:
    return (
        Prefetch(
            "offers",
            queryset=Offer.objects.select_related(
                "created_by", "decided_by", "choice_request"
            ).order_by("created_at", "id"),
        ),
        Prefetch(
            "choice_requests",
            queryset=ChoiceRequest.objects.select_related(
                "incentive_offer", "recorded_by"
            ).order_by("prepared_at", "id"),
        ),
        "promise_checks__checked_by",
    )


def _with_details(qs: QuerySet[RecoveryCase]) -> QuerySet[RecoveryCase]:
    return qs.select_related(
        "ticket__inbox", "ticket__customer", *_PEOPLE
    ).prefetch_related(*_details())


def case_get_for_user(*, user: User, case_id: int) -> RecoveryCase:
    """The case with its offers, choices and checks if the user may see it,
    else 404."""
    case = _with_details(case_visible_to(user=user)).filter(pk=case_id).first()
    if case is None:
        raise Http404("No such recovery case.")
    return case


def case_for_ticket(*, ticket: Ticket) -> RecoveryCase | None:
    """The ticket's open case, else its latest closed one (the caller has
    checked that the user may see the ticket). Most tickets have none, so a
    narrow lookup comes first; a found case reuses the caller's ticket."""
    still_open = Case(When(status=Status.CLOSED, then=1), default=0)
    case_id = (
        RecoveryCase.objects.filter(ticket=ticket)
        .order_by(still_open, "-opened_at", "-id")
        .values_list("pk", flat=True)
        .first()
    )
    if case_id is None:
        return None
    case = RecoveryCase.objects.select_related(*_PEOPLE).get(pk=case_id)
    case.ticket = ticket
    prefetch_related_objects([case], *_details())
    return case


def case_event_list(*, case: RecoveryCase) -> QuerySet[CaseEvent]:
    """The audit trail of a case, oldest first."""
    return case.events.select_related("actor", "offer").order_by("created_at", "id")


def case_outlook(case: RecoveryCase) -> Outlook:
    """The recovery outlook of a case from the facts recorded at opening."""
    return recovery_outlook(
        prior_failures=case.prior_failure_count,
        severity=case.severity,
        is_preventable=case.is_preventable,
        is_foreseeable=case.is_foreseeable,
    )


@dataclass(frozen=True)
class CaseFilters:
    inbox: str | None = None  # slug
    agent: int | None = None  # owner's user id
    failure_type: str | None = None
    severity: str | None = None
    status: str | None = None  # a status, or "open"
    opened_from: date | None = None
    opened_to: date | None = None

    @classmethod
    def from_params(cls, params: Any) -> "CaseFilters":
        def choice(name: str, values: list[str]) -> str | None:
            value = params.get(name) or None
            return value if value in values else None

        def day(name: str) -> date | None:
            try:
                return date.fromisoformat(params.get(name) or "")
            except ValueError:
                return None

        agent = str(params.get("agent") or "")
        return cls(
            inbox=params.get("inbox") or None,
            agent=int(agent) if agent.isdigit() else None,
            failure_type=choice("failure_type", FailureType.values),
            severity=choice("severity", Severity.values),
            status=choice("status", [*Status.values, "open"]),
            opened_from=day("opened_from"),
            opened_to=day("opened_to"),
        )


def _filtered(qs: QuerySet[RecoveryCase], f: CaseFilters) -> QuerySet[RecoveryCase]:
    if f.inbox:
        qs = qs.filter(ticket__inbox__slug=f.inbox)
    if f.agent:
        qs = qs.filter(owner_id=f.agent)
    if f.failure_type:
        qs = qs.filter(failure_type=f.failure_type)
    if f.severity:
        qs = qs.filter(severity=f.severity)
    if f.status == "open":
        qs = qs.exclude(status=Status.CLOSED)
    elif f.status:
        qs = qs.filter(status=f.status)
    if f.opened_from:
        qs = qs.filter(opened_at__date__gte=f.opened_from)
    if f.opened_to:
        qs = qs.filter(opened_at__date__lte=f.opened_to)
    return qs


def case_list_for_user(
    *, user: User, filters: CaseFilters | None = None
) -> QuerySet[RecoveryCase]:
    """Cases the user may see, filtered, newest first."""
    qs = _filtered(case_visible_to(user=user), filters or CaseFilters())
    return qs.select_related("ticket__inbox", "ticket__customer", "owner").order_by(
        "-opened_at", "-id"
    )


def case_log_for_manager(
    *, user: User, filters: CaseFilters | None = None
) -> QuerySet[RecoveryCase]:
    """The recovery log: cases of the inboxes the user manages, with offers,
    newest first. Call require_manager first."""
    qs = RecoveryCase.objects.filter(ticket__inbox_id__in=_managed_inbox_ids(user))
    qs = _filtered(qs, filters or CaseFilters())
    return (
        qs.select_related("ticket__inbox", "ticket__customer", "owner", "post_mortem")
        .prefetch_related(
            Prefetch(
                "offers",
                queryset=Offer.objects.select_related("decided_by").order_by(
                    "created_at", "id"
                ),
            )
        )
        .order_by("-opened_at", "-id")
    )


def members_of_managed_inboxes(*, user: User) -> list:
    """Members of the inboxes the user manages, by name (the logs' filters by
    agent or owner)."""
    memberships = (
        Membership.objects.filter(inbox_id__in=_managed_inbox_ids(user))
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    return list({m.user_id: m.user for m in memberships}.values())


@dataclass(frozen=True)
class StepTiming:
    step: str
    label: str
    reached_at: datetime | None
    duration: timedelta | None = field(default=None)


def case_timings(case: RecoveryCase) -> list[StepTiming]:
    """When each step was first reached and how long it took from the one
    before (no queries: the timestamps are on the case)."""
    stamps = [
        (Status.ACKNOWLEDGED, case.acknowledged_at),
        (Status.UNDERSTOOD, case.understood_at),
        (Status.RESOLVED, case.resolved_at),
        (Status.FOLLOWED_UP, case.followed_up_at),
        (Status.DOCUMENTED, case.documented_at),
        (Status.CLOSED, case.closed_at),
    ]
    timings = [StepTiming(Status.OPENED, Status.OPENED.label, case.opened_at)]
    previous = case.opened_at
    for step, at in stamps:
        duration = at - previous if at and previous else None
        timings.append(StepTiming(step, step.label, at, duration))
        previous = at or previous
    return timings


# --- offers and authority ----------------------------------------------------


def month_window(*, inbox: Inbox, now: datetime) -> tuple[datetime, datetime]:
    """Start and end of the calendar month containing `now`, in the inbox's
    time zone."""
    zone = ZoneInfo(inbox.time_zone)
    local = timezone.localtime(now, zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = calendar.monthrange(local.year, local.month)[1]
    end = (start + timedelta(days=days)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    return start, end


def month_spend(*, membership: Membership, currency: str, now: datetime) -> Decimal:
    """What the member granted within their own authority this month in the
    inbox, in one currency. Exact only while the caller holds the
    membership's row lock."""
    start, end = month_window(inbox=membership.inbox, now=now)
    total = Offer.objects.filter(
        created_by_id=membership.user_id,
        inbox_id=membership.inbox_id,
        currency=currency,
        status=Offer.Status.APPROVED,
        is_within_authority=True,
        decided_at__gte=start,
        decided_at__lt=end,
    ).aggregate(total=Sum("amount"))["total"]
    return total or Decimal("0.00")


@dataclass(frozen=True)
class Authority:
    membership: Membership
    spent: Decimal
    left: Decimal


def authority_for(*, user: User, inbox_id: int) -> Authority | None:
    """The user's limits in the inbox and what is left this month."""
    membership = (
        Membership.objects.filter(user_id=user.pk, inbox_id=inbox_id)
        .select_related("inbox")
        .first()
    )
    if membership is None:
        return None
    spent = month_spend(
        membership=membership, currency=membership.currency, now=timezone.now()
    )
    left = max(membership.per_month_limit_amount - spent, Decimal("0.00"))
    return Authority(membership=membership, spent=spent, left=left)


def approval_queue_for_user(*, user: User) -> QuerySet[Offer]:
    """Offers waiting for approval in the inboxes the user manages, oldest
    first; the user's own offers are left out (another manager decides)."""
    return (
        Offer.objects.filter(
            status=Offer.Status.PENDING, inbox_id__in=_managed_inbox_ids(user)
        )
        .exclude(created_by_id=user.pk)
        .select_related(
            "case__ticket__customer", "case__ticket__inbox", "created_by", "inbox"
        )
        .order_by("created_at", "id")
    )


def offer_get_for_user(*, user: User, offer_id: int) -> Offer:
    """The offer if the user may see its case, else 404."""
    offer = (
        Offer.objects.filter(
            pk=offer_id, case__ticket__inbox_id__in=_member_inbox_ids(user)
        )
        .select_related("case__ticket__inbox", "created_by", "decided_by")
        .first()
    )
    if offer is None:
        raise Http404("No such offer.")
    return offer


def offer_get_for_manager(*, user: User, offer_id: int) -> Offer:
    """The offer for a decision: 404 if the user cannot see it, 403 unless they
    manage its inbox."""
    offer = offer_get_for_user(user=user, offer_id=offer_id)
    if not is_manager_of(user=user, inbox_id=offer.inbox_id):
        raise PermissionDenied("Managers of this inbox only.")
    return offer


def offer_list_for_case(*, case: RecoveryCase) -> QuerySet[Offer]:
    return case.offers.select_related("created_by", "decided_by").order_by(
        "created_at", "id"
    )


# --- notifications -----------------------------------------------------------


@dataclass(frozen=True)
class NotificationBacklog:
    offers_for_managers: list[int]
    offers_for_makers: list[int]
    choices_for_owners: list[int]


def notification_backlog(*, older_than: timedelta, limit: int) -> NotificationBacklog:
    """Emails that should have gone out a while ago (their task was lost)."""
    before = timezone.now() - older_than
    pending = Offer.objects.filter(
        status=Offer.Status.PENDING,
        managers_notified_at__isnull=True,
        created_at__lt=before,
    )
    decided = Offer.objects.filter(
        status__in=[Offer.Status.APPROVED, Offer.Status.REJECTED],
        maker_notified_at__isnull=True,
        decided_at__lt=before,
    )
    chosen = ChoiceRequest.objects.filter(
        status=ChoiceRequest.Status.CHOSEN,
        owner_notified_at__isnull=True,
        chosen_at__lt=before,
    )
    return NotificationBacklog(
        offers_for_managers=list(pending.values_list("pk", flat=True)[:limit]),
        offers_for_makers=list(decided.values_list("pk", flat=True)[:limit]),
        choices_for_owners=list(chosen.values_list("pk", flat=True)[:limit]),
    )


# --- customer choices --------------------------------------------------------


def choice_request_from_token(token: str) -> tuple[ChoiceRequest, str]:
    """The open request a customer link points to and the link's nonce;
    ChoiceLinkInvalid when the link was altered, expired or already used."""
    request_id, nonce = links.read_choice_token(token)
    request = (
        ChoiceRequest.objects.select_related(
            "case__ticket__customer", "case__ticket__inbox", "incentive_offer"
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None:
        raise links.ChoiceLinkInvalid(
            _("This link is not valid. Please use the link from our email."),
            reason="tampered",
        )
    if request.status == ChoiceRequest.Status.CHOSEN:
        raise links.ChoiceLinkInvalid(
            _("Thank you: your choice is already recorded (%(option)s).")
            % {"option": ChoiceRequest.Option(request.chosen_option).label},
            reason="used",
        )
    if request.status != ChoiceRequest.Status.SENT or request.nonce != nonce:
        raise links.ChoiceLinkInvalid(
            _("These options are no longer open. Please reply to our email."),
            reason="used",
        )
    return request, nonce
