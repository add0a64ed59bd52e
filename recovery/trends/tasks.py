"""Thin Celery wrappers: reminders for overdue prevention actions and the
refresh of the trend facts (case facts and ticket hours)."""

from celery import shared_task
from django.utils import timezone

from helpdesk.celery import retried
from recovery.trends import services


@shared_task(
    name="recovery.prevention_remind_overdue",
    **retried(max_retries=5),
)
def prevention_remind_overdue_task() -> int:
    """Remind each owner once per overdue prevention action; a full batch
    runs again at once."""
    reminded = services.prevention_remind_overdue()
    if reminded >= services.REMIND_BATCH:
        prevention_remind_overdue_task.delay()
    return reminded


@shared_task(
    name="recovery.case_facts_refresh_recent",
    **retried(max_retries=3),
)
def case_facts_refresh_recent_task() -> int:
    """Bring the trend facts of recently changed cases up to date, and count
    the tickets of the hours completed or changed since."""
    now = timezone.now()
    return services.case_facts_refresh_recent(
        now=now
    ) + services.ticket_hours_refresh_recent(now=now)


@shared_task(name="recovery.case_facts_refresh_all", acks_late=True)
def case_facts_refresh_all_task() -> int:
    """Rewrite the trend facts of every case and the ticket hours (nightly)."""
    return services.case_facts_refresh() + services.ticket_hours_refresh()
