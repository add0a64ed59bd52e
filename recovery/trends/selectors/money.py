"""Compensation granted in a period: per week and currency, per member
against their monthly limit, and how fast managers decide."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from recovery.models import Offer
from recovery.trends.selectors._sql import fetch_one, json_value, offset_sql
from recovery.trends.selectors.scope import Scope
from tickets.models import Membership


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
    offset = offset_sql(scope, "o.inbox_id", "o.decided_at", offsets)
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
    weekly, agents, turnaround, pending = fetch_one(sql, scope.sql_params() | offsets)
    result = Compensation(pending=pending or 0)
    for week, currency, total in json_value(weekly) or []:
        series = result.weekly.setdefault(currency, {})
        series[date.fromisoformat(week)] = Decimal(total)
    limits = {
        (m.user_id, m.inbox_id): m
        for m in Membership.objects.filter(inbox_id__in=scope.inbox_ids)
    }
    for agent_id, inbox_id, currency, total, own, busiest, asked in (
        json_value(agents) or []
    ):
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
    turnaround = json_value(turnaround) or [0, None, None]
    result.turnaround = (turnaround[0], turnaround[1], turnaround[2])
    return result
