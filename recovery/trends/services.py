"""Writes of the trends feature: change events (managers of the inbox only)
and the one reminder per overdue prevention action."""

import logging
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from followups.models import Promise
from helpdesk.exceptions import DomainError
from recovery.models import PostMortem, RecoveryCase
from recovery.trends.models import CaseFact, ChangeEvent, PreventionReminder
from recovery.trends.selectors import zone_of
from tickets.models import Component, Inbox, Membership, Ticket

logger = logging.getLogger(__name__)

User = AbstractBaseUser

# Prevention actions whose due date passed longer ago than this are history,
# not reminders (e.g. when the feature is switched on for an old inbox).
REMIND_WITHIN = timedelta(days=14)
REMIND_BATCH = 200


def _require_manager(user: User, inbox: Inbox) -> None:
    if not Membership.objects.filter(
        user_id=user.pk, inbox_id=inbox.pk, role=Membership.Role.MANAGER
    ).exists():
        raise PermissionDenied(_("Managers of this inbox only."))


def _clean(
    *, kind: str, title: str, happened_at: datetime, component: Component | None
) -> str:
    if kind not in ChangeEvent.Kind.values:
        raise DomainError(_("Unknown kind of change “%(kind)s”.") % {"kind": kind})
    title = (title or "").strip()
    if not title:
        raise DomainError(_("Give the change a title."))
    if timezone.is_naive(happened_at):
        raise DomainError(_("The time of the change needs a time zone."))
    if happened_at > timezone.now() + timedelta(days=366):
        raise DomainError(_("The change is too far in the future."))
    return title[:200]


@transaction.atomic
def change_event_create(
    *,
    actor: User,
    inbox: Inbox,
    kind: str,
    title: str,
    happened_at: datetime,
    component: Component | None = None,
    notes: str = "",
) -> ChangeEvent:
    """Record a change in an inbox the actor manages."""
    _require_manager(actor, inbox)
    title = _clean(kind=kind, title=title, happened_at=happened_at, component=component)
    return ChangeEvent.objects.create(
        inbox=inbox,
        kind=kind,
        component=component,
        title=title,
        happened_at=happened_at,
        notes=(notes or "").strip(),
        created_by=actor,
    )


@transaction.atomic
def change_event_update(
    *,
    actor: User,
    change: ChangeEvent,
    inbox: Inbox | None = None,
    kind: str | None = None,
    title: str | None = None,
    happened_at: datetime | None = None,
    component: Component | bool | None = False,
    notes: str | None = None,
) -> ChangeEvent:
    """Change what was recorded; the actor manages the old and new inbox.
    `component=None` clears it, `False` leaves it."""
    change = ChangeEvent.objects.select_for_update(of=("self",)).get(pk=change.pk)
    _require_manager(actor, change.inbox)
    if inbox is not None and inbox.pk != change.inbox_id:
        _require_manager(actor, inbox)
        change.inbox = inbox
    if component is not False:
        change.component = component
    change.kind = kind if kind is not None else change.kind
    change.happened_at = happened_at or change.happened_at
    change.title = _clean(
        kind=change.kind,
        title=title if title is not None else change.title,
        happened_at=change.happened_at,
        component=change.component,
    )
    if notes is not None:
        change.notes = notes.strip()
    change.save()
    return change


@transaction.atomic
def change_event_delete(*, actor: User, change: ChangeEvent) -> None:
    """Remove a change recorded by mistake."""
    _require_manager(actor, change.inbox)
    ChangeEvent.objects.filter(pk=change.pk).delete()


# --- overdue prevention actions ----------------------------------------------


def _local_today(inbox: Inbox, now: datetime) -> date:
    return timezone.localtime(now, ZoneInfo(zone_of(inbox))).date()


def prevention_remind_overdue(
    *, now: datetime | None = None, limit: int = REMIND_BATCH
) -> int:
    """Remind the owner of each prevention action whose due date passed (in
    the inbox's time zone) through a follow-up due now; once per post-mortem
    and due date, however often this runs. Returns how many were reminded."""
    now = now or timezone.now()
    # A day of slack either way covers every time zone; exact below.
    candidates = (
        PostMortem.objects.filter(
            prevention_due_date__lt=timezone.localdate(now) + timedelta(days=1),
            prevention_due_date__gte=(now - REMIND_WITHIN - timedelta(days=1)).date(),
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
    profile = getattr(owner, "agent_profile", None)
    language = (profile.language if profile else "") or None
    with translation.override(language):
        note = _("Prevention action overdue since %(date)s: %(action)s") % {
            "date": post_mortem.prevention_due_date.isoformat(),
            "action": post_mortem.prevention_action,
        }
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


# --- case facts --------------------------------------------------------------

# Changes older than this are picked up by the nightly full refresh; the
# minute-by-minute refresh looks back this far, so a few missed runs lose
# nothing.
RECENT_WINDOW = timedelta(minutes=15)

_REFRESH_SQL = """
INSERT INTO {fact} (
    case_id, inbox_id, ticket_id, customer_id, opened_at, arrived_at, agent_id,
    root_cause, component_id, prior, score, hours_to_acknowledge,
    hours_to_resolve, promises_kept, promises_broken, promises_open, refreshed_at
)
SELECT c.id, t.inbox_id, t.id, t.customer_id, c.opened_at, t.created_at,
       COALESCE(t.assignee_id, c.owner_id), COALESCE(pm.root_cause, ''),
       COALESCE(pm.component_id, t.component_id),
       LEAST(c.prior_failure_count, 2), c.satisfaction_score,
       EXTRACT(EPOCH FROM c.acknowledged_at - t.created_at) / 3600.0,
       EXTRACT(EPOCH FROM c.resolved_at - t.created_at) / 3600.0,
       pr.kept, pr.broken, pr.open,
       %(now)s
FROM {case} c
JOIN {ticket} t ON t.id = c.ticket_id
LEFT JOIN {post_mortem} pm ON pm.case_id = c.id
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE p.state = 'kept') AS kept,
           count(*) FILTER (WHERE p.state = 'broken') AS broken,
           count(*) FILTER (WHERE p.state IN ('open', 'at_risk', 'renegotiated'))
               AS open
    FROM {promise} p WHERE p.ticket_id = c.ticket_id
) pr
{where}
ORDER BY c.id
ON CONFLICT (case_id) DO UPDATE SET
    inbox_id = EXCLUDED.inbox_id,
    ticket_id = EXCLUDED.ticket_id,
    customer_id = EXCLUDED.customer_id,
    opened_at = EXCLUDED.opened_at,
    arrived_at = EXCLUDED.arrived_at,
    agent_id = EXCLUDED.agent_id,
    root_cause = EXCLUDED.root_cause,
    component_id = EXCLUDED.component_id,
    prior = EXCLUDED.prior,
    score = EXCLUDED.score,
    hours_to_acknowledge = EXCLUDED.hours_to_acknowledge,
    hours_to_resolve = EXCLUDED.hours_to_resolve,
    promises_kept = EXCLUDED.promises_kept,
    promises_broken = EXCLUDED.promises_broken,
    promises_open = EXCLUDED.promises_open,
    refreshed_at = EXCLUDED.refreshed_at
"""

# Cases that may have changed since: opened or moved (a step, a satisfaction
# answer), given a post-mortem, whose ticket changed (assignee, component,
# inbox: every ticket change moves its updated_at) or one of whose ticket's
# promises changed state.
_RECENT = """
WHERE c.id IN (
    SELECT c2.id FROM {case} c2
    WHERE c2.opened_at >= %(since)s OR c2.status_changed_at >= %(since)s
    UNION
    SELECT p2.case_id FROM {post_mortem} p2 WHERE p2.created_at >= %(since)s
    UNION
    SELECT c3.id FROM {case} c3
    JOIN {ticket} t3 ON t3.id = c3.ticket_id
    WHERE t3.updated_at >= %(since)s
    UNION
    SELECT c4.id FROM {case} c4
    JOIN {promise} p4 ON p4.ticket_id = c4.ticket_id
    WHERE p4.state_changed_at >= %(since)s
)
"""


def case_facts_refresh(*, since: datetime | None = None) -> int:
    """Rewrite the trend facts of the cases changed since `since` (all cases
    when None); idempotent, safe to run in parallel. Returns the rows written."""
    tables = {
        "fact": CaseFact._meta.db_table,
        "case": RecoveryCase._meta.db_table,
        "ticket": Ticket._meta.db_table,
        "post_mortem": PostMortem._meta.db_table,
        "promise": Promise._meta.db_table,
    }
    where = _RECENT.format(**tables) if since is not None else ""
    sql = _REFRESH_SQL.format(where=where, **tables)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true)")
        cursor.execute(sql, {"since": since, "now": timezone.now()})
        return cursor.rowcount


def case_facts_refresh_recent(*, now: datetime | None = None) -> int:
    """The minute-by-minute refresh: cases changed in the last quarter hour."""
    return case_facts_refresh(since=(now or timezone.now()) - RECENT_WINDOW)
