"""Recovery cases and tickets of a period, counted every way the dashboard
and the spike list need, in one statement."""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from followups.models import FollowUp, Promise, SatisfactionAnswer
from recovery.trends.models import CaseFact, TicketHour, TicketHourMark
from recovery.trends.selectors._sql import fetch_one, json_value, offset_sql
from recovery.trends.selectors.changes import Window
from recovery.trends.selectors.scope import Scope
from tickets.models import Ticket

# Ticket categories that are complaints (not questions or "other").
COMPLAINT_CATEGORIES = (
    Ticket.Category.LATE_DELIVERY,
    Ticket.Category.BILLING,
    Ticket.Category.DEFECT,
    Ticket.Category.BROKEN_PROMISE,
    Ticket.Category.CONDUCT,
)


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
# opening time; see models.CaseFact). Tickets come from the ticket hours
# (models.TicketHour) for the complete hours they cover, and are counted
# live from an index range on inbox and arrival for the rest: the part of
# the first hour inside the period, and from where the hours end (the
# current hour, or everything when the inbox's zone changed since).
#
# A case's local hour of arrival and week of opening were worked out when
# its facts were written; for facts written in another zone than the
# inbox's now, they come from each inbox's UTC offset over the
# period, piece by piece between daylight-saving changes, written into the
# statement as a CASE (`offset_sql`): a row costs an addition instead of a
# time-zone conversion. A complaint that came in before the period falls
# back to AT TIME ZONE. Seconds are floored (a cast would round 16:59:59.6
# up into the next hour).
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
           CASE WHEN cf.zone = z.tz THEN cf.arrived_how
                ELSE ((l.arrived / 3600 + 72) %% 168)::int END AS how,
           CASE WHEN cf.zone = z.tz THEN cf.opened_week
                ELSE DATE '1970-01-01'
                     + (l.opened / 86400 - (l.opened / 86400 + 3) %% 7)::int
           END AS week
    FROM {fact} cf
    JOIN z ON z.inbox_id = cf.inbox_id
    CROSS JOIN LATERAL (
        SELECT CASE WHEN cf.arrived_at >= %(start)s
                    THEN floor(date_part('epoch', cf.arrived_at))::bigint
                         + {arrived_offset}
                    ELSE floor(date_part('epoch',
                                         cf.arrived_at AT TIME ZONE z.tz))::bigint
               END AS arrived,
               floor(date_part('epoch', cf.opened_at))::bigint + {opened_offset}
                   AS opened
    ) l
    WHERE cf.inbox_id = ANY(%(inbox_ids)s)
      AND cf.opened_at >= %(start)s AND cf.opened_at < %(end)s
),
e(id, inbox_id, component_id, at, from_at, to_at) AS (
    SELECT * FROM unnest(%(e_ids)s::bigint[], %(e_inbox)s::bigint[],
                         %(e_component)s::bigint[], %(e_at)s::timestamptz[],
                         %(e_from)s::timestamptz[], %(e_to)s::timestamptz[])
),
-- Per inbox: ticket hours for [cut_from, cut_to), live tickets around it.
cover AS (
    SELECT z.inbox_id, %(hours_from)s::timestamptz AS cut_from,
           CASE WHEN m.zone = z.tz
                THEN greatest(%(hours_from)s::timestamptz,
                              least(%(hours_to)s::timestamptz, m.until))
                ELSE %(hours_from)s::timestamptz
           END AS cut_to
    FROM z LEFT JOIN {hour_mark} m ON m.inbox_id = z.inbox_id
),
-- OFFSET 0 here and below: each inbox's ranges are read by index, not
-- merged into one scan of every row of the table.
live AS (
    SELECT t.* FROM cover c CROSS JOIN LATERAL (
        SELECT t.inbox_id, t.created_at, t.assignee_id, t.category
        FROM {ticket} t
        WHERE t.inbox_id = c.inbox_id
          AND t.created_at >= %(start)s AND t.created_at < c.cut_from
        OFFSET 0) t
    UNION ALL
    SELECT t.* FROM cover c CROSS JOIN LATERAL (
        SELECT t.inbox_id, t.created_at, t.assignee_id, t.category
        FROM {ticket} t
        WHERE t.inbox_id = c.inbox_id
          AND t.created_at >= c.cut_to AND t.created_at < %(end)s
        OFFSET 0) t
),
exposure AS (
    SELECT h.* FROM cover c CROSS JOIN LATERAL (
        SELECT h.how, h.assignee_id, h.tickets AS n, h.complaints
        FROM {hour} h
        WHERE h.inbox_id = c.inbox_id
          AND h.hour >= c.cut_from AND h.hour < c.cut_to
        OFFSET 0) h
    UNION ALL
    SELECT ((floor(date_part('epoch', t.created_at))::bigint + {ticket_offset})
                / 3600 + 72) %% 168,
           t.assignee_id, 1, (t.category = ANY(%(complaints)s))::int
    FROM live t
)
SELECT
  (SELECT json_agg(json_build_array(how, assignee_id, n, complaints))
   FROM (SELECT how, assignee_id, sum(n) AS n, sum(complaints) AS complaints
         FROM exposure GROUP BY 1, 2) x),
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

# Survey answers of customers who had no recovery case in the period. The
# answer's ticket is looked up by key (OFFSET 0 keeps the planner from
# scanning every ticket for it) and the customer's cases probed by index.
_ANSWERS_SQL = """
SELECT json_build_array(count(*), avg(x.score)::float8,
                        count(*) FILTER (WHERE x.score >= 4))
FROM (SELECT a.score, t.customer_id
      FROM {answer} a
      JOIN {followup} fu ON fu.id = a.followup_id
      JOIN LATERAL (SELECT t.inbox_id, t.customer_id FROM {ticket} t
                    WHERE t.id = fu.ticket_id OFFSET 0) t ON true
      WHERE a.answered_at >= %(start)s AND a.answered_at < %(end)s
        AND fu.case_id IS NULL
        AND t.inbox_id = ANY(%(inbox_ids)s)
     ) x
WHERE NOT EXISTS (SELECT 1 FROM {fact} cf
                  WHERE cf.customer_id = x.customer_id
                    AND cf.inbox_id = ANY(%(inbox_ids)s)
                    AND cf.opened_at >= %(start)s AND cf.opened_at < %(end)s
                  OFFSET 0)
"""


def _complete_hours(scope: Scope) -> dict[str, datetime]:
    """The UTC hours wholly inside the period, as [hours_from, hours_to);
    both the start when there is none."""
    start, end = scope.start.astimezone(UTC), scope.end.astimezone(UTC)
    first = start.replace(minute=0, second=0, microsecond=0)
    if first < start:
        first += timedelta(hours=1)
    last = end.replace(minute=0, second=0, microsecond=0)
    if last <= first:
        return {"hours_from": start, "hours_to": start}
    return {"hours_from": first, "hours_to": last}


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
    local_sql = {
        name: offset_sql(scope, inbox_column, time_column, offsets)
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
            **_complete_hours(scope),
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
        "hour": TicketHour._meta.db_table,
        "hour_mark": TicketHourMark._meta.db_table,
        "ticket": Ticket._meta.db_table,
        "promise": Promise._meta.db_table,
        "answer": SatisfactionAnswer._meta.db_table,
        "followup": FollowUp._meta.db_table,
    }
    sql = _FACTS_SQL.format(
        promises=_PROMISES_SQL.format(**tables) if effectiveness else "NULL",
        answers=_ANSWERS_SQL.format(**tables) if effectiveness else "NULL",
        **tables,
        **local_sql,
    )
    row = fetch_one(sql, params)
    (exposure, slots, causes, components, prior, stats, promises, changes, calm) = (
        json_value(v) for v in row
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
