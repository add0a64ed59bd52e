"""Writes of the trends feature: change events (managers of the inbox only),
the one reminder per overdue prevention action, and the trend facts the
dashboard reads.

The modules: `changes`, `reminders` and `facts`. Import from this package."""

from recovery.trends.services.changes import (
    change_event_create,
    change_event_delete,
    change_event_update,
)
from recovery.trends.services.facts import (
    RECENT_WINDOW,
    case_facts_refresh,
    case_facts_refresh_recent,
    ticket_hours_refresh,
    ticket_hours_refresh_recent,
)
from recovery.trends.services.reminders import (
    REMIND_BATCH,
    REMIND_WITHIN,
    prevention_remind_overdue,
)

__all__ = [
    "RECENT_WINDOW",
    "REMIND_BATCH",
    "REMIND_WITHIN",
    "case_facts_refresh",
    "case_facts_refresh_recent",
    "change_event_create",
    "change_event_delete",
    "change_event_update",
    "prevention_remind_overdue",
    "ticket_hours_refresh",
    "ticket_hours_refresh_recent",
]
