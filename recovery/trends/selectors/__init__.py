"""Reads behind the trends dashboard, the spike list and the post-mortem log.

Every read is scoped to inboxes where the user is a manager (`trend_scope`
is the only way to get a `Scope`). Figures are aggregated in PostgreSQL in a
few statements with bounded results; local hours, weekdays and weeks use
each inbox's own time zone (so "all my inboxes" works across zones).

The modules: `scope` (who, which inboxes, which period), `changes` (change
events and their windows), `facts` (cases and tickets counted), `money`
(compensation), `findings` (the spike list), `board` (the whole dashboard),
`post_mortems` (the log) and `names`. Import from this package."""

from recovery.trends.selectors._sql import offset_segments
from recovery.trends.selectors.board import (
    MAX_COMPONENT_SERIES,
    Dashboard,
    dashboard,
)
from recovery.trends.selectors.changes import (
    MAX_CHANGE_EVENTS,
    Window,
    change_event_get_for_user,
    change_event_list,
    change_event_list_for_user,
    change_windows,
)
from recovery.trends.selectors.facts import (
    COMPLAINT_CATEGORIES,
    EMPTY_GROUP,
    CaseFacts,
    Facts,
    Satisfaction,
    SatisfactionGroup,
    TicketFacts,
    period_facts,
)
from recovery.trends.selectors.findings import SpikeReport, spike_report, spikes_for
from recovery.trends.selectors.money import AgentSpend, Compensation, compensation
from recovery.trends.selectors.names import agent_names, component_names, short_name
from recovery.trends.selectors.post_mortems import (
    PostMortemFilters,
    post_mortem_get_for_member,
    post_mortem_list_for_manager,
)
from recovery.trends.selectors.scope import (
    ALL_INBOXES,
    DEFAULT_DAYS,
    MAX_DAYS,
    PERIOD_CHOICES,
    Scope,
    User,
    managed_inboxes,
    trend_scope,
    weeks_of,
    zone_of,
)

__all__ = [
    "ALL_INBOXES",
    "COMPLAINT_CATEGORIES",
    "DEFAULT_DAYS",
    "EMPTY_GROUP",
    "MAX_CHANGE_EVENTS",
    "MAX_COMPONENT_SERIES",
    "MAX_DAYS",
    "PERIOD_CHOICES",
    "AgentSpend",
    "CaseFacts",
    "Compensation",
    "Dashboard",
    "Facts",
    "PostMortemFilters",
    "Satisfaction",
    "SatisfactionGroup",
    "Scope",
    "SpikeReport",
    "TicketFacts",
    "User",
    "Window",
    "agent_names",
    "change_event_get_for_user",
    "change_event_list",
    "change_event_list_for_user",
    "change_windows",
    "compensation",
    "component_names",
    "dashboard",
    "managed_inboxes",
    "offset_segments",
    "period_facts",
    "post_mortem_get_for_member",
    "post_mortem_list_for_manager",
    "short_name",
    "spike_report",
    "spikes_for",
    "trend_scope",
    "weeks_of",
    "zone_of",
]
