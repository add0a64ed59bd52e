"""Reads, scoped to the inboxes the user is a member of (the tickets rule):
promises and follow-ups of tickets the user may see, the user's own
notifications, and the follow-up behind a customer's survey link."""

from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from followups import mail
from followups.models import (
    FollowUp,
    FollowUpEvent,
    Notification,
    Promise,
    PromiseEvent,
    SatisfactionAnswer,
)
from tickets.models import Membership, Message, Ticket

User = AbstractBaseUser
# Counts in the navigation stop here, so they stay cheap.
COUNT_CAP = 99


def _visible_inbox_ids(user: User) -> QuerySet:
    return Membership.objects.filter(user=user).values("inbox_id")


def _promise_events() -> Prefetch:
    return Prefetch(
        "events",
        queryset=PromiseEvent.objects.select_related("actor").order_by(
            "created_at", "id"
        ),
    )


# --- promises ----------------------------------------------------------------


def promise_list_for_user(
    *,
    user: User,
    ticket: Ticket | None = None,
    state: str | None = None,
    kind: str | None = None,
) -> QuerySet[Promise]:
    """Promises on tickets the user may see, soonest due first."""
    if not user.is_authenticated:
        return Promise.objects.none()
    qs = Promise.objects.filter(ticket__inbox_id__in=_visible_inbox_ids(user))
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    if state == "active":
        qs = qs.filter(state__in=Promise.ACTIVE_STATES)
    elif state:
        qs = qs.filter(state=state)
    if kind:
        qs = qs.filter(kind=kind)
    return qs.select_related("ticket__inbox", "ticket__customer", "created_by")


def promise_get_for_user(*, user: User, promise_id: int) -> Promise:
    """The promise if the user may see its ticket, else 404."""
    promise = (
        promise_list_for_user(user=user)
        .prefetch_related(_promise_events())
        .filter(pk=promise_id)
        .first()
    )
    if promise is None:
        raise Http404("No such promise.")
    return promise


def promise_list_for_ticket(*, ticket: Ticket) -> list[Promise]:
    """A ticket's promises with their history: running ones first."""
    promises = list(
        ticket.promises.select_related("created_by").prefetch_related(_promise_events())
    )
    promises.sort(key=lambda p: (not p.is_active, p.due_at))
    return promises


def promise_overdue_for_user(*, user: User) -> QuerySet[Promise]:
    """Broken promises that still need doing, on active tickets, latest first.
    A broken "you will hear from me" promise is done once the customer got
    a reply after all."""
    replied_later = Message.objects.filter(
        ticket=OuterRef("ticket"),
        kind=Message.Kind.REPLY,
        created_at__gt=OuterRef("due_at"),
    )
    return (
        promise_list_for_user(user=user, state=Promise.State.BROKEN)
        .filter(ticket__status__in=Ticket.ACTIVE_STATUSES)
        .exclude(Q(kind__in=Promise.KEPT_BY_REPLY) & Exists(replied_later))
        .select_related("ticket__assignee")
        .order_by("-broken_at", "-id")
    )


# --- follow-ups --------------------------------------------------------------


def followup_list_for_user(
    *,
    user: User,
    ticket: Ticket | None = None,
    state: str | None = None,
    mine: bool = False,
    due_only: bool = False,
) -> QuerySet[FollowUp]:
    """Follow-ups on tickets the user may see, soonest due first. `due_only`
    keeps those due now or overdue (due, or scheduled and past due)."""
    if not user.is_authenticated:
        return FollowUp.objects.none()
    qs = FollowUp.objects.filter(ticket__inbox_id__in=_visible_inbox_ids(user))
    if ticket is not None:
        qs = qs.filter(ticket=ticket)
    if state == "active":
        qs = qs.filter(state__in=FollowUp.ACTIVE_STATES)
    elif state:
        qs = qs.filter(state=state)
    if mine:
        qs = qs.filter(owner=user)
    if due_only:
        qs = qs.filter(
            Q(state=FollowUp.State.DUE)
            | Q(state=FollowUp.State.SCHEDULED, due_at__lte=timezone.now())
        )
    return qs.select_related(
        "ticket__inbox", "ticket__customer", "owner", "satisfaction_answer"
    ).order_by("due_at", "id")


def followup_get_for_user(*, user: User, followup_id: int) -> FollowUp:
    """The follow-up if the user may see its ticket, else 404."""
    followup = (
        followup_list_for_user(user=user)
        .prefetch_related(
            Prefetch("events", queryset=FollowUpEvent.objects.select_related("actor"))
        )
        .filter(pk=followup_id)
        .first()
    )
    if followup is None:
        raise Http404("No such follow-up.")
    return followup


def followup_list_for_ticket(*, ticket: Ticket) -> list[FollowUp]:
    """A ticket's follow-ups: running ones first, soonest due first."""
    followups = list(
        ticket.followups.select_related("owner", "satisfaction_answer").order_by(
            "due_at", "id"
        )
    )
    followups.sort(key=lambda f: not f.is_active)
    return followups


def followup_due_for_owner(*, user: User) -> QuerySet[FollowUp]:
    """The user's follow-ups that are due or overdue."""
    return followup_list_for_user(user=user, mine=True, due_only=True).exclude(
        state__in=(FollowUp.State.DONE, FollowUp.State.CANCELLED)
    )


def followup_upcoming_for_owner(*, user: User, days: int = 7) -> QuerySet[FollowUp]:
    """The user's scheduled follow-ups of the coming days."""
    now = timezone.now()
    return followup_list_for_user(
        user=user, mine=True, state=FollowUp.State.SCHEDULED
    ).filter(due_at__gt=now, due_at__lte=now + timedelta(days=days))


# --- notifications -----------------------------------------------------------


def notification_list_for_user(
    *, user: User, unread_only: bool = False
) -> QuerySet[Notification]:
    """The user's own notifications, newest first."""
    qs = Notification.objects.filter(recipient=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs.select_related(
        "ticket", "promise", "followup__satisfaction_answer"
    ).order_by("-created_at", "-id")


def notification_unread_count(*, user: User) -> int:
    """Unread notifications of the user (capped)."""
    if not user.is_authenticated:
        return 0
    return (
        Notification.objects.filter(recipient=user, read_at__isnull=True)
        .values("pk")[: COUNT_CAP + 1]
        .count()
    )


# --- customer links ----------------------------------------------------------


def followup_get_by_survey_token(token: str) -> FollowUp:
    """The satisfaction check behind a customer's link; SurveyLinkInvalid if
    the link was altered, expired, or voided (the check was cancelled)."""
    followup_id, nonce = mail.read_survey_token(token)
    followup = (
        FollowUp.objects.select_related("ticket__inbox", "ticket__customer")
        .filter(
            pk=followup_id,
            link_nonce=nonce,
            kind=FollowUp.Kind.SATISFACTION_CHECK,
        )
        .exclude(state=FollowUp.State.CANCELLED)
        .first()
    )
    if followup is None:
        raise mail.SurveyLinkInvalid(
            _("This link is no longer valid. Simply reply to our email instead."),
            reason="void",
        )
    return followup


def satisfaction_answer_for(followup: FollowUp) -> SatisfactionAnswer | None:
    return SatisfactionAnswer.objects.filter(followup=followup).first()
