"""The one reminder per overdue prevention action: a follow-up for its
owner once the due date has passed in the inbox's time zone."""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from helpdesk.exceptions import DomainError
from helpdesk.notes import system_note
from recovery.models import PostMortem, RecoveryCase
from recovery.trends.models import PreventionReminder
from recovery.trends.selectors import zone_of
from tickets.models import Inbox

logger = logging.getLogger(__name__)

# Prevention actions whose due date passed longer ago than this are history,
# not reminders (e.g. when the feature is switched on for an old inbox).
REMIND_WITHIN = timedelta(days=14)
REMIND_BATCH = 200


def _local_today(inbox: Inbox, now: datetime) -> date:
    return timezone.localtime(now, ZoneInfo(zone_of(inbox))).date()


def prevention_remind_overdue(
    *, now: datetime | None = None, limit: int = REMIND_BATCH
) -> int:
    """Remind the owner of each prevention action whose due date passed (in
    the inbox's time zone) and that is not done, through a follow-up due now;
    once per post-mortem and due date, however often this runs. Returns how
    many were reminded."""
    now = now or timezone.now()
    # A day of slack either way covers every time zone; exact below.
    candidates = (
        PostMortem.objects.filter(
            prevention_due_date__lt=timezone.localdate(now) + timedelta(days=1),
            prevention_due_date__gte=(now - REMIND_WITHIN - timedelta(days=1)).date(),
            prevention_done_at__isnull=True,
        )
        .filter(
            ~Exists(
                PreventionReminder.objects.filter(
                    post_mortem=OuterRef("pk"),
                    due_date=OuterRef("prevention_due_date"),
                )
            )
        )
        .select_related("case__ticket__inbox", "prevention_owner__agent_profile")
        .order_by("prevention_due_date", "pk")[:limit]
    )
    reminded = 0
    for post_mortem in candidates:
        today = _local_today(post_mortem.case.ticket.inbox, now)
        if not today - REMIND_WITHIN <= post_mortem.prevention_due_date < today:
            continue
        reminded += _remind(post_mortem, now=now)
    return reminded


def _remind(post_mortem: PostMortem, *, now: datetime) -> int:
    """One reminder, written with its follow-up in one transaction; a second
    worker on the same row hits the unique constraint and writes nothing."""
    from followups import services as followup_services
    from followups.models import FollowUp

    case: RecoveryCase = post_mortem.case
    owner = post_mortem.prevention_owner
    note = system_note(
        "prevention_overdue",
        text=post_mortem.prevention_action,
        date=post_mortem.prevention_due_date,
    )
    try:
        with transaction.atomic():
            reminder = PreventionReminder.objects.create(
                post_mortem=post_mortem, due_date=post_mortem.prevention_due_date
            )
            try:
                followup = followup_services.followup_schedule(
                    ticket=case.ticket,
                    kind=FollowUp.Kind.CUSTOM,
                    due_at=now,
                    actor=None,
                    owner=owner,
                    case_id=case.pk,
                    note=note,
                )
            except DomainError as exc:
                # The owner left the inbox: the ticket's assignee gets it.
                logger.warning("post-mortem %s: %s", post_mortem.pk, exc.message)
                followup = followup_services.followup_schedule(
                    ticket=case.ticket,
                    kind=FollowUp.Kind.CUSTOM,
                    due_at=now,
                    actor=None,
                    case_id=case.pk,
                    note=note,
                )
            reminder.followup_id = followup.pk
            reminder.save(update_fields=["followup_id"])
    except IntegrityError:
        return 0
    return 1
