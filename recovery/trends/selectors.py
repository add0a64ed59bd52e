"""Reads behind the trends dashboard, the spike list and the post-mortem log.

Every read is scoped to inboxes where the user is a manager (`trend_scope`
is the only way to get a `Scope`). Figures are aggregated in PostgreSQL in a
few statements with bounded results; local hours, weekdays and weeks use
each inbox's own time zone (`AT TIME ZONE` per row, so "all my inboxes"
works across zones)."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from followups.models import FollowUp, Promise, SatisfactionAnswer
from recovery.models import Offer, PostMortem
from recovery.trends import spikes
from recovery.trends.models import CaseFact, ChangeEvent
from tickets.models import Component, Inbox, Membership, Ticket

User = AbstractBaseUser

PERIOD_CHOICES = (30, 90, 180, 365)
# The `inbox` filter's value for every inbox the user manages.
ALL_INBOXES = "all"
DEFAULT_DAYS = 90
MAX_DAYS = 366
# Ticket categories that are complaints (not questions or "other").
COMPLAINT_CATEGORIES = (
    Ticket.Category.LATE_DELIVERY,
    Ticket.Category.BILLING,
    Ticket.Category.DEFECT,
    Ticket.Category.BROKEN_PROMISE,
    Ticket.Category.CONDUCT,
)
# Change events tested and drawn per request, newest first.
MAX_CHANGE_EVENTS = 50
# Components drawn as their own line; the rest are summed as "other".
MAX_COMPONENT_SERIES = 6


# --- scope -------------------------------------------------------------------


def _managed_inbox_ids(user: User) -> QuerySet:
    return Membership.objects.filter(
        user_id=user.pk, role=Membership.Role.MANAGER
    ).values("inbox_id")


def managed_inboxes(*, user: User) -> list[Inbox]:
    """Inboxes where the user is a manager, by name."""
    if not user.is_authenticated:
        return []
    return list(Inbox.objects.filter(pk__in=_managed_inbox_ids(user)).order_by("name"))


def zone_of(inbox: Inbox) -> str:
    """The inbox's IANA zone; UTC when the stored name is not one."""
    try:
        ZoneInfo(inbox.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        return "UTC"
    return inbox.time_zone


@dataclass(frozen=True)
class Scope:
    """Inboxes the user manages (all, or the one asked for) and a period."""

    inboxes: tuple[Inbox, ...]
    start: datetime
    end: datetime
    days: int | None = None  # None: a custom period

    @property
    def inbox_ids(self) -> list[int]:
        return [i.pk for i in self.inboxes]

    @property
    def zones(self) -> list[str]:
        return [zone_of(i) for i in self.inboxes]

    @property
    def zone(self) -> ZoneInfo:
        """The zone for labels: the inbox's, or UTC across several zones."""
        zones = set(self.zones)
        return ZoneInfo(zones.pop() if len(zones) == 1 else "UTC")

    @property
    def single_inbox(self) -> Inbox | None:
        return self.inboxes[0] if len(self.inboxes) == 1 else None

    def sql_params(self) -> dict[str, Any]:
        return {
            "inbox_ids": self.inbox_ids,
            "zones": self.zones,
            "start": self.start,
            "end": self.end,
        }


def trend_scope(
    *,
    user: User,
    inbox: str | None = None,
    days: int | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    now: datetime | None = None,
) -> Scope:
    """The user's scope: 403 unless they manage an inbox, 404 for an inbox
    (slug) they do not manage. `inbox` is a slug, `all` for every inbox the
    user manages, or empty for the one of them with the most recovery cases
    in the period (hours and weeks are an inbox's own). The period is the
    last `days` (default 90), or `date_from` to `date_to` inclusive (at most
    a year)."""
    managed = managed_inboxes(user=user)
    if not managed:
        raise PermissionDenied(_("Managers only."))
    if inbox == ALL_INBOXES:
        chosen = managed
    elif inbox:
        chosen = [i for i in managed if i.slug == inbox]
        if not chosen:
            raise Http404(_("No such inbox."))
    else:
        chosen = managed
    now = now or timezone.now()
    scope = _period(chosen, days, date_from, date_to, now)
    if not inbox and len(chosen) > 1:
        busiest = _busiest(scope)
        scope = _period([busiest], days, date_from, date_to, now)
    return scope


def _busiest(scope: Scope) -> Inbox:
    """The scope's inbox with the most recovery cases in the period (the
    first by name when none has any)."""
    counts = dict(
        CaseFact.objects.filter(
            inbox_id__in=scope.inbox_ids,
            opened_at__gte=scope.start,
            opened_at__lt=scope.end,
        )
        .values("inbox_id")
        .annotate(n=Count("pk"))
        .values_list("inbox_id", "n")
    )
    return max(
        scope.inboxes, key=lambda i: (counts.get(i.pk, 0), -scope.inboxes.index(i))
    )


def _period(
    chosen: list[Inbox] | tuple[Inbox, ...],
    days: int | None,
    date_from: date | None,
    date_to: date | None,
    now: datetime,
) -> Scope:
    zone = ZoneInfo(zone_of(chosen[0]))
    if date_from or date_to:
        last = date_to or timezone.localdate(now, zone)
        first = date_from or last - timedelta(days=DEFAULT_DAYS - 1)
        if first > last:
            first, last = last, first
        first = max(first, last - timedelta(days=MAX_DAYS - 1))
        start = datetime.combine(first, datetime.min.time(), tzinfo=zone)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
        return Scope(inboxes=tuple(chosen), start=start, end=end)
    days = days if days in PERIOD_CHOICES else DEFAULT_DAYS
    return Scope(
        inboxes=tuple(chosen), start=now - timedelta(days=days), end=now, days=days
    )


def weeks_of(scope: Scope) -> list[date]:
    """The Mondays of the local weeks the period touches."""
    first = timezone.localtime(scope.start, scope.zone).date()
    last = timezone.localtime(scope.end - timedelta(microseconds=1), scope.zone).date()
    monday = first - timedelta(days=first.weekday())
    weeks = []
    while monday <= last:
        weeks.append(monday)
        monday += timedelta(days=7)
    return weeks


def _fetch_one(sql: str, params: dict[str, Any]) -> tuple:
    """One row of an aggregate statement. JIT is off for it: the statements
    are many small aggregates whose estimates look large to the planner, and
    compiling them costs seconds where running them costs milliseconds. More
    work memory keeps its hash tables (tens of thousands of rows) in memory."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('jit', 'off', true),"
            " set_config('work_mem', '32MB', true)"
        )
        cursor.execute(sql, params)
        return cursor.fetchone()


def _json(value: Any) -> Any:
    # psycopg returns json columns decoded; text when the column is cast.
    return json.loads(value) if isinstance(value, str) else value


# --- change events -----------------------------------------------------------


def change_event_list(*, scope: Scope) -> list[ChangeEvent]:
    """Change events of the scope's inboxes in the period, oldest first."""
    events = (
        ChangeEvent.objects.filter(
            inbox_id__in=scope.inbox_ids,
            happened_at__gte=scope.start,
            happened_at__lt=scope.end,
        )
        .select_related("inbox", "component", "created_by")
        .order_by("-happened_at", "-id")[:MAX_CHANGE_EVENTS]
    )
    return sorted(events, key=lambda e: (e.happened_at, e.pk))


def change_event_list_for_user(*, user: User) -> QuerySet[ChangeEvent]:
    """Every change event of the inboxes the user manages, newest first."""
    return (
        ChangeEvent.objects.filter(inbox_id__in=_managed_inbox_ids(user))
        .select_related("inbox", "component", "created_by")
        .order_by("-happened_at", "-id")
    )


def change_event_get_for_user(*, user: User, change_id: int) -> ChangeEvent:
    """The change event if the user manages its inbox, else 404."""
    found = change_event_list_for_user(user=user).filter(pk=change_id).first()
    if found is None:
        raise Http404(_("No such change event."))
    return found


@dataclass(frozen=True)
class Window:
    """What a change is compared over: the period around it up to the
    neighbouring change of the same inbox and component."""

    change: ChangeEvent
    before_from: datetime
    after_to: datetime


def change_windows(*, scope: Scope, events: list[ChangeEvent]) -> list[Window]:
    """Before and after windows of each change, within the period."""
    by_scope: dict[tuple[int, int | None], list[ChangeEvent]] = defaultdict(list)
    for event in events:
        by_scope[(event.inbox_id, event.component_id)].append(event)
    windows = []
    for same in by_scope.values():
        for i, event in enumerate(same):
            before_from = same[i - 1].happened_at if i else scope.start
            after_to = same[i + 1].happened_at if i + 1 < len(same) else scope.end
            windows.append(Window(event, max(before_from, scope.start), after_to))
    return windows


# --- recovery cases ----------------------------------------------------------


@dataclass
class CaseFacts:
    """Recovery cases opened in the period, counted every way the dashboard
    and the spike list need. Weekday and hour are those of the complaint's
    arrival (the ticket's first message), like the tickets they are compared
    with; weeks are those of opening the case."""

    # (weekday 0-6, hour, agent id or None) -> cases
    slots: dict[tuple[int, int, int | None], int] = field(default_factory=dict)
    # (monday, root cause or "") -> cases; "" = no post-mortem yet
    by_cause: dict[tuple[date, str], int] = field(default_factory=dict)
    # (monday, component id or None) -> cases
    by_component: dict[tuple[date, int | None], int] = field(default_factory=dict)
    # 0 = a customer's first failure in 12 months, 1 = second, 2 = third or more
    prior: dict[int, int] = field(default_factory=dict)
    # hours from the customer's first message: (count, median, 90th percentile)
    to_acknowledge: tuple[int, float | None, float | None] = (0, None, None)
    to_resolve: tuple[int, float | None, float | None] = (0, None, None)
    # promises on the cases' tickets: kept, broken, open -> count
    promises: dict[str, int] = field(default_factory=dict)
    # change id -> (cases before, cases after)
    changes: dict[int, tuple[int, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.slots.values())


@dataclass
class TicketFacts:
    """Tickets that came in during the period: the exposure behind case rates
    and the complaints heatmap."""

    # (weekday, hour, assignee id or None) -> (tickets, complaints)
    slots: dict[tuple[int, int, int | None], tuple[int, int]] = field(
        default_factory=dict
    )

    @property
    def total(self) -> int:
        return sum(n for n, _c in self.slots.values())


@dataclass(frozen=True)
class SatisfactionGroup:
    count: int
    mean: float | None
    satisfied: int  # answers of 4 or 5

    @property
    def satisfied_share(self) -> float | None:
        return self.satisfied / self.count if self.count else None


@dataclass(frozen=True)
class Satisfaction:
    recovered: SatisfactionGroup  # after a recovered failure
    no_failure: SatisfactionGroup  # customers without a case in the period


EMPTY_GROUP = SatisfactionGroup(0, None, 0)


@dataclass
class Facts:
    tickets: TicketFacts
    cases: CaseFacts
    satisfaction: Satisfaction


# Cases come from the trend facts (one narrow row per case, by inbox and
# opening time; see models.CaseFact); tickets are aggregated live from an
# index range on inbox and arrival.
#
# Local weekday, hour and week come from each inbox's UTC offset over the
# period, piece by piece between daylight-saving changes, written into the
# statement as a CASE (`_offset_sql`): a row costs an addition instead of a
# time-zone conversion. A complaint that came in before the period falls
# back to AT TIME ZONE.
#
_FACTS_SQL = """
WITH z(inbox_id, tz) AS (
    SELECT * FROM unnest(%(inbox_ids)s::bigint[], %(zones)s::text[])
),
f AS MATERIALIZED (
    SELECT cf.case_id AS id, cf.ticket_id, cf.inbox_id, cf.agent_id,
           cf.customer_id, cf.prior, cf.score, cf.opened_at,
           NULLIF(cf.root_cause, '') AS root_cause, cf.component_id,
           cf.hours_to_acknowledge AS to_ack, cf.hours_to_resolve AS to_resolve,
           cf.promises_kept, cf.promises_broken, cf.promises_open,
           ((l.arrived / 3600 + 72) %% 168)::int AS how,
           DATE '1970-01-01'
               + (l.opened / 86400 - (l.opened / 86400 + 3) %% 7)::int AS week
    FROM {fact} cf
    JOIN z ON z.inbox_id = cf.inbox_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN cf.arrived_at >= %(start)s
                    THEN date_part('epoch', cf.arrived_at)::bigint
                         + {arrived_offset}
                    ELSE date_part('epoch', cf.arrived_at AT TIME ZONE z.tz)::bigint
               END AS arrived,
               date_part('epoch', cf.opened_at)::bigint + {opened_offset} AS opened
    ) l
    WHERE cf.inbox_id = ANY(%(inbox_ids)s)
      AND cf.opened_at >= %(start)s AND cf.opened_at < %(end)s
),
e(id, inbox_id, component_id, at, from_at, to_at) AS (
    SELECT * FROM unnest(%(e_ids)s::bigint[], %(e_inbox)s::bigint[],
                         %(e_component)s::bigint[], %(e_at)s::timestamptz[],
                         %(e_from)s::timestamptz[], %(e_to)s::timestamptz[])
)
SELECT
  (SELECT json_agg(json_build_array(how, assignee_id, n, complaints))
   FROM (SELECT ((date_part('epoch', t.created_at)::bigint + {ticket_offset})
                     / 3600 + 72) %% 168 AS how,
                t.assignee_id, count(*) AS n,
                count(*) FILTER (WHERE t.category = ANY(%(complaints)s))
                    AS complaints
         FROM {ticket} t
         WHERE t.inbox_id = ANY(%(inbox_ids)s)
           AND t.created_at >= %(start)s AND t.created_at < %(end)s
         GROUP BY 1, 2) x),
  (SELECT json_agg(json_build_array(how, agent_id, n))
   FROM (SELECT how, agent_id, count(*) AS n FROM f GROUP BY how, agent_id) x),
  (SELECT json_agg(json_build_array(week, root_cause, n))
   FROM (SELECT week, root_cause, count(*) AS n FROM f
         GROUP BY week, root_cause) x),
  (SELECT json_agg(json_build_array(week, component_id, n))
   FROM (SELECT week, component_id, count(*) AS n FROM f
         GROUP BY week, component_id) x),
  (SELECT json_agg(json_build_array(prior, n))
   FROM (SELECT prior, count(*) AS n FROM f GROUP BY prior) x),
  (SELECT json_build_array(
       count(to_ack),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_ack),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_ack),
       count(to_resolve),
       percentile_cont(0.5) WITHIN GROUP (ORDER BY to_resolve),
       percentile_cont(0.9) WITHIN GROUP (ORDER BY to_resolve),
       count(score), avg(score)::float8, count(*) FILTER (WHERE score >= 4))
   FROM f),
  ({promises}),
  (SELECT json_agg(json_build_array(id, before, after))
   FROM (SELECT e.id,
                count(f.opened_at) FILTER (WHERE f.opened_at < e.at) AS before,
                count(f.opened_at) FILTER (WHERE f.opened_at >= e.at) AS after
         FROM e
         LEFT JOIN f ON f.inbox_id = e.inbox_id
             AND (e.component_id IS NULL OR f.component_id = e.component_id)
             AND f.opened_at >= e.from_at AND f.opened_at < e.to_at
         GROUP BY e.id) x),
  ({answers})
"""

_PROMISES_SQL = """
SELECT json_build_array(COALESCE(sum(promises_kept), 0),
                        COALESCE(sum(promises_broken), 0),
                        COALESCE(sum(promises_open), 0))
FROM f
"""

# Survey answers of customers who had no recovery case in the period.
_ANSWERS_SQL = """
SELECT json_build_array(count(*), avg(score)::float8,
                        count(*) FILTER (WHERE score >= 4))
FROM (SELECT a.score
      FROM {answer} a
      JOIN {followup} fu ON fu.id = a.followup_id
      JOIN {ticket} t ON t.id = fu.ticket_id
      WHERE a.answered_at >= %(start)s AND a.answered_at < %(end)s
        AND fu.case_id IS NULL
        AND t.inbox_id = ANY(%(inbox_ids)s)
        AND NOT EXISTS (SELECT 1 FROM f WHERE f.customer_id = t.customer_id)
     ) x
"""


def _offset(zone: ZoneInfo, moment: datetime) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds())


def offset_segments(
    zone: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[datetime, datetime, int]]:
    """[from, to) pieces of the period with the zone's UTC offset in seconds,
    split where daylight saving starts or ends (found to the second)."""
    pieces = []
    piece_from, current, probe = start, _offset(zone, start), start
    while probe < end:
        step = min(probe + timedelta(days=7), end)
        if _offset(zone, step) != current:
            low, high = probe, step  # the change lies in (low, high]
            while high - low > timedelta(seconds=1):
                middle = low + (high - low) / 2
                if _offset(zone, middle) == current:
                    low = middle
                else:
                    high = middle
            if high < end:
                pieces.append((piece_from, high, current))
                piece_from, current = high, _offset(zone, high)
        probe = step
    pieces.append((piece_from, end, current))
    return pieces


def _offset_sql(
    scope: Scope, inbox_column: str, time_column: str, params: dict[str, Any]
) -> str:
    """A CASE giving the UTC offset (seconds) of `time_column` in its inbox's
    zone, for times within the period; adds its values to `params`."""
    branches = []
    for inbox in scope.inboxes:
        pieces = offset_segments(ZoneInfo(zone_of(inbox)), scope.start, scope.end)
        for i, (_from, to, offset) in enumerate(pieces):
            key = f"o{len(params)}"
            params[f"{key}_inbox"], params[f"{key}_off"] = inbox.pk, offset
            last = i == len(pieces) - 1
            params[f"{key}_to"] = to
            condition = f"{inbox_column} = %({key}_inbox)s" + (
                "" if last else f" AND {time_column} < %({key}_to)s"
            )
            branches.append(f"WHEN {condition} THEN %({key}_off)s")
    return "(CASE " + " ".join(branches) + " END)"


def period_facts(
    *,
    scope: Scope,
    windows: list[Window] | None = None,
    effectiveness: bool = True,
) -> Facts:
    """One statement: the period's tickets and case facts read once, then
    grouped for every figure (heatmaps, agents, weeks, changes and, unless
    left out, promises and satisfaction)."""
    windows = windows or []
    offsets: dict[str, Any] = {}
    offset_sql = {
        name: _offset_sql(scope, inbox_column, time_column, offsets)
        for name, inbox_column, time_column in (
            ("arrived_offset", "cf.inbox_id", "cf.arrived_at"),
            ("opened_offset", "cf.inbox_id", "cf.opened_at"),
            ("ticket_offset", "t.inbox_id", "t.created_at"),
        )
    }
    params = (
        scope.sql_params()
        | offsets
        | {
            "complaints": list(COMPLAINT_CATEGORIES),
            "e_ids": [w.change.pk for w in windows],
            "e_inbox": [w.change.inbox_id for w in windows],
            "e_component": [w.change.component_id for w in windows],
            "e_at": [w.change.happened_at for w in windows],
            "e_from": [w.before_from for w in windows],
            "e_to": [w.after_to for w in windows],
        }
    )
    tables = {
        "fact": CaseFact._meta.db_table,
        "ticket": Ticket._meta.db_table,
        "promise": Promise._meta.db_table,
        "answer": SatisfactionAnswer._meta.db_table,
        "followup": FollowUp._meta.db_table,
    }
    sql = _FACTS_SQL.format(
        promises=_PROMISES_SQL.format(**tables) if effectiveness else "NULL",
        answers=_ANSWERS_SQL.format(**tables) if effectiveness else "NULL",
        **tables,
        **offset_sql,
    )
    row = _fetch_one(sql, params)
    (exposure, slots, causes, components, prior, stats, promises, changes, calm) = (
        _json(v) for v in row
    )
    # Hour of the week: 0 is Monday 0-1 (epoch day 0 was a Thursday).
    tickets = TicketFacts(
        slots={(how // 24, how % 24, a): (n, c) for how, a, n, c in exposure or []}
    )
    cases = CaseFacts(
        slots={(how // 24, how % 24, a): n for how, a, n in slots or []},
        by_cause={(date.fromisoformat(w), c or ""): n for w, c, n in causes or []},
        by_component={(date.fromisoformat(w), c): n for w, c, n in components or []},
        prior=dict(prior or []),
        to_acknowledge=(stats[0], stats[1], stats[2]),
        to_resolve=(stats[3], stats[4], stats[5]),
        promises=dict(zip(("kept", "broken", "open"), promises or (), strict=False)),
        changes={i: (before, after) for i, before, after in changes or []},
    )
    return Facts(
        tickets=tickets,
        cases=cases,
        satisfaction=Satisfaction(
            recovered=SatisfactionGroup(stats[6], stats[7], stats[8]),
            no_failure=SatisfactionGroup(*calm) if calm else EMPTY_GROUP,
        ),
    )


# --- compensation ------------------------------------------------------------


@dataclass(frozen=True)
class AgentSpend:
    """What one member granted in one inbox and currency during the period."""

    agent_id: int | None
    inbox_id: int
    currency: str
    total: Decimal
    within_authority: Decimal
    busiest_month: Decimal  # the highest month of own-authority spend
    needed_approval: int
    month_limit: Decimal | None  # the member's monthly limit in this currency


@dataclass
class Compensation:
    # currency -> {monday: amount}; one series per currency, never summed
    weekly: dict[str, dict[date, Decimal]] = field(default_factory=dict)
    by_agent: list[AgentSpend] = field(default_factory=list)
    # hours from request to a manager's decision: (count, median, 90th pct)
    turnaround: tuple[int, float | None, float | None] = (0, None, None)
    pending: int = 0


def compensation(*, scope: Scope) -> Compensation:
    """Approved compensation per week and currency, per member against their
    monthly limit, and how fast managers decide on approvals."""
    offers = Offer._meta.db_table
    offsets: dict[str, Any] = {}
    offset = _offset_sql(scope, "o.inbox_id", "o.decided_at", offsets)
    # The local time as a plain timestamp: UTC plus the inbox's offset.
    sql = f"""
    WITH o AS MATERIALIZED (
        SELECT o.created_by_id, o.inbox_id, o.currency, o.amount,
               o.is_within_authority, o.status, o.created_at, o.decided_at,
               (o.decided_at AT TIME ZONE 'UTC')
                   + make_interval(secs => {offset}) AS local_at
        FROM {offers} o
        WHERE o.inbox_id = ANY(%(inbox_ids)s)
          AND o.decided_at >= %(start)s AND o.decided_at < %(end)s
          AND o.status IN ('approved', 'rejected')
    )
    SELECT
      (SELECT json_agg(json_build_array(week, currency, total))
       FROM (SELECT date_trunc('week', local_at)::date AS week, currency,
                    sum(amount)::text AS total
             FROM o WHERE status = 'approved' GROUP BY 1, 2) x),
      (SELECT json_agg(json_build_array(
                  created_by_id, inbox_id, currency, total, own, busiest, asked))
       FROM (SELECT created_by_id, inbox_id, currency,
                    sum(total)::text AS total, sum(own)::text AS own,
                    max(own)::text AS busiest, sum(asked) AS asked
             FROM (SELECT created_by_id, inbox_id, currency,
                          date_trunc('month', local_at) AS month,
                          sum(amount) AS total,
                          sum(amount) FILTER (WHERE is_within_authority) AS own,
                          count(*) FILTER (WHERE NOT is_within_authority) AS asked
                   FROM o WHERE status = 'approved' GROUP BY 1, 2, 3, 4) m
             GROUP BY 1, 2, 3) x),
      (SELECT json_build_array(
           count(*),
           percentile_cont(0.5) WITHIN GROUP (ORDER BY hours),
           percentile_cont(0.9) WITHIN GROUP (ORDER BY hours))
       FROM (SELECT EXTRACT(EPOCH FROM decided_at - created_at) / 3600.0 AS hours
             FROM o WHERE NOT is_within_authority) x),
      (SELECT count(*) FROM {offers} p
       WHERE p.status = 'pending' AND p.inbox_id = ANY(%(inbox_ids)s))
    """  # noqa: S608 - table names come from model metadata
    weekly, agents, turnaround, pending = _fetch_one(sql, scope.sql_params() | offsets)
    result = Compensation(pending=pending or 0)
    for week, currency, total in _json(weekly) or []:
        series = result.weekly.setdefault(currency, {})
        series[date.fromisoformat(week)] = Decimal(total)
    limits = {
        (m.user_id, m.inbox_id): m
        for m in Membership.objects.filter(inbox_id__in=scope.inbox_ids)
    }
    for agent_id, inbox_id, currency, total, own, busiest, asked in _json(agents) or []:
        member = limits.get((agent_id, inbox_id))
        result.by_agent.append(
            AgentSpend(
                agent_id=agent_id,
                inbox_id=inbox_id,
                currency=currency,
                total=Decimal(total),
                within_authority=Decimal(own or "0"),
                busiest_month=Decimal(busiest or "0"),
                needed_approval=asked,
                month_limit=member.per_month_limit_amount
                if member and member.currency == currency
                else None,
            )
        )
    result.by_agent.sort(key=lambda s: (s.currency, -s.total))
    turnaround = _json(turnaround) or [0, None, None]
    result.turnaround = (turnaround[0], turnaround[1], turnaround[2])
    return result


# --- names -------------------------------------------------------------------


def short_name(user: Any) -> str:
    """ "M. Keller", or the user name when no name is set."""
    first, last = (user.first_name or "").strip(), (user.last_name or "").strip()
    if first and last:
        return f"{first[0]}. {last}"
    return first or last or user.get_username()


def agent_names(ids: set[int | None]) -> dict[int, str]:
    """Short names of the given users."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    users = get_user_model().objects.filter(pk__in=wanted)
    return {u.pk: short_name(u) for u in users}


def component_names(ids: set[int | None]) -> dict[int, str]:
    wanted = {i for i in ids if i is not None}
    return (
        dict(Component.objects.filter(pk__in=wanted).values_list("pk", "name"))
        if wanted
        else {}
    )


# --- spikes ------------------------------------------------------------------


@dataclass(frozen=True)
class SpikeReport:
    spikes: list[spikes.Candidate]
    sentences: list[str]
    compared: int  # how many cells and changes were tested together
    thresholds: spikes.Thresholds


def spike_report(
    *,
    scope: Scope,
    cases: CaseFacts,
    tickets: TicketFacts,
    windows: list[Window],
    thresholds: spikes.Thresholds = spikes.DEFAULT_THRESHOLDS,
    names: dict[int, str] | None = None,
) -> SpikeReport:
    """Run the spike tests over the counts and word the findings."""
    agent_cases: dict[tuple[int, int, int], int] = {}
    slot_cases: dict[tuple[int, int], int] = defaultdict(int)
    for (d, h, a), n in cases.slots.items():
        slot_cases[(d, h)] += n
        if a is not None:
            agent_cases[(d, h, a)] = n
    agent_tickets: dict[tuple[int, int, int], int] = {}
    slot_tickets: dict[tuple[int, int], int] = defaultdict(int)
    complaints: dict[tuple[int, int], int] = defaultdict(int)
    for (d, h, a), (n, c) in tickets.slots.items():
        slot_tickets[(d, h)] += n
        complaints[(d, h)] += c
        if a is not None:
            agent_tickets[(d, h, a)] = n
    change_windows_ = []
    for w in windows:
        before, after = cases.changes.get(w.change.pk, (0, 0))
        change_windows_.append(
            spikes.ChangeWindow(
                change_id=w.change.pk,
                before=before,
                before_weeks=(w.change.happened_at - w.before_from).total_seconds()
                / 604800,
                after=after,
                after_weeks=(w.after_to - w.change.happened_at).total_seconds()
                / 604800,
            )
        )
    groups = [
        spikes.agent_hour_candidates(agent_cases, agent_tickets, thresholds),
        spikes.hour_candidates(slot_cases, slot_tickets, thresholds),
        spikes.complaint_candidates(complaints, thresholds),
        spikes.change_candidates(change_windows_, thresholds),
    ]
    found = spikes.detect(*groups, thresholds=thresholds)
    if names is None:
        names = agent_names({s.agent_id for s in found})
    zone = scope.zone
    labels = spikes.Labels(
        agents=names,
        changes={
            w.change.pk: spikes.ChangeLabel(
                title=w.change.title,
                kind_label=str(w.change.get_kind_display()),
                happened_at=w.change.happened_at,
                component=w.change.component.name if w.change.component else "",
                inbox=w.change.inbox.name,
            )
            for w in windows
        },
        format_date=lambda d: date_format(timezone.localtime(d, zone), "j M Y"),
    )
    return SpikeReport(
        spikes=found,
        sentences=[spikes.describe(s, labels) for s in found],
        compared=sum(g.compared for g in groups),
        thresholds=thresholds,
    )


def spikes_for(*, scope: Scope) -> SpikeReport:
    """The spike list alone (two statements and the names)."""
    events = change_event_list(scope=scope)
    windows = change_windows(scope=scope, events=events)
    facts = period_facts(scope=scope, windows=windows, effectiveness=False)
    return spike_report(
        scope=scope, cases=facts.cases, tickets=facts.tickets, windows=windows
    )


# --- the whole dashboard -----------------------------------------------------


@dataclass
class Dashboard:
    scope: Scope
    weeks: list[date]
    events: list[ChangeEvent]
    cases: CaseFacts
    tickets: TicketFacts
    compensation: Compensation
    satisfaction: Satisfaction
    spikes: SpikeReport
    agents: dict[int, str]
    components: dict[int, str]
    inbox_names: dict[int, str]


def dashboard(*, scope: Scope, with_money: bool = True) -> Dashboard:
    """Every figure of the dashboard: a handful of statements whatever the
    size of the period (compensation can be left out)."""
    events = change_event_list(scope=scope)
    windows = change_windows(scope=scope, events=events)
    facts = period_facts(scope=scope, windows=windows)
    cases, tickets = facts.cases, facts.tickets
    money = compensation(scope=scope) if with_money else Compensation()
    agent_ids = (
        {a for (_d, _h, a) in cases.slots}
        | {a for (_d, _h, a) in tickets.slots}
        | {s.agent_id for s in money.by_agent}
    )
    names = agent_names(agent_ids)
    return Dashboard(
        scope=scope,
        weeks=weeks_of(scope),
        events=events,
        cases=cases,
        tickets=tickets,
        compensation=money,
        satisfaction=facts.satisfaction,
        spikes=spike_report(
            scope=scope, cases=cases, tickets=tickets, windows=windows, names=names
        ),
        agents=names,
        components=component_names({c for (_w, c) in cases.by_component}),
        inbox_names={i.pk: i.name for i in scope.inboxes},
    )


# --- the post-mortem log -----------------------------------------------------


@dataclass(frozen=True)
class PostMortemFilters:
    inbox: str | None = None  # slug
    root_cause: str | None = None
    component: int | None = None
    owner: int | None = None
    overdue: bool = False
    q: str = ""

    @classmethod
    def from_params(cls, params: Any) -> "PostMortemFilters":
        def number(name: str) -> int | None:
            value = str(params.get(name) or "")
            return int(value) if value.isdigit() else None

        cause = params.get("root_cause") or None
        return cls(
            inbox=params.get("inbox") or None,
            root_cause=cause if cause in PostMortem.RootCause.values else None,
            component=number("component"),
            owner=number("owner"),
            overdue=str(params.get("overdue") or "") in ("1", "true", "on", "yes"),
            q=str(params.get("q") or "").strip()[:200],
        )


def post_mortem_list_for_manager(
    *, user: User, filters: PostMortemFilters | None = None, today: date | None = None
) -> QuerySet[PostMortem]:
    """Post-mortems of the inboxes the user manages, newest first; 403 unless
    they manage one."""
    if not managed_inboxes(user=user):
        raise PermissionDenied(_("Managers only."))
    f = filters or PostMortemFilters()
    qs = PostMortem.objects.filter(case__ticket__inbox_id__in=_managed_inbox_ids(user))
    if f.inbox:
        qs = qs.filter(case__ticket__inbox__slug=f.inbox)
    if f.root_cause:
        qs = qs.filter(root_cause=f.root_cause)
    if f.component:
        qs = qs.filter(component_id=f.component)
    if f.owner:
        qs = qs.filter(prevention_owner_id=f.owner)
    if f.overdue:
        qs = qs.filter(prevention_due_date__lt=today or timezone.localdate())
    if f.q:
        qs = qs.filter(
            Q(prevention_action__icontains=f.q)
            | Q(chain_of_events__icontains=f.q)
            | Q(case__summary__icontains=f.q)
            | Q(case__ticket__reference__iexact=f.q)
        )
    return qs.select_related(
        "case__ticket__inbox",
        "case__ticket__customer",
        "component",
        "prevention_owner",
        "written_by",
    ).order_by("-created_at", "-id")


def log_owners(*, user: User) -> list:
    """Members of the inboxes the user manages (owner filter of the log)."""
    memberships = (
        Membership.objects.filter(inbox_id__in=_managed_inbox_ids(user))
        .select_related("user")
        .order_by("user__first_name", "user__username")
    )
    return list({m.user_id: m.user for m in memberships}.values())
