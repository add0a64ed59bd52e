"""The trend facts: one row per recovery case (`CaseFact`) and tickets
counted per complete hour (`TicketHour`), rewritten every minute for what
changed lately and nightly for everything."""

from datetime import UTC, datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from followups.models import Promise
from recovery.models import PostMortem, RecoveryCase
from recovery.trends.models import CaseFact, TicketHour, TicketHourMark
from recovery.trends.selectors import COMPLAINT_CATEGORIES, zone_of
from tickets.models import Inbox, Ticket

# Changes older than this are picked up by the nightly full refresh; the
# minute-by-minute refresh looks back this far, so a few missed runs lose
# nothing.
RECENT_WINDOW = timedelta(minutes=15)

# The local hour of the week (0: Monday 00:00 to 167: Sunday 23:00) of a
# timestamp without time zone; case facts and ticket hours count it alike.
_HOUR_OF_WEEK = (
    "(extract(isodow FROM {local})::int - 1) * 24 + extract(hour FROM {local})::int"
)

_REFRESH_SQL = """
INSERT INTO {fact} (
    case_id, inbox_id, ticket_id, customer_id, opened_at, arrived_at, agent_id,
    root_cause, component_id, prior, score, hours_to_acknowledge,
    hours_to_resolve, promises_kept, promises_broken, promises_open, zone,
    arrived_how, opened_week, refreshed_at
)
SELECT c.id, t.inbox_id, t.id, t.customer_id, c.opened_at, t.created_at,
       COALESCE(t.assignee_id, c.owner_id), COALESCE(pm.root_cause, ''),
       COALESCE(pm.component_id, t.component_id),
       LEAST(c.prior_failure_count, 2), c.satisfaction_score,
       EXTRACT(EPOCH FROM c.acknowledged_at - t.created_at) / 3600.0,
       EXTRACT(EPOCH FROM c.resolved_at - t.created_at) / 3600.0,
       pr.kept, pr.broken, pr.open,
       COALESCE(z.tz, ''),
       {arrived_how},
       date_trunc('week', c.opened_at AT TIME ZONE z.tz)::date,
       %(now)s
FROM {case} c
JOIN {ticket} t ON t.id = c.ticket_id
LEFT JOIN unnest(%(zone_inboxes)s::bigint[], %(zones)s::text[]) z(inbox_id, tz)
    ON z.inbox_id = t.inbox_id
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
    zone = EXCLUDED.zone,
    arrived_how = EXCLUDED.arrived_how,
    opened_week = EXCLUDED.opened_week,
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
    arrived_how = _HOUR_OF_WEEK.format(local="(t.created_at AT TIME ZONE z.tz)")
    sql = _REFRESH_SQL.format(where=where, arrived_how=arrived_how, **tables)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT set_config('jit', 'off', true)")
        zones = _inbox_zones()
        cursor.execute(
            sql,
            {
                "since": since,
                "now": timezone.now(),
                "zone_inboxes": list(zones),
                "zones": list(zones.values()),
            },
        )
        return cursor.rowcount


def case_facts_refresh_recent(*, now: datetime | None = None) -> int:
    """The minute-by-minute refresh: cases changed in the last quarter hour."""
    return case_facts_refresh(since=(now or timezone.now()) - RECENT_WINDOW)


# --- ticket hours ------------------------------------------------------------

# Refreshes of the ticket hours wait for each other: two at once would both
# delete an hour's rows and both insert them again.
_TICKET_HOURS_LOCK = 7_220_411
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Rewrites the hours of the given ranges ([a, b) on hour boundaries, disjoint
# per inbox). The local hour of the week is counted in the inbox's zone.
# Each range is read by index (the OFFSET 0 keeps the lateral subqueries
# from being merged into one scan of the whole index).
_TICKET_HOURS_SQL = """
WITH r(inbox_id, tz, a, b) AS (
    SELECT * FROM unnest(%(inbox_ids)s::bigint[], %(zones)s::text[],
                         %(froms)s::timestamptz[], %(tos)s::timestamptz[])
),
gone AS (
    DELETE FROM {hour} h
    USING r CROSS JOIN LATERAL (
        SELECT h2.id FROM {hour} h2
        WHERE h2.inbox_id = r.inbox_id AND h2.hour >= r.a AND h2.hour < r.b
        OFFSET 0
    ) old
    WHERE h.id = old.id
)
INSERT INTO {hour} (inbox_id, hour, how, assignee_id, tickets, complaints)
SELECT t.inbox_id, date_trunc('hour', t.created_at, 'UTC'),
       {how},
       t.assignee_id, count(*),
       count(*) FILTER (WHERE t.category = ANY(%(complaints)s))
FROM r CROSS JOIN LATERAL (
    SELECT t.inbox_id, t.created_at, t.assignee_id, t.category,
           t.created_at AT TIME ZONE r.tz AS local
    FROM {ticket} t
    WHERE t.inbox_id = r.inbox_id AND t.created_at >= r.a AND t.created_at < r.b
    OFFSET 0
) t
GROUP BY 1, 2, 3, 4
ORDER BY 1, 2
"""

# Hours with a ticket that changed since (assignee, category, inbox: every
# ticket change moves its updated_at), before the hours already counted.
_CHANGED_HOURS_SQL = """
SELECT DISTINCT date_trunc('hour', t.created_at, 'UTC')
FROM {ticket} t
WHERE t.updated_at >= %(since)s AND t.created_at < %(until)s
"""


def _hour_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def _ranges(
    done: datetime, until: datetime, changed: list[datetime]
) -> list[tuple[datetime, datetime]]:
    """[done, until) and the changed hours before `done`, merged."""
    pieces = sorted({(h, h + timedelta(hours=1)) for h in changed if h < done})
    if done < until:
        pieces.append((done, until))
    merged: list[tuple[datetime, datetime]] = []
    for a, b in pieces:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def ticket_hours_refresh(
    *, since: datetime | None = None, now: datetime | None = None
) -> int:
    """Count the tickets of every complete hour before `now` per inbox, local
    hour of the week and assignee. With `since`: only the hours completed
    since the last run and those with a ticket changed since `since`; an
    inbox that is new or changed its zone is counted from scratch. Without:
    everything from scratch (nightly; also catches deleted tickets).
    Returns the rows written."""
    now = now or timezone.now()
    until = _hour_floor(now)
    tables = {
        "hour": TicketHour._meta.db_table,
        "ticket": Ticket._meta.db_table,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock(%s), set_config('jit', 'off', true),"
            " set_config('work_mem', '64MB', true)",
            [_TICKET_HOURS_LOCK],
        )
        marks = {m.inbox_id: m for m in TicketHourMark.objects.all()}
        changed: list[datetime] = []
        if since is not None:
            cursor.execute(
                _CHANGED_HOURS_SQL.format(**tables), {"since": since, "until": until}
            )
            changed = [row[0] for row in cursor.fetchall()]
        zones, work = _inbox_zones(), []
        for inbox_id, zone in zones.items():
            mark = marks.get(inbox_id)
            fresh = since is None or mark is None or mark.zone != zone
            # From scratch: every row of the inbox goes, whatever its hour.
            ranges = [(_EPOCH, until)] if fresh else _ranges(mark.until, until, changed)
            work += [(inbox_id, zone, a, b) for a, b in ranges]
        written = 0
        if work:
            ids, tzs, froms, tos = (list(column) for column in zip(*work, strict=True))
            cursor.execute(
                _TICKET_HOURS_SQL.format(
                    how=_HOUR_OF_WEEK.format(local="t.local"), **tables
                ),
                {
                    "inbox_ids": ids,
                    "zones": tzs,
                    "froms": froms,
                    "tos": tos,
                    "complaints": list(COMPLAINT_CATEGORIES),
                },
            )
            written = cursor.rowcount
        TicketHourMark.objects.bulk_create(
            [
                TicketHourMark(inbox_id=pk, zone=zone, until=until, refreshed_at=now)
                for pk, zone in zones.items()
            ],
            update_conflicts=True,
            unique_fields=["inbox"],
            update_fields=["zone", "until", "refreshed_at"],
        )
    return written


def ticket_hours_refresh_recent(*, now: datetime | None = None) -> int:
    """The minute-by-minute refresh: the hours completed since the last run
    and those of tickets changed in the last quarter hour."""
    now = now or timezone.now()
    return ticket_hours_refresh(since=now - RECENT_WINDOW, now=now)


def _inbox_zones() -> dict[int, str]:
    """Each inbox's IANA zone, as the facts and the ticket hours use it."""
    return {i.pk: zone_of(i) for i in Inbox.objects.only("pk", "time_zone")}
